using Verify.Impl.Buddy;
using Verify.Model.Contract;
using Verify.Properties.Support;
using static Verify.Properties.Support.Corrupt;

namespace Verify.Properties.Buddy;

/// <summary>
/// Edges of the impl buddy allocator built alone, on tiny machines worked by hand: the page lookups at
/// and past the end, the largest order, size 0 on a freed exact run, the lowest-block-first splits,
/// the reuse of the page arrays on Reset, and the self-check's exact messages for breaks the
/// random runs never make (a free head past the end, a head inside a block).
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class BuddyEdgeTests
{
    private const string S2 = StructureInvariant.BuddyIndex;

    private static List<string> Check(BuddyAllocator buddy)
    {
        var report = new SelfCheckReport();
        buddy.CheckConsistency(report);
        return Lines(report);
    }

    /// <summary>FreeBlockOrderAt is -1 at Pages, past it (even where a larger earlier machine left an order) and below 0.</summary>
    [Fact]
    public void FreeBlockOrderAtIsMinusOneOutsideTheMachine()
    {
        var buddy = new BuddyAllocator(8);
        Assert.Equal([3, -1, -1], new[] { buddy.FreeBlockOrderAt(0), buddy.FreeBlockOrderAt(8), buddy.FreeBlockOrderAt(-1) });
        buddy.Reset(16);
        buddy.Reset(8);
        Assert.Equal([3, -1, -1], new[] { buddy.FreeBlockOrderAt(0), buddy.FreeBlockOrderAt(8), buddy.FreeBlockOrderAt(12) });
    }

    /// <summary>A block of MaxPageOrder is a live block once allocated; an order above it never is.</summary>
    [Fact]
    public void ABlockOfTheLargestOrderIsLive()
    {
        var buddy = new BuddyAllocator(1024);
        Assert.Equal(Outcome.Ok(0), buddy.AllocPages(KernelConstants.MaxPageOrder));
        Assert.True(buddy.IsLiveBlock(0, KernelConstants.MaxPageOrder));
        Assert.False(buddy.IsLiveBlock(0, KernelConstants.MaxPageOrder + 1));
    }

    /// <summary>free_pages_exact of size 0 (or below) is EINVAL even on a pfn whose exact run was just freed, and changes nothing.</summary>
    [Fact]
    public void FreeingSizeZeroOnAFreedExactRunIsRejected()
    {
        var buddy = new BuddyAllocator(8);
        Assert.Equal(Outcome.Ok(0), buddy.AllocPagesExact(KernelConstants.PageSizeBytes));
        Assert.Equal(Outcome.Ok(0), buddy.FreePagesExact(0, KernelConstants.PageSizeBytes));
        ulong digest = buddy.Digest;
        Assert.Equal(Outcome.Fail(Errno.EINVAL), buddy.FreePagesExact(0, 0));
        Assert.Equal(Outcome.Fail(Errno.EINVAL), buddy.FreePagesExact(0, -1));
        Assert.Equal(digest, buddy.Digest);
        Assert.Equal([new FreeBlock(0, 3)], buddy.FreeBlocks());
    }

    /// <summary>Four order-0 allocations on 4 pages split the order-2 block lowest first: pfns 0, 1, 2, 3, then ENOMEM.</summary>
    [Fact]
    public void OrderZeroAllocationsTakeEveryPageLowestFirstThenFail()
    {
        var buddy = new BuddyAllocator(4);
        var outcomes = Enumerable.Range(0, 5).Select(_ => buddy.AllocPages(0)).ToArray();
        Assert.Equal([Outcome.Ok(0), Outcome.Ok(1), Outcome.Ok(2), Outcome.Ok(3), Outcome.Fail(Errno.ENOMEM)], outcomes);
        Assert.Empty(buddy.FreeBlocks());
        Assert.Equal(0, buddy.FreePageCount);
        Assert.Empty(Check(buddy));
    }

    /// <summary>Reset to a size the page arrays already hold reuses them: a warm Reset allocates nothing.</summary>
    [Fact]
    public void ResetToTheSameSizeAllocatesNothing()
    {
        var buddy = new BuddyAllocator(100);
        buddy.Reset(100);
        long before = GC.GetAllocatedBytesForCurrentThread();
        buddy.Reset(100);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(100, buddy.FreePageCount);
    }

    /// <summary>S2 names an aligned free head whose block runs past Pages as not inside the machine, not as missing from its bitmap.</summary>
    [Fact]
    public void AFreeHeadRunningPastTheEndIsNotInside()
    {
        var buddy = new BuddyAllocator(3); // order 1 at 0, order 0 at 2
        SetElement(buddy, "_freeOrderAt", 2, (sbyte)1);
        Assert.Equal(
        [
            $"{S2}: free block at pfn 2 of order 1 is not an aligned block inside 3 pages",
            $"{S2}: order 0: 0 free blocks in the page array, 1 in the bitmap, count 1",
            $"{S2}: order 0: the non-empty-order mask bit disagrees with 0 free blocks",
            $"{S2}: order 1: 2 free blocks in the page array, 1 in the bitmap, count 1",
            $"{S2}: counters say 3 free and 0 allocated pages, the page arrays 4 and 0",
        ], Check(buddy));
    }

    /// <summary>S2 names a free head on the first interior page of a block (offset 0 of the interior) by its pfn.</summary>
    [Fact]
    public void AFreeHeadOnTheFirstInteriorPageIsNamed()
    {
        var buddy = new BuddyAllocator(4); // one order-2 block at 0
        SetElement(buddy, "_freeOrderAt", 1, (sbyte)0);
        Assert.Equal([$"{S2}: pfn 1 inside the block at pfn 0 heads another block"], Check(buddy));
    }

    /// <summary>S2 names an allocation head deeper inside a free block by its own pfn.</summary>
    [Fact]
    public void AnAllocationHeadInsideAFreeBlockIsNamed()
    {
        var buddy = new BuddyAllocator(4);
        SetElement(buddy, "_allocatedPagesAt", 2, 1);
        Assert.Equal([$"{S2}: pfn 2 inside the block at pfn 0 heads another block"], Check(buddy));
    }

    /// <summary>S2 names a free head deeper inside a free block by its own pfn, also when an allocation head lies further in.</summary>
    [Fact]
    public void AFreeHeadIsNamedBeforeAnAllocationHead()
    {
        var buddy = new BuddyAllocator(8);
        SetElement(buddy, "_freeOrderAt", 2, (sbyte)0);
        SetElement(buddy, "_allocatedPagesAt", 5, 1);
        Assert.Equal([$"{S2}: pfn 2 inside the block at pfn 0 heads another block"], Check(buddy));
    }

    /// <summary>S2's capacity message gives the expected capacity Pages >> order (8 pages, order 3: 1).</summary>
    [Fact]
    public void ABitmapCapacityOffNamesPagesShiftedByTheOrder()
    {
        var buddy = new BuddyAllocator(8);
        SetProperty(buddy.FreeBitmap(3), "Capacity", 2);
        Assert.Equal([$"{S2}: order 3: bitmap capacity 2, expected 1"], Check(buddy));
    }
}
