using Verify.Impl;
using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Fuzz.Planted;

/// <summary>
/// S1 slip: when LowestSetBitmap.Remove empties a word of level 1, it does not clear that word's
/// bit in level 2 (only bitmaps of more than 4096 members have a level 2: machines above 4096
/// pages). The stale bit heals when a member returns to that range; it changes an outcome only
/// when that range stays empty while a higher range has members and the order is asked for.
/// </summary>
public sealed class BitmapLevelTwoBitStaysSet(ImplKernel impl) : SlipEmulatingKernel(impl)
{
    private readonly ulong[][] _levelOneBefore = new ulong[OrderCount][];

    protected override void BeforeCall()
    {
        for (int order = 0; order < OrderCount; order++)
        {
            var bitmap = Impl.Buddy.FreeBitmap(order);
            _levelOneBefore[order] = bitmap.LevelCount < 3 ? [] : (ulong[])bitmap.LevelWords(1).Clone();
        }
    }

    protected override void AfterCall(Outcome outcome)
    {
        for (int order = 0; order < OrderCount; order++)
        {
            var bitmap = Impl.Buddy.FreeBitmap(order);
            if (bitmap.LevelCount < 3) continue;
            var words = bitmap.LevelWords(1);
            var summary = bitmap.LevelWords(2);
            int used = Math.Min(words.Length, _levelOneBefore[order].Length);
            for (int w = 0; w < used; w++)
                if (_levelOneBefore[order][w] != 0 && words[w] == 0) summary[w >> 6] |= 1UL << (w & 63);
        }
    }
}

/// <summary>
/// S2 slip: when alloc_pages_exact splits the last free block of the largest order, the allocator
/// does not clear that order's bit in the non-empty-order mask. The split and the freed tail leave
/// smaller blocks behind, so an outcome changes only once every smaller order a later request
/// could use is empty too, before any order-10 block is freed again.
/// </summary>
public sealed class ExactSplitLeavesLargestOrderMarked(ImplKernel impl) : SlipEmulatingKernel(impl)
{
    private long _largestBefore;

    protected override void AfterCall(Outcome outcome)
    {
    }

    public override Outcome AllocPagesExact(long sizeBytes)
    {
        _largestBefore = Impl.FreeBlockCount(MaxPageOrder);
        var outcome = base.AllocPagesExact(sizeBytes);
        bool split = outcome.IsOk && KernelConstants.PagesFor(sizeBytes) < 1L << MaxPageOrder;
        if (split && _largestBefore > 0 && Impl.FreeBlockCount(MaxPageOrder) == 0) Impl.Buddy.NonEmptyOrders |= 1u << MaxPageOrder;
        return outcome;
    }
}

/// <summary>
/// S3 slip: PfnMinHeap.SiftUp moves a parent down into the child slot without updating the
/// parent's position. Visible only when that slab is later removed from the heap (it fills up):
/// Remove then takes out whatever sits in the stale slot.
/// </summary>
public sealed class HeapSiftUpForgetsPosition(ImplKernel impl) : SlipEmulatingKernel(impl)
{
    private readonly Dictionary<int, int[]> _slotsBefore = [];

    protected override void BeforeCall()
    {
        _slotsBefore.Clear();
        var slab = Impl.Slab;
        for (int id = 0; id < slab.CacheCount; id++)
        {
            if (!slab.IsLive(id) || slab.PartialHeapOf(id).Count == 0) continue;
            var heap = slab.PartialHeapOf(id);
            _slotsBefore[id] = heap.Slots.AsSpan(0, heap.Count).ToArray();
        }
    }

    protected override void AfterCall(Outcome outcome)
    {
        var slab = Impl.Slab;
        foreach (var (id, before) in _slotsBefore)
        {
            if (!slab.IsLive(id)) continue;
            var heap = slab.PartialHeapOf(id);
            if (heap.Count != before.Length + 1) continue; // a sift-up follows an Add
            var positions = slab.HeapPositions;
            for (int slot = 1; slot < heap.Count; slot++)
            {
                int parent = (slot - 1) >> 1;
                if (parent < before.Length && before[parent] == heap.Slots[slot]) positions[heap.Slots[slot]] = parent;
            }
        }
    }
}

