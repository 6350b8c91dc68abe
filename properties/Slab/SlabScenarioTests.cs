using Verify.Properties.Support;
using Verify.Model.Contract;
using Verify.Model.Slab;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Slab;

/// <summary>Hand-written scenarios with their expected outcomes, run on the model and on the impl.</summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class SlabScenarioTests
{

    private static IKernel Kernel(string side, int pages = 256, int cpus = 8) =>
        SideBySide.Kernel(side, new MachineConfig(pages, cpus));

    private static SlabCacheInfo Cache(IKernel kernel, long id) => kernel.TakeSnapshot().SlabCaches.Single(c => c.Id == id);

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void ObjectsComeFromTheLowestFreeAddressAndBadFreesChangeNothing(string side)
    {
        var k = Kernel(side);
        long cache = k.CacheCreate(100, 0, SlabFlags.HwcacheAlign).Value;
        Assert.Equal(128, Cache(k, cache).SizeBytes);
        long a = k.CacheAlloc(cache).Value, b = k.CacheAlloc(cache).Value, c = k.CacheAlloc(cache).Value;
        Assert.Equal((a + 128, a + 256), (b, c));
        Assert.Equal(0, a % PageSizeBytes);
        var before = k.TakeSnapshot();
        ulong digest = k.Digest;
        Assert.Equal(Errno.EINVAL, k.CacheFree(cache, b + 8).Errno);
        Assert.Equal(Errno.EINVAL, k.CacheFree(SlabLayout.DentryCacheId, b).Errno);
        Assert.Equal(Errno.EINVAL, k.Kfree(b).Errno);
        Assert.True(k.CacheFree(cache, b).IsOk);
        Assert.Equal(Errno.EINVAL, k.CacheFree(cache, b).Errno);
        Assert.Equal(b, k.CacheAlloc(cache).Value);
        Assert.Empty(SnapshotDiff.Compare(before, k.TakeSnapshot()));
        Assert.Equal(digest, k.Digest);
        Assert.Equal(Errno.EBUSY, k.CacheDestroy(cache).Errno);
        Assert.Equal(Errno.EINVAL, k.CacheCreate(0, 0, 0).Errno);
        Assert.Equal(Errno.EINVAL, k.CacheCreate(SlabGeometry.ObjectSizeMax + 1, 0, 0).Errno);
        Assert.Equal(Errno.EINVAL, k.CacheCreate(64, 24, 0).Errno);
    }

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void AnEmptySlabGoesBackOnlyWhenMinPartialSlabsAreKept(string side)
    {
        var k = Kernel(side, pages: 1024);
        long cache = k.CacheCreate(32768, 0, 0).Value; // one object per order-3 slab; min_partial 7
        var objects = Enumerable.Range(0, 10).Select(_ => k.CacheAlloc(cache).Value).ToList();
        Assert.Equal(10, Cache(k, cache).Slabs);
        long freeBefore = k.FreePageCount;
        foreach (long address in objects.Take(7)) Assert.True(k.CacheFree(cache, address).IsOk);
        Assert.Equal((10L, freeBefore), (Cache(k, cache).Slabs, k.FreePageCount));
        Assert.True(k.CacheFree(cache, objects[7]).IsOk);
        Assert.Equal((9L, freeBefore + 8), (Cache(k, cache).Slabs, k.FreePageCount));
        foreach (long address in objects.Skip(8)) Assert.True(k.CacheFree(cache, address).IsOk);
        Assert.Equal(7, Cache(k, cache).Slabs);
        Assert.True(k.CacheDestroy(cache).IsOk);
        Assert.Equal(1024, k.FreePageCount);
        Assert.DoesNotContain(k.TakeSnapshot().SlabCaches, c => c.Id == cache);
    }

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void AccountingCanBeSwitchedOffOnlyWhileEmptyAndNeverOnAKmallocCache(string side)
    {
        var k = Kernel(side);
        long cache = k.CacheCreate(64, 0, SlabFlags.Account).Value;
        long obj = k.CacheAlloc(cache).Value;
        Assert.Equal(1, Cache(k, cache).AccountedObjects);
        Assert.Equal(Errno.EBUSY, k.CacheSetAccount(cache, false).Errno);
        Assert.True(k.CacheFree(cache, obj).IsOk);
        Assert.True(k.CacheSetAccount(cache, false).IsOk);
        k.CacheAlloc(cache);
        Assert.True(k.CacheSetAccount(cache, true).IsOk);
        Assert.Equal((true, 0L), (Cache(k, cache).Accounted, Cache(k, cache).AccountedObjects));
        for (int id = 0; id < SlabLayout.KmallocCacheCount; id++)
        {
            Assert.Equal(Errno.EINVAL, k.CacheSetAccount(id, true).Errno);
            Assert.Equal(Errno.EINVAL, k.CacheSetAccount(id, false).Errno);
        }
    }

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void KmallocPicksTheFamilyAndClassAndThePageAllocatorAbove8k(string side)
    {
        var k = Kernel(side, pages: 512, cpus: 2);
        Assert.Equal(SlabLayout.ZeroSizePtr, k.Kmalloc(0, 0).Value);
        Assert.True(k.Kfree(SlabLayout.ZeroSizePtr).IsOk);
        (long Size, KmallocFlags Flags, string Cache)[] cases =
            [(1, 0, "kmalloc-8"), (65, 0, "kmalloc-96"), (97, KmallocFlags.Account, "kmalloc-cg-128"), (129, KmallocFlags.Reclaimable, "kmalloc-rcl-192"),
             (193, KmallocFlags.Account | KmallocFlags.Reclaimable, "kmalloc-rcl-256"), (8192, 0, "kmalloc-8k")];
        foreach (var (size, flags, name) in cases)
        {
            long address = k.Kmalloc(size, flags).Value;
            var obj = k.TakeSnapshot().SlabObjects.Single(o => o.Address == address);
            var cache = k.TakeSnapshot().SlabCaches.Single(c => c.Id == obj.CacheId);
            Assert.Equal(name, cache.Name);
            Assert.Equal(cache.Accounted, obj.Accounted);
        }
        long large = k.Kmalloc(8193, 0).Value;
        Assert.Contains(new AllocatedRun(large / PageSizeBytes, 4, AllocationKind.LargeKmalloc), k.TakeSnapshot().Allocations);
        Assert.Equal(Errno.EINVAL, k.FreePages(large / PageSizeBytes, 2).Errno);
        Assert.True(k.Kfree(large).IsOk);
        Assert.Equal(Errno.EINVAL, k.Kfree(large).Errno);
        Assert.Equal(Errno.EINVAL, k.Kmalloc(SlabLayout.KmallocMaxBytes + 1, 0).Errno);
    }

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void AFailedVmallocGivesBackWhatItTook(string side)
    {
        var k = Kernel(side, pages: 16);
        var before = k.TakeSnapshot();
        Assert.Equal(Errno.ENOMEM, k.Vmalloc(17 * PageSizeBytes).Errno);
        Assert.Empty(SnapshotDiff.Compare(before, k.TakeSnapshot()));
        long area = k.Vmalloc(3 * PageSizeBytes + 1).Value;
        Assert.Equal(4, k.TakeSnapshot().Allocations.Count(r => r.Kind == AllocationKind.Vmalloc));
        Assert.True(k.Vfree(area).IsOk);
        Assert.Equal(Errno.EINVAL, k.Vfree(area).Errno);
        Assert.Equal(16, k.FreePageCount);
    }

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void TheShrinkerFreesUnpinnedDentriesOldestFirstWithTheirNames(string side)
    {
        var k = Kernel(side, cpus: 2);
        long d1 = k.DentryAlloc(10).Value, d2 = k.DentryAlloc(100).Value, d3 = k.DentryAlloc(40).Value;
        var snapshot = k.TakeSnapshot();
        Assert.Equal(3 * 192 + 128 + 64, snapshot.ReclaimableBytes); // names of 101 and 41 bytes: kmalloc-rcl-128 and -64
        Assert.True(k.DentryPin(d1).IsOk);
        Assert.Equal(1, k.Shrink(1).Value);
        Assert.Equal([d1, d3], k.TakeSnapshot().Dentries.Select(d => d.Id));
        Assert.Equal(2 * 192 + 64, k.TakeSnapshot().ReclaimableBytes);
        Assert.Equal(Errno.EINVAL, k.DentryPin(d2).Errno);
        Assert.Equal(Errno.EINVAL, k.Kfree(k.TakeSnapshot().Dentries.Single(d => d.Id == d3).NameAddress).Errno);
        Assert.Equal(1, k.Shrink(5).Value);
        Assert.True(k.DentryUnpin(d1).IsOk);
        Assert.Equal(Errno.EINVAL, k.DentryUnpin(d1).Errno);
        Assert.Equal(1, k.Shrink(5).Value);
        Assert.Equal(0, k.TakeSnapshot().ReclaimableBytes);
    }
}
