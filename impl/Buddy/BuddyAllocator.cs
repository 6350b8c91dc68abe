using System.Numerics;
using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Impl.Buddy;

/// <summary>
/// The buddy allocator as a kernel would build it. Guarantees:
/// - page state lives in flat arrays indexed by pfn: the order of a free block at its first page
///   (-1 elsewhere) and the size and kind of a live allocation at its first page (0 elsewhere);
/// - per order, a LowestSetBitmap of free block indexes (pfn >> order) finds the lowest free block
///   of that order in O(log64 pages), and a bitmask of non-empty orders finds the smallest order
///   that has one with a single trailing-zero count;
/// - so AllocPages and FreePages are O(MaxPageOrder * log64 pages) and allocate nothing on the heap.
/// - Reset grows the page arrays only for a machine larger than any before; otherwise it reuses
///   them and allocates nothing.
/// CheckConsistency verifies that the arrays, bitmaps, counts, the order mask and the page counters
/// describe one tiling of the machine by free blocks and allocations.
/// </summary>
public sealed class BuddyAllocator
{
    private readonly LowestSetBitmap[] _freeByOrder = new LowestSetBitmap[OrderCount];
    private readonly long[] _freeCount = new long[OrderCount];
    private sbyte[] _freeOrderAt = [];
    private int[] _allocatedPagesAt = [];
    private AllocationKind[] _allocatedKindAt = [];

    /// <summary>Bit o is set exactly when _freeCount[o] > 0.</summary>
    private uint _nonEmptyOrders;

    public BuddyAllocator(int pages) => Reset(pages);

    public int Pages { get; private set; }

    public ulong Digest { get; private set; }

    public long FreePageCount { get; private set; }

    public long AllocatedPageCount { get; private set; }

    public void Reset(int pages)
    {
        if (_freeOrderAt.Length < pages)
        {
            _freeOrderAt = new sbyte[pages];
            _allocatedPagesAt = new int[pages];
            _allocatedKindAt = new AllocationKind[pages];
        }
        else
        {
            // Nothing of the previous machine stays readable below the new size.
            Array.Clear(_allocatedPagesAt, 0, Math.Max(pages, Pages));
            Array.Clear(_allocatedKindAt, 0, Math.Max(pages, Pages));
        }
        Array.Fill(_freeOrderAt, (sbyte)-1, 0, pages);
        for (int order = 0; order < OrderCount; order++)
        {
            int blocks = pages >> order;
            if (_freeByOrder[order] is null) _freeByOrder[order] = new LowestSetBitmap(blocks);
            else _freeByOrder[order].Reset(blocks);
            _freeCount[order] = 0;
        }
        Pages = pages;
        _nonEmptyOrders = 0;
        Digest = 0;
        FreePageCount = 0;
        AllocatedPageCount = 0;
        int pfn = 0;
        while (pfn < pages)
        {
            int order = Math.Min(MaxPageOrder, pfn == 0 ? MaxPageOrder : BitOperations.TrailingZeroCount(pfn));
            while (pfn + (1 << order) > pages) order--;
            AddFree(pfn, order);
            pfn += 1 << order;
        }
    }

    public Outcome AllocPages(int order)
    {
        if ((uint)order > MaxPageOrder) return Outcome.Fail(Errno.EINVAL);
        int pfn = TakeBlock(order);
        if (pfn < 0) return Outcome.Fail(Errno.ENOMEM);
        AddAllocation(pfn, 1 << order, AllocationKind.Block);
        return Outcome.Ok(pfn);
    }

    public Outcome FreePages(long pfn, int order)
    {
        if ((uint)order > MaxPageOrder || !IsAllocation(pfn, 1 << order, AllocationKind.Block))
            return Outcome.Fail(Errno.EINVAL);
        RemoveAllocation((int)pfn);
        FreeAndMerge((int)pfn, order);
        return Outcome.Ok(0);
    }

    public Outcome AllocPagesExact(long sizeBytes)
    {
        if (sizeBytes <= 0 || sizeBytes > ExactBytesMax) return Outcome.Fail(Errno.EINVAL);
        int order = GetOrder(sizeBytes);
        int pfn = TakeBlock(order);
        if (pfn < 0) return Outcome.Fail(Errno.ENOMEM);
        int used = (int)PagesFor(sizeBytes);
        // The tail is added as its aligned blocks, no merging: each piece's buddy overlaps the
        // allocated head or a smaller tail piece, so the result equals freeing page by page.
        for (int start = pfn + used, end = pfn + (1 << order); start < end;)
        {
            int piece = LargestAlignedOrder(start, end - start);
            AddFree(start, piece);
            start += 1 << piece;
        }
        AddAllocation(pfn, used, AllocationKind.Exact);
        return Outcome.Ok(pfn);
    }