/// <summary>
/// S4 slip: a new slab's record leaves the summary bit of its last bitmap word clear when that word
/// is partial (the object count is not a multiple of 64). Visible only once every other word of the
/// slab is full: the allocator then finds no summarized word.
/// </summary>
public sealed class NewSlabLastWordUnsummarized(ImplKernel impl) : SlipEmulatingKernel(impl)
{
    private long _allocatedBefore;

    protected override void BeforeCall() => _allocatedBefore = Impl.AllocatedPageCount;

    protected override void AfterCall(Outcome outcome)
    {
        if (Impl.AllocatedPageCount <= _allocatedBefore) return;
        var slab = Impl.Slab;
        for (int pfn = 0; pfn < Impl.Machine.Pages; pfn++)
        {
            var (head, cacheId) = slab.OwnerOf(pfn);
            if (head != pfn || slab.Records.InUse(pfn) != 1) continue;
            var (_, objects, words) = slab.GeometryOf(cacheId);
            if (words > 1 && objects % 64 != 0) slab.Records.SummaryOf(pfn) &= ~(1UL << (words - 1));
        }
    }
}

/// <summary>
/// S5 slip: a new cache's obj_to_index multiplier is computed with 12 bits of precision instead of
/// 42 (ceil(2^12 / size) scaled up). Exact for powers of two and for the first objects of a slab;
/// a free of an object far enough into a slab of some sizes then fails with EINVAL.
/// </summary>
public sealed class ReciprocalWithTwelveBits(ImplKernel impl) : SlipEmulatingKernel(impl)
{
    private int _cachesBefore;

    protected override void BeforeCall() => _cachesBefore = Impl.Slab.CacheCount;

    protected override void AfterCall(Outcome outcome)
    {
        var slab = Impl.Slab;
        for (int id = _cachesBefore; id < slab.CacheCount; id++)
        {
            if (!slab.IsLive(id)) continue;
            ulong size = (ulong)slab.GeometryOf(id).SizeBytes;
            slab.IndexMultiplierOf(id) = ((1UL << 12) + size - 1) / size << (Verify.Impl.Slab.ReciprocalDivision.Shift - 12);
        }
    }
}

/// <summary>
/// S6 slip: the shrinker frees a dentry with an external name but leaves the name's address in
/// the name-buffer set. Visible only if a later kmalloc object gets that very address and is
/// kfree'd: kfree then refuses it as a name buffer.
/// </summary>
public sealed class ShrunkNameStaysInSet(ImplKernel impl) : SlipEmulatingKernel(impl)
{
    private readonly List<long> _namesBefore = [];

    protected override void BeforeCall()
    {
        _namesBefore.Clear();
        _namesBefore.AddRange(Impl.Dentries.NameBuffers);
    }

    protected override void AfterCall(Outcome outcome)
    {
        var names = Impl.Dentries.NameBuffers;
        if (names.Count >= _namesBefore.Count) return;
        foreach (long name in _namesBefore) names.Add(name);
    }
}

/// <summary>
/// S7 slip: vfree gives every page back to the buddy allocator but leaves the highest one marked as
/// owned by vmalloc. Visible only when that page is reused by alloc_pages and freed (EINVAL), or
/// shown in a snapshot while it heads a block.
/// </summary>
public sealed class VfreeLeavesPageOwned(ImplKernel impl) : SlipEmulatingKernel(impl)
{
    private bool[] _ownedBefore = [];

    protected override void AfterCall(Outcome outcome)
    {
    }

    public override Outcome Vfree(long areaId) => KeepHighestPageOwned(() => base.Vfree(areaId));

    /// <summary>A vmalloc that fails partway gives back what it took the same way.</summary>
    public override Outcome Vmalloc(long sizeBytes) => KeepHighestPageOwned(() => base.Vmalloc(sizeBytes));

