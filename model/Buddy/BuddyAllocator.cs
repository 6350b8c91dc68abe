using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Model.Buddy;

/// <summary>
/// The reference buddy allocator, written to be checked by eye against KERNEL-FACTS.md:
/// a set of free blocks sorted by pfn, a map of live allocations, linear scans, merging by search.
/// </summary>
public sealed class BuddyAllocator
{
    private readonly SortedSet<FreeBlock> _free = new(Comparer<FreeBlock>.Create((a, b) => a.Pfn.CompareTo(b.Pfn)));
    private readonly SortedDictionary<long, AllocatedRun> _allocated = new();

    public BuddyAllocator(int pages)
    {
        Pages = pages;
        // Tile the machine from pfn 0 with the largest aligned block that fits wholly inside.
        long pfn = 0;
        while (pfn < pages)
        {
            int order = MaxPageOrder;
            while (pfn % (1L << order) != 0 || pfn + (1L << order) > pages) order--;
            AddFree(pfn, order);
            pfn += 1L << order;
        }
    }

    public int Pages { get; }

    public ulong Digest { get; private set; }

    public Outcome AllocPages(int order)
    {
        if (order < 0 || order > MaxPageOrder) return Outcome.Fail(Errno.EINVAL);
        long? pfn = TakeBlock(order);
        if (pfn is null) return Outcome.Fail(Errno.ENOMEM);
        AddAllocation(new AllocatedRun(pfn.Value, 1L << order, AllocationKind.Block));
        return Outcome.Ok(pfn.Value);
    }

    public Outcome FreePages(long pfn, int order)
    {
        if (order < 0 || order > MaxPageOrder) return Outcome.Fail(Errno.EINVAL);
        if (!_allocated.TryGetValue(pfn, out var run) || run.Kind != AllocationKind.Block || run.Pages != 1L << order)
            return Outcome.Fail(Errno.EINVAL);
        RemoveAllocation(run);
        FreeAndMerge(pfn, order);
        return Outcome.Ok(0);
    }

    public Outcome AllocPagesExact(long sizeBytes)
    {
        if (sizeBytes <= 0 || sizeBytes > ExactBytesMax) return Outcome.Fail(Errno.EINVAL);
        int order = GetOrder(sizeBytes);
        long? pfn = TakeBlock(order);
        if (pfn is null) return Outcome.Fail(Errno.ENOMEM);
        long used = PagesFor(sizeBytes);
        // Free the tail beyond the size one page at a time, lowest first, as make_alloc_exact() does.
        for (long tail = pfn.Value + used; tail < pfn.Value + (1L << order); tail++) FreeAndMerge(tail, 0);
        AddAllocation(new AllocatedRun(pfn.Value, used, AllocationKind.Exact));
        return Outcome.Ok(pfn.Value);
    }

    public Outcome FreePagesExact(long pfn, long sizeBytes)
    {
        if (!_allocated.TryGetValue(pfn, out var run) || run.Kind != AllocationKind.Exact || run.Pages != PagesFor(sizeBytes))
            return Outcome.Fail(Errno.EINVAL);
        RemoveAllocation(run);
        for (long page = pfn; page < pfn + run.Pages; page++) FreeAndMerge(page, 0);
        return Outcome.Ok(0);
    }

    public int FreeBlockOrderAt(long pfn) =>
        _free.TryGetValue(new FreeBlock(pfn, 0), out var block) ? block.Order : -1;

    public long FreeBlockCount(int order) => _free.Count(b => b.Order == order);

    public long FreePageCount => _free.Sum(b => b.Pages);

    public long AllocatedPageCount => _allocated.Values.Sum(r => r.Pages);

    public long[] BuddyInfo()
    {
        var counts = new long[OrderCount];
        foreach (var block in _free) counts[block.Order]++;
        return counts;
    }

    public IReadOnlyList<FreeBlock> FreeBlocks() => _free.ToList();

    public IReadOnlyList<AllocatedRun> Allocations() => _allocated.Values.ToList();

    /// <summary>Smallest order with a free block, lowest pfn within it; split, keeping the lowest part.</summary>
    private long? TakeBlock(int order)
    {
        for (int current = order; current <= MaxPageOrder; current++)
        {
            var found = _free.Where(b => b.Order == current).Select(b => (FreeBlock?)b).FirstOrDefault();
            if (found is null) continue;
            var block = found.Value; // not a pattern variable: Stryker drops every mutant of a method where one leaves it unassigned
            RemoveFree(block);
            while (current > order)
            {
                current--;
                AddFree(block.Pfn + (1L << current), current);
            }
            return block.Pfn;
        }
        return null;
    }

    private void FreeAndMerge(long pfn, int order)
    {
        while (order < MaxPageOrder)
        {
            long buddy = pfn ^ (1L << order);
            if (FreeBlockOrderAt(buddy) != order) break;
            RemoveFree(new FreeBlock(buddy, order));
            pfn &= buddy;
            order++;
        }
        AddFree(pfn, order);
    }

    private void AddFree(long pfn, int order)
    {
        _free.Add(new FreeBlock(pfn, order));
        Digest += StateDigest.FreeBlock(pfn, order);
    }

    private void RemoveFree(FreeBlock block)
    {
        _free.Remove(block);
        Digest -= StateDigest.FreeBlock(block.Pfn, block.Order);
    }

    private void AddAllocation(AllocatedRun run)
    {
        _allocated.Add(run.Pfn, run);
        Digest += StateDigest.Allocation(run.Pfn, run.Pages, run.Kind);
    }

    private void RemoveAllocation(AllocatedRun run)
    {
        _allocated.Remove(run.Pfn);
        Digest -= StateDigest.Allocation(run.Pfn, run.Pages, run.Kind);
    }
}