    public Outcome FreePagesExact(long pfn, long sizeBytes)
    {
        if (sizeBytes <= 0 || sizeBytes > ExactBytesMax || !IsAllocation(pfn, (int)PagesFor(sizeBytes), AllocationKind.Exact))
            return Outcome.Fail(Errno.EINVAL);
        int pages = _allocatedPagesAt[pfn];
        RemoveAllocation((int)pfn);
        // Freed as its aligned blocks with merging: the maximally merged free set is unique, so
        // this equals freeing page by page, in at most 2 * MaxPageOrder merges instead of pages.
        for (int start = (int)pfn, end = (int)pfn + pages; start < end;)
        {
            int piece = LargestAlignedOrder(start, end - start);
            FreeAndMerge(start, piece);
            start += 1 << piece;
        }
        return Outcome.Ok(0);
    }

    public int FreeBlockOrderAt(long pfn) => (ulong)pfn < (ulong)Pages ? _freeOrderAt[pfn] : -1;

    public long FreeBlockCount(int order) => _freeCount[order];

    public long[] BuddyInfo() => (long[])_freeCount.Clone();

    public IReadOnlyList<FreeBlock> FreeBlocks()
    {
        var blocks = new List<FreeBlock>();
        for (int pfn = 0; pfn < Pages; pfn++)
        {
            if (_freeOrderAt[pfn] >= 0) blocks.Add(new FreeBlock(pfn, _freeOrderAt[pfn]));
        }
        return blocks;
    }

    public IReadOnlyList<AllocatedRun> Allocations()
    {
        var runs = new List<AllocatedRun>();
        for (int pfn = 0; pfn < Pages; pfn++)
        {
            if (_allocatedPagesAt[pfn] > 0) runs.Add(new AllocatedRun(pfn, _allocatedPagesAt[pfn], _allocatedKindAt[pfn]));
        }
        return runs;
    }

    /// <summary>True when pfn starts a live Block allocation of that order (slab pages, large kmallocs).</summary>
    public bool IsLiveBlock(long pfn, int order) => (uint)order <= MaxPageOrder && IsAllocation(pfn, 1 << order, AllocationKind.Block);

    /// <summary>
    /// S2, in one pass over the pages: free-block heads and allocation heads tile the machine
    /// (aligned, inside, disjoint, interior entries empty); each free head is a member of its
    /// order's bitmap, and the bitmaps hold nothing else; per-order counts, the non-empty-order mask,
    /// FreePageCount and AllocatedPageCount equal what the tiling gives. Then S1 for each bitmap.
    /// </summary>
    public void CheckConsistency(SelfCheckReport report)
    {
        const string S2 = StructureInvariant.BuddyIndex;
        Span<long> counted = stackalloc long[OrderCount];
        long freePages = 0, allocatedPages = 0;
        for (int pfn = 0; pfn < Pages && !report.IsFull;)
        {
            int order = _freeOrderAt[pfn], pages = _allocatedPagesAt[pfn];
            int length;
            if (order >= 0)
            {
                length = 1 << order;
                if (order > MaxPageOrder || pfn % length != 0 || pfn + length > Pages)
                    report.Fail(S2, $"free block at pfn {pfn} of order {order} is not an aligned block inside {Pages} pages");
                else if (!_freeByOrder[order].Contains(pfn >> order))
                    report.Fail(S2, $"free block at pfn {pfn} of order {order} is missing from its order's bitmap");
                if (pages != 0) report.Fail(S2, $"pfn {pfn} heads both a free block and an allocation of {pages} pages");
                if ((uint)order <= MaxPageOrder) counted[order]++;
                freePages += length;
            }
            else if (pages > 0)
            {
                length = pages;
                allocatedPages += pages;
            }
            else
            {
                report.Fail(S2, $"pfn {pfn} lies in no free block and no allocation");
                length = 1;
            }
            // Interior entries must be empty: vectorized scans, since this is the O(pages) part.
            int interiorStart = pfn + 1, interiorLength = Math.Max(0, Math.Min(Pages, pfn + length) - interiorStart);
            int freeHead = _freeOrderAt.AsSpan(interiorStart, interiorLength).IndexOfAnyExcept((sbyte)-1);
            int allocationHead = _allocatedPagesAt.AsSpan(interiorStart, interiorLength).IndexOfAnyExcept(0);
            if (freeHead >= 0 || allocationHead >= 0)
                report.Fail(S2, $"pfn {interiorStart + (freeHead >= 0 ? freeHead : allocationHead)} inside the block at pfn {pfn} heads another block");
            pfn += Math.Max(1, length);
        }
        for (int order = 0; order < OrderCount; order++)
        {
            int members = _freeByOrder[order].CountMembers();
            if (members != counted[order] || _freeCount[order] != counted[order])
                report.Fail(S2, $"order {order}: {counted[order]} free blocks in the page array, {members} in the bitmap, count {_freeCount[order]}");
            if (((_nonEmptyOrders >> order) & 1) != (counted[order] > 0 ? 1u : 0u))
                report.Fail(S2, $"order {order}: the non-empty-order mask bit disagrees with {counted[order]} free blocks");
            if (_freeByOrder[order].Capacity != Pages >> order)
                report.Fail(S2, $"order {order}: bitmap capacity {_freeByOrder[order].Capacity}, expected {Pages >> order}");
            _freeByOrder[order].CheckConsistency(report, $"free bitmap of order {order}");
        }
        if ((_nonEmptyOrders >> OrderCount) != 0) report.Fail(S2, $"the non-empty-order mask 0x{_nonEmptyOrders:x} has bits above order {MaxPageOrder}");
        if (FreePageCount != freePages || AllocatedPageCount != allocatedPages)
            report.Fail(S2, $"counters say {FreePageCount} free and {AllocatedPageCount} allocated pages, the page arrays {freePages} and {allocatedPages}");
    }