    private Outcome KeepHighestPageOwned(Func<Outcome> call)
    {
        var owned = Impl.VmallocAreas.OwnedFlags;
        if (_ownedBefore.Length != owned.Length) _ownedBefore = new bool[owned.Length];
        Array.Copy(owned, _ownedBefore, owned.Length);
        var outcome = call();
        owned = Impl.VmallocAreas.OwnedFlags;
        for (int pfn = Math.Min(owned.Length, _ownedBefore.Length) - 1; pfn >= 0; pfn--)
        {
            if (_ownedBefore[pfn] && !owned[pfn])
            {
                owned[pfn] = true;
                break;
            }
        }
        return outcome;
    }
}

/// <summary>
/// S8: an attach away from a group of the pids hierarchy leaves its topmost non-root level charged
/// when that level is not shared with the new group (the uncharge loop stops one level short).
/// The count is wrong only until a fork meets that level's pids.max; the self-check sees it at once.
/// </summary>
public sealed class AttachAwayLeavesTopLevelCharged(ImplKernel impl) : DelegatingKernel(impl)
{
    public override Outcome TaskAttach(long pid, long cgroupId)
    {
        var containers = Impl.Containers;
        var tasks = containers.TaskSlots;
        int slot = tasks.SlotOf(pid);
        int old = slot < 0 ? -1 : tasks.GroupOf(slot, containers.PidsHierarchy);
        var outcome = Inner.TaskAttach(pid, cgroupId);
        if (!outcome.IsOk || old < 0) return outcome;
        int now = tasks.GroupOf(slot, containers.PidsHierarchy);
        var oldChain = containers.Groups.ChainOf(old);
        if (now == old || oldChain.Length == 0) return outcome;
        int top = oldChain[^1];
        if (Array.IndexOf(containers.Groups.ChainOf(now), top) < 0) containers.Groups.PidsCurrentOf(top)++;
        return outcome;
    }

    private ImplKernel Impl => impl;
}

/// <summary>
/// S9: removing a task from the middle of its group's task list leaves its successor's previous
/// link on it. The list still walks forwards, so nothing shows until that successor is removed in
/// turn; the self-check sees the stale link at once.
/// </summary>
public sealed class ListRemoveLeavesStalePrev(ImplKernel impl) : DelegatingKernel(impl)
{
    public override Outcome TaskAttach(long pid, long cgroupId) => Around(pid, () => Inner.TaskAttach(pid, cgroupId));

    public override Outcome TaskExit(long pid) => Around(pid, () => Inner.TaskExit(pid));

    private Outcome Around(long pid, Func<Outcome> call)
    {
        var tasks = impl.Containers.TaskSlots;
        int slot = tasks.SlotOf(pid);
        int hierarchies = impl.Machine.Layout.HierarchyCount();
        Span<int> successors = stackalloc int[2];
        for (int h = 0; h < hierarchies; h++) successors[h] = slot < 0 ? -1 : tasks.MembersOf(h).Next(slot);
        var outcome = call();
        for (int h = 0; outcome.IsOk && h < hierarchies; h++)
        {
            var list = tasks.MembersOf(h);
            int next = successors[h];
            if (next >= 0 && list.Owner(slot) != list.Owner(next) && list.PrevLinks[next] != slot && list.Owner(next) >= 0)
                list.PrevLinks[next] = slot;
        }
        return outcome;
    }
}

/// <summary>
/// S10: a removed cgroup's slot never goes back on the free list (a leak). Ids are not slots, so
/// no outcome ever shows it; the self-check sees the lost slot at once.
/// </summary>
public sealed class RemovedGroupSlotLeaks(ImplKernel impl) : DelegatingKernel(impl)
{
    public override Outcome CgroupRemove(long cgroupId)
    {
        var outcome = Inner.CgroupRemove(cgroupId);
        if (outcome.IsOk) impl.Containers.Groups.Pool.FreeCount--;
        return outcome;
    }
}
