using Verify.Impl;
using Verify.Model.Contract;

namespace Verify.Fuzz.Planted;

/// <summary>The task's memory chain as the impl's counters see it, for the memcg planted bugs.</summary>
internal static class MemcgChain
{
    /// <summary>The counters a charge by the task walks, and the index of the first whose raw usage is at its max (-1: none).</summary>
    public static (List<int> Counters, int Full) FirstFull(ImplKernel impl, long pid)
    {
        var counters = impl.Memcg.ChargedCounters(impl.Containers.MemoryGroupOf(pid));
        var pages = impl.Memcg.Counters;
        return (counters, counters.FindIndex(counter => pages.Usage(counter) + 1 > pages.Max(counter)));
    }
}

/// <summary>
/// A failed hierarchical charge does not undo the levels below the failing one: after a touch
/// that ends in ENOMEM because a level of the task's chain is at its limit, every level below that
/// one keeps the page it was charged.
/// </summary>
public sealed class ChargeFailureKeepsLowerLevels(ImplKernel impl) : DelegatingKernel(impl)
{
    public override Outcome TaskTouchAnon(long pid, int pages) => Leaky(pid, Inner.TaskTouchAnon(pid, pages));

    public override Outcome TaskTouchFile(long pid, int pages) => Leaky(pid, Inner.TaskTouchFile(pid, pages));

    private Outcome Leaky(long pid, Outcome outcome)
    {
        if (outcome.Errno != Errno.ENOMEM) return outcome;
        var (counters, full) = MemcgChain.FirstFull(impl, pid);
        for (int lower = 0; lower < full; lower++) impl.Memcg.Counters.UsageOf(counters[lower])++;
        return outcome;
    }
}

/// <summary>An anonymous page freed after its task moved to another memory group is uncharged from the task's new group instead of the one it was charged to.</summary>
public sealed class UnchargeHitsNewGroup(ImplKernel impl) : DelegatingKernel(impl)
{
    public override Outcome TaskUnmap(long pid, int pages) => Around(pid, () => Inner.TaskUnmap(pid, pages));

    public override Outcome TaskExit(long pid) => Around(pid, () => Inner.TaskExit(pid));

    private Outcome Around(long pid, Func<Outcome> call)
    {
        var memcg = impl.Memcg;
        int slot = impl.Containers.TaskSlotOf(pid);
        long now = impl.Containers.MemoryGroupOf(pid);
        var before = slot < 0 ? [] : memcg.AnonPages(slot);
        var outcome = call();
        if (!outcome.IsOk || now <= 1) return outcome;
        var after = slot < 0 ? [] : memcg.AnonPages(slot).Select(p => p.Pfn).ToHashSet();
        foreach (var (pfn, group) in before)
        {
            if (after.Contains(pfn) || group == now || group <= 1) continue;
            memcg.Counters.Charge(memcg.CounterOf(group), 1);
            memcg.Counters.Uncharge(memcg.CounterOf(now), 1);
        }
        return outcome;
    }
}

/// <summary>
/// A charge fails without draining the per-CPU stocks first: a page fails as soon as a raw counter
/// of the chain (stocked pages included) is at its limit while stocks hold pages, though draining
/// them would have let it fit.
/// </summary>
public sealed class StockNotDrainedBeforeFailing(ImplKernel impl) : DelegatingKernel(impl)
{
    public override Outcome TaskTouchAnon(long pid, int pages) => PageByPage(pid, pages, () => Inner.TaskTouchAnon(pid, 1));

    public override Outcome TaskTouchFile(long pid, int pages) => PageByPage(pid, pages, () => Inner.TaskTouchFile(pid, 1));

    private Outcome PageByPage(long pid, int pages, Func<Outcome> touchOne)
    {
        for (int touched = 0; touched < pages; touched++)
        {
            if (MemcgChain.FirstFull(impl, pid).Full >= 0 && impl.Memcg.StockedPages > 0) return Outcome.Fail(Errno.ENOMEM);
            var outcome = touchOne();
            if (!outcome.IsOk) return outcome;
        }
        return Outcome.Ok(pages);
    }
}

/// <summary>
/// Reparenting loses the removed group's byte remainder: after a removal, its obj_cgroup's
/// nr_charged_bytes (the rest of the last page its objects were charged) are forgotten while that
/// page stays charged, so the ancestors keep a page no object accounts for.
/// </summary>
public sealed class ReparentLosesRemainder(ImplKernel impl) : DelegatingKernel(impl)
{
    public override Outcome CgroupRemove(long cgroupId)
    {
        var outcome = Inner.CgroupRemove(cgroupId);
        if (outcome.IsOk) impl.Memcg.DropObjcgRemainder(cgroupId);
        return outcome;
    }
}

/// <summary>
/// A kmem_cache_free_bulk-style batch uncharges only its first object: the others are freed, but
/// their charges (and their obj_exts entries) stay, so the group keeps paying for freed objects.
/// </summary>
public sealed class BulkFreeUnchargesOne(ImplKernel impl) : DelegatingKernel(impl)
{
    public override Outcome CacheFreeBulk(long cacheId, long address, int count)
    {
        Span<Verify.Impl.Slab.SlabObjectRef> freed = stackalloc Verify.Impl.Slab.SlabObjectRef[Verify.Model.Alphabet.Alphabet.BulkFreeCountMax];
        var outcome = impl.Slab.CacheFreeBulk(cacheId, address, count, freed);
        if (outcome.IsOk && outcome.Value > 0) impl.Memcg.UnchargeObject(freed[0]);
        return outcome;
    }
}

/// <summary>v1: a tcp charge that fits never clears the group's tcp pressure flag once a failure set it.</summary>
public sealed class TcpPressureNeverCleared(ImplKernel impl) : DelegatingKernel(impl)
{
    public override Outcome SockAlloc(long pid, long bytes)
    {
        long group = impl.Containers.MemoryGroupOf(pid);
        bool pressured = group > 1 && impl.Memcg.TcpPressureOf(group);
        var outcome = Inner.SockAlloc(pid, bytes);
        if (pressured && !impl.Memcg.TcpPressureOf(group)) impl.Memcg.ForceTcpPressure(group);
        return outcome;
    }
}