    /// <summary>Access for planted bugs that emulate a slip in this structure (test code only).</summary>
    internal LowestSetBitmap FreeBitmap(int order) => _freeByOrder[order];

    internal ref uint NonEmptyOrders => ref _nonEmptyOrders;

    /// <summary>The largest order whose block starts at start (aligned), fits in length pages, and is at most MaxPageOrder.</summary>
    private static int LargestAlignedOrder(int start, int length)
    {
        int aligned = start == 0 ? MaxPageOrder : Math.Min(MaxPageOrder, BitOperations.TrailingZeroCount(start));
        return Math.Min(aligned, BitOperations.Log2((uint)length));
    }

    private bool IsAllocation(long pfn, int pages, AllocationKind kind) =>
        (ulong)pfn < (ulong)Pages && _allocatedPagesAt[pfn] == pages && _allocatedKindAt[pfn] == kind;

    /// <summary>Takes the lowest block of the smallest order >= order that has one; splits it; -1 if none.</summary>
    private int TakeBlock(int order)
    {
        uint candidates = _nonEmptyOrders >> order;
        if (candidates == 0) return -1;
        int current = order + BitOperations.TrailingZeroCount(candidates);
        int pfn = _freeByOrder[current].FindLowest() << current;
        RemoveFree(pfn, current);
        while (current > order)
        {
            current--;
            AddFree(pfn + (1 << current), current);
        }
        return pfn;
    }

    private void FreeAndMerge(int pfn, int order)
    {
        while (order < MaxPageOrder)
        {
            int buddy = pfn ^ (1 << order);
            if (buddy >= Pages || _freeOrderAt[buddy] != order) break;
            RemoveFree(buddy, order);
            pfn &= buddy;
            order++;
        }
        AddFree(pfn, order);
    }

    private void AddFree(int pfn, int order)
    {
        _freeOrderAt[pfn] = (sbyte)order;
        _freeByOrder[order].Add(pfn >> order);
        _freeCount[order]++;
        _nonEmptyOrders |= 1u << order;
        FreePageCount += 1L << order;
        Digest += StateDigest.FreeBlock(pfn, order);
    }

    private void RemoveFree(int pfn, int order)
    {
        _freeOrderAt[pfn] = -1;
        _freeByOrder[order].Remove(pfn >> order);
        if (--_freeCount[order] == 0) _nonEmptyOrders &= ~(1u << order);
        FreePageCount -= 1L << order;
        Digest -= StateDigest.FreeBlock(pfn, order);
    }

    private void AddAllocation(int pfn, int pages, AllocationKind kind)
    {
        _allocatedPagesAt[pfn] = pages;
        _allocatedKindAt[pfn] = kind;
        AllocatedPageCount += pages;
        Digest += StateDigest.Allocation(pfn, pages, kind);
    }

    private void RemoveAllocation(int pfn)
    {
        int pages = _allocatedPagesAt[pfn];
        AllocatedPageCount -= pages;
        Digest -= StateDigest.Allocation(pfn, pages, _allocatedKindAt[pfn]);
        _allocatedPagesAt[pfn] = 0;
    }
}
