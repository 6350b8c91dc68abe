using Verify.Impl.Buddy;
using Verify.Impl.Slab;
using Verify.Model.Contract;
using Verify.Model.Slab;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;
using SlabAllocator = Verify.Impl.Slab.SlabAllocator;

namespace Verify.Properties.Corruption;

/// <summary>
/// The slab allocator's own self-check (S3 partial heaps, S4 slab records, S5 geometry and
/// reciprocal) reports exactly what is wrong, message by message, on a 64-page, 1-CPU machine built
/// for these tests alone (its per-page arrays are exactly 64 long). One fact broken per test,
/// through the allocator's private fields; the whole message list is compared, so a check that
/// says too much fails as well as one that says too little.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class SlabAllocatorCheckTests
{
    private const string Heap = StructureInvariant.PartialHeap, S4 = StructureInvariant.SlabRecords, S5 = StructureInvariant.Reciprocal;
    private const int Pages = 64;

    /// <summary>A cache size whose slabs are larger than a page: 3000 bytes (order 1 or more).</summary>
    private const int LargeObjectBytes = 3000;

    private sealed class Machine
    {
        public readonly BuddyAllocator Buddy = new(Pages);
        public readonly SlabAllocator Slab;

        public Machine()
        {
            Slab = new SlabAllocator(Buddy);
            Slab.Reset(Pages, 1);
        }

        public int NewCache(int sizeBytes) => (int)Slab.CacheCreate(sizeBytes, 8, SlabFlags.None).Value;

        /// <summary>An object of the cache and the head pfn of its slab.</summary>
        public (long Address, int Head) Alloc(int cacheId)
        {
            long address = Slab.CacheAlloc(cacheId).Value;
            Assert.True(Slab.TryLocate(address, out var at));
            return (address, at.Head);
        }

        public SlabCacheInfo Info(int cacheId) => Slab.CacheInfos().Single(c => c.Id == cacheId);

        public object Owner(int head, int cacheId) =>
            Corrupt.NewElement(Slab, "_ownerAt", head, cacheId);

        public void SetCacheField(int cacheId, string field, object value) => Corrupt.SetInElement(Slab, "_caches", cacheId, field, value);

        public List<string> Check()
        {
            var report = new SelfCheckReport();
            Slab.CheckConsistency(report);
            return Corrupt.Lines(report);
        }
    }

    private static string UserName(int cacheId) => SlabLayout.UserCacheName(cacheId);

    [Fact]
    public void ACacheTableFilledToItsLastSlotWorksToItsEnd()
    {
        // The table starts 64 long and the setup caches take 41: 23 user caches fill it exactly, so
        // every walk over the caches ends at the table's last entry and an id one past it is no cache.
        var m = new Machine();
        var ids = Enumerable.Range(0, 64 - SlabLayout.FirstUserCacheId).Select(_ => m.NewCache(64)).ToList();
        Assert.Equal(63, ids[^1]);
        Assert.Equal(64, m.Slab.CacheInfos().Count);
        Assert.Equal(0, m.Slab.ReclaimableBytes());
        Assert.Empty(m.Check());
        Assert.Equal(Outcome.Fail(Errno.EINVAL), m.Slab.CacheAlloc(64));
        Assert.Equal(Outcome.Fail(Errno.EINVAL), m.Slab.CacheDestroy(64));
        m.Slab.Reset(Pages, 1);
        Assert.Equal(SlabLayout.FirstUserCacheId, m.Slab.CacheInfos().Count);
        Assert.Empty(m.Check());
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(SlabLayout.KmallocMaxBytes + 1L)]
    public void AKmallocOfANegativeOrTooLargeSizeIsInvalid(long sizeBytes)
    {
        var m = new Machine();
        Assert.Equal(Outcome.Fail(Errno.EINVAL), m.Slab.Kmalloc(sizeBytes, KmallocFlags.None));
        Assert.Empty(m.Slab.Objects());
        Assert.Empty(m.Slab.LargeKmallocs());
    }

    [Fact]
    public void APageOfNoSlabHoldsNoObjectAndThePageOnePastTheMachineNothing()
    {
        var m = new Machine();
        Assert.False(m.Slab.TryLocate(5L << PageShift, out _));
        Assert.False(m.Slab.IsLargeKmallocAt(Pages));
        Assert.False(m.Slab.OwnsRunAt(Pages));
    }

    [Fact]
    public void ALargeKmallocMarkOnASlabHeadAtPfnZeroIsReported()
    {
        // The mark has the slab's own order, so the buddy block under it is live: only "inside a slab" is wrong.
        var m = new Machine();
        long address = m.Slab.Kmalloc(8, KmallocFlags.None).Value;
        Assert.Equal(0, address >> PageShift);
        Corrupt.SetElement(m.Slab, "_largeOrderAt", 0, (sbyte)0);
        Assert.Equal([$"{S4}: large kmalloc at pfn 0 of order 0 is not a live block outside every slab"], m.Check());
    }

    // The check skips runs of pages that hold nothing by vector scans for the first entry that is not -1.
    // A stray 1 is the entry a scan for the wrong value (+1 for -1) would step over.

    [Fact]
    public void AStrayLargeKmallocMarkOfOrderOneAtTheStartOfAnEmptyRunIsReported()
    {
        var m = new Machine();
        Corrupt.SetElement(m.Slab, "_largeOrderAt", 0, (sbyte)1);
        Assert.Equal([$"{S4}: large kmalloc at pfn 0 of order 1 is not a live block outside every slab"], m.Check());
    }

    [Fact]
    public void AStrayHeapPositionOneAtTheStartOfAnEmptyRunIsReported()
    {
        var m = new Machine();
        Corrupt.Get<int[][]>(m.Slab, "_heapPositions")[0][0] = 1;
        Assert.Equal([$"{Heap}: 1 pfns have a heap position but the heaps hold 0 slabs"], m.Check());
    }

    [Fact]
    public void AFullKmallocSlabAtPfnOneIsCheckedLikeAnyOther()
    {
        // Its owner entry (head 1, cache 0) reads as the 64-bit word 1, which a scan for the wrong value
        // would step over; full, it has no heap position to stop the skip either.
        var m = new Machine();
        Assert.Equal(Outcome.Ok(0), m.Buddy.AllocPages(0));
        for (int i = 0; i < m.Info(0).ObjectsPerSlab; i++) Assert.Equal(1, m.Slab.Kmalloc(8, KmallocFlags.None).Value >> PageShift);
        Assert.Equal(0, m.Slab.PartialHeapOf(0).Count);
        Assert.Empty(m.Check());
    }

    [Fact]
    public void AFreePageNamingACacheButNoHeadIsReported()
    {
        var m = new Machine();
        Corrupt.SetElement(m.Slab, "_ownerAt", 10, m.Owner(-1, 5));
        Assert.Equal([$"{S4}: pfn 10 names slab head -1 of cache 5, which does not cover it"], m.Check());
    }

    [Fact]
    public void ASlabRunningPastTheMachinesLastPageIsReported()
    {
        // A kmalloc-8 slab (order 0) in the last page, its cache then claiming order 1.
        var m = new Machine();
        while (m.Buddy.FreePageCount > 1) Assert.True(m.Buddy.AllocPages(0).IsOk);
        long address = m.Slab.Kmalloc(8, KmallocFlags.None).Value;
        Assert.Equal(Pages - 1, address >> PageShift);
        var info = m.Info(0);
        m.SetCacheField(0, "Order", 1);
        var geometry = SlabGeometry.ForSize(8, 1);
        Assert.Equal([
            $"{S4}: page {Pages} of the slab at pfn {Pages - 1} does not name it",
            $"{S4}: slab at pfn {Pages - 1} is not a live order-1 block of the buddy allocator",
            $"{S5}: kmalloc-8 stores order 1, {info.ObjectsPerSlab} objects, min_partial {info.MinPartial}, {SlabRecordTable.BitmapWordsFor(info.ObjectsPerSlab)} bitmap words; s->size 8 with min order 0 gives {geometry}"],
            m.Check());
    }

    [Fact]
    public void AHeapPositionOnASlabsTailPageIsReported()
    {
        var m = new Machine();
        int cache = m.NewCache(LargeObjectBytes);
        var (_, head) = m.Alloc(cache);
        Assert.True(m.Info(cache).PagesPerSlab > 1);
        Corrupt.Get<int[][]>(m.Slab, "_heapPositions")[0][head + 1] = 0;
        Assert.Equal([$"{Heap}: 2 pfns have a heap position but the heaps hold 1 slabs"], m.Check());
    }

    [Fact]
    public void APartialSlabOffItsHeapIsReported()
    {
        var m = new Machine();
        int cache = m.NewCache(64);
        var (_, head) = m.Alloc(cache);
        m.Slab.PartialHeapOf(cache).Remove(head);
        Assert.Equal([$"{S4}: slab at pfn {head} of {UserName(cache)} has 1 of {m.Info(cache).ObjectsPerSlab} objects in use but is not in its partial heap"], m.Check());
    }

    [Fact]
    public void AFullSlabOnItsHeapIsReported()
    {
        var m = new Machine();
        int cache = m.NewCache(LargeObjectBytes);
        int perSlab = m.Info(cache).ObjectsPerSlab;
        int head = m.Alloc(cache).Head;
        for (int i = 1; i < perSlab; i++) Assert.Equal(head, m.Alloc(cache).Head);
        m.Slab.PartialHeapOf(cache).Add(head);
        Assert.Equal([$"{S4}: slab at pfn {head} of {UserName(cache)} has {perSlab} of {perSlab} objects in use but is in its partial heap"], m.Check());
    }

    [Fact]
    public void ADeadCacheWithAPartialSlabIsReportedOnceAndItsHeapLeftOutOfTheCount()
    {
        var m = new Machine();
        int cache = m.NewCache(64);
        var (_, head) = m.Alloc(cache);
        m.SetCacheField(cache, "Live", false);
        Assert.Equal([
            $"{S4}: slab at pfn {head} belongs to cache {cache}, which is not live",
            $"{Heap}: cache {cache} is not live but its partial heap holds 1 slabs",
            $"{Heap}: 1 pfns have a heap position but the heaps hold 0 slabs"], m.Check());
    }

    [Fact]
    public void ACacheHeapOutOfOrderIsReportedUnderTheCachesName()
    {
        var m = new Machine();
        int cache = m.NewCache(LargeObjectBytes);
        int perSlab = m.Info(cache).ObjectsPerSlab;
        var heads = new SortedSet<int>();
        for (int i = 0; i < 2 * perSlab; i++) heads.Add(m.Alloc(cache).Head);
        foreach (int head in heads) Assert.Equal(Outcome.Ok(0), m.Slab.CacheFree(cache, (long)head << PageShift)); // both partial again
        var slots = m.Slab.PartialHeapOf(cache).Slots;
        (slots[0], slots[1]) = (slots[1], slots[0]);
        Assert.Contains(m.Check(), line => line.StartsWith($"{Heap}: partial heap of {UserName(cache)}: ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Order")]
    [InlineData("ObjectsPerSlab")]
    [InlineData("MinPartial")]
    [InlineData("BitmapWords")]
    public void EachStoredGeometryFieldOfACacheWithoutSlabsIsChecked(string field)
    {
        var m = new Machine();
        int cache = m.NewCache(64);
        var info = m.Info(cache);
        int order = System.Numerics.BitOperations.Log2((uint)info.PagesPerSlab), objects = info.ObjectsPerSlab, minPartial = info.MinPartial;
        int words = SlabRecordTable.BitmapWordsFor(objects);
        switch (field)
        {
            case "Order": order++; break;
            case "ObjectsPerSlab": objects--; break; // 64 objects of 64 bytes and 63 need the same bitmap words
            case "MinPartial": minPartial++; break;
            default: words++; break;
        }
        m.SetCacheField(cache, field, field switch { "Order" => order, "ObjectsPerSlab" => objects, "MinPartial" => minPartial, _ => words });
        Assert.Equal(SlabRecordTable.BitmapWordsFor(info.ObjectsPerSlab), SlabRecordTable.BitmapWordsFor(info.ObjectsPerSlab - 1));
        Assert.Equal([$"{S5}: {UserName(cache)} stores order {order}, {objects} objects, min_partial {minPartial}, {words} bitmap words; s->size {info.SizeBytes} with min order 0 gives {SlabGeometry.ForSize(info.SizeBytes, 1)}"],
            m.Check());
    }

    /// <summary>
    /// One below the exact multiplier gives 0 for the offset of object 1 (size x (m - 1) = 2^42 + e - size &lt; 2^42).
    /// The object size is above half a page, so that offset lies past the first page: the check must
    /// divide across the whole slab, not one page shifted by the order.
    /// </summary>
    private static string ReciprocalBroken(int cache, ulong multiplier) =>
        $"{S5}: {UserName(cache)}: multiplier {multiplier} gives 0 for offset {LargeObjectBytes}, but {LargeObjectBytes} / {LargeObjectBytes} = 1";

    [Fact]
    public void AMultiplierBrokenPastTheFirstPageIsReported()
    {
        var m = new Machine();
        int cache = m.NewCache(LargeObjectBytes);
        Assert.True(m.Info(cache).PagesPerSlab > 1);
        ref ulong multiplier = ref m.Slab.IndexMultiplierOf(cache);
        multiplier--;
        Assert.Equal([ReciprocalBroken(cache, multiplier)], m.Check());
    }

    [Fact]
    public void AMultiplierBrokenAfterACleanCheckIsStillReported()
    {
        // The check remembers multipliers it found exact; a multiplier changed since is checked again.
        var m = new Machine();
        int cache = m.NewCache(LargeObjectBytes);
        Assert.Empty(m.Check());
        ref ulong multiplier = ref m.Slab.IndexMultiplierOf(cache);
        multiplier--;
        Assert.Equal([ReciprocalBroken(cache, multiplier)], m.Check());
    }

    [Fact]
    public void TheMinOrderSlipMovesTheDigestFromTheOldGeometryToTheNewAndRefusesACacheWithSlabs()
    {
        var m = new Machine();
        int cache = (int)m.Slab.CacheCreateMinOrder(64, 8, SlabFlags.None, 2).Value;
        CacheGeometry Geometry(SlabCacheInfo c) =>
            new(c.SizeBytes, System.Numerics.BitOperations.Log2((uint)c.PagesPerSlab), c.ObjectsPerSlab, c.MinPartial, c.MinOrder);
        var before = m.Info(cache);
        ulong digest = m.Slab.Digest;
        m.Slab.SlipGeometryWithoutMinOrder(cache);
        var after = m.Info(cache);
        Assert.Equal(1, after.PagesPerSlab);
        Assert.Equal(2, after.MinOrder);
        Assert.Equal(digest - StateDigest.SlabCache(cache, 64, SlabFlags.None, Geometry(before), false) + StateDigest.SlabCache(cache, 64, SlabFlags.None, Geometry(after), false),
            m.Slab.Digest);
        m.Alloc(cache);
        var refused = Assert.Throws<InvalidOperationException>(() => m.Slab.SlipGeometryWithoutMinOrder(cache));
        Assert.Equal($"cache {cache} already has slabs", refused.Message);
    }

    [Fact]
    public void ReleasingASlabTheBuddyAllocatorDoesNotHoldThrows()
    {
        // An internal contradiction, not a kernel outcome: the slab layer stops rather than go on.
        var m = new Machine();
        int cache = m.NewCache(64);
        var (address, head) = m.Alloc(cache);
        Assert.Equal(Outcome.Ok(0), m.Slab.CacheFree(cache, address));
        Corrupt.SetElement(m.Buddy, "_allocatedKindAt", head, AllocationKind.Exact);
        var thrown = Assert.Throws<InvalidOperationException>(() => m.Slab.CacheDestroy(cache));
        Assert.StartsWith($"slab at pfn {head} was not a live block: ", thrown.Message);
    }
}
