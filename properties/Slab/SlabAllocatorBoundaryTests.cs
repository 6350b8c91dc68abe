using Verify.Impl.Buddy;
using Verify.Impl.Slab;
using Verify.Model.Contract;
using Verify.Model.Slab;
using SlabAllocator = Verify.Impl.Slab.SlabAllocator;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Slab;

/// <summary>
/// The impl slab allocator at the edges of what an address may name, on a 64-page machine built
/// for these tests alone (its per-page arrays are exactly 64 long): the first address past the
/// machine and a negative one, the slot just past a slab's last object (inside the slab's tail
/// waste), and an address inside the first page of a large kmalloc that is not its start. Each is
/// no object: EINVAL, and nothing changes.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class SlabAllocatorBoundaryTests
{
    private const int Pages = 64;

    private static SlabAllocator Slab()
    {
        var slab = new SlabAllocator(new BuddyAllocator(Pages));
        slab.Reset(Pages, 1);
        return slab;
    }

    [Theory]
    [InlineData((long)Pages << PageShift)]
    [InlineData(-PageSizeBytes)]
    public void AnAddressOutsideTheMachineIsNoObject(long address)
    {
        var slab = Slab();
        Assert.Equal(Outcome.Fail(Errno.EINVAL), slab.Kfree(address));
        Assert.Equal(Outcome.Fail(Errno.EINVAL), slab.FreeDentryObject(address));
        Assert.False(slab.TryLocate(address, out _));
    }

    [Fact]
    public void TheSlotPastASlabsLastObjectIsNoObject()
    {
        // 4096 << order is never a multiple of 96 (= 32 x 3), so past the last object lies some waste of the slab.
        var slab = Slab();
        var first = slab.Kmalloc(96, KmallocFlags.None);
        Assert.True(first.IsOk);
        Assert.True(slab.TryLocate(first.Value, out var at));
        long past = ((long)at.Head << PageShift) + (long)at.ObjectsPerSlab * at.SizeBytes;
        Assert.Equal(past >> PageShift, (past - 1) >> PageShift); // still inside the slab's last page
        Assert.False(slab.TryLocate(past, out _));
        Assert.Equal(Outcome.Fail(Errno.EINVAL), slab.Kfree(past));
        Assert.Equal(Outcome.Ok(0), slab.Kfree(first.Value));
        Assert.Equal(Outcome.Fail(Errno.EINVAL), slab.Kfree(first.Value));
    }

    [Fact]
    public void AnAddressInsideALargeKmallocThatIsNotItsStartIsNoObject()
    {
        var slab = Slab();
        var large = slab.Kmalloc(4 * PageSizeBytes, KmallocFlags.None);
        Assert.True(large.IsOk);
        Assert.Equal(Outcome.Fail(Errno.EINVAL), slab.Kfree(large.Value + 8));
        Assert.Single(slab.LargeKmallocs());
        Assert.Equal(Outcome.Ok(0), slab.Kfree(large.Value));
        Assert.Empty(slab.LargeKmallocs());
    }

    [Fact]
    public void ASetupCacheTakesNoCacheFreeAndNoBulkFree()
    {
        // kmem_cache_free and the bulk free are for caches the user made; a kmalloc object is freed by kfree alone.
        var slab = Slab();
        var a = slab.Kmalloc(8, KmallocFlags.None);
        Span<SlabObjectRef> freed = stackalloc SlabObjectRef[4];
        for (long id = 0; id < SlabLayout.FirstUserCacheId; id++)
        {
            Assert.Equal(Outcome.Fail(Errno.EINVAL), slab.CacheFree(id, a.Value));
            Assert.Equal(Outcome.Fail(Errno.EINVAL), slab.CacheFreeBulk(id, a.Value, 1, freed));
        }
        Assert.Equal(Outcome.Ok(0), slab.Kfree(a.Value));
    }

    [Theory]
    [InlineData(0, 4)]
    [InlineData(5, 4)]
    public void ABulkFreeOfNoObjectOrOfMoreThanItsRoomIsInvalid(int count, int room)
    {
        var slab = Slab();
        long cache = slab.CacheCreate(64, 8, SlabFlags.None).Value;
        long first = slab.CacheAlloc(cache).Value;
        Assert.True(slab.CacheAlloc(cache).IsOk);
        var freed = new SlabObjectRef[room];
        Assert.Equal(Outcome.Fail(Errno.EINVAL), slab.CacheFreeBulk(cache, first, count, freed));
        Assert.Equal(Outcome.Ok(2), slab.CacheFreeBulk(cache, first, room, freed));
    }

    [Fact]
    public void KfreeTakesNoObjectOfACacheBeyondKmalloc()
    {
        // The dentry and task_struct caches follow the kmalloc caches; a user cache comes after them.
        var slab = Slab();
        long dentry = slab.AllocDentryObject().Value, task = slab.AllocTaskStruct().Value;
        long user = slab.CacheAlloc(slab.CacheCreate(64, 8, SlabFlags.None).Value).Value;
        foreach (long address in new[] { dentry, task, user }) Assert.Equal(Outcome.Fail(Errno.EINVAL), slab.Kfree(address));
        Assert.Equal(Outcome.Ok(0), slab.FreeDentryObject(dentry));
        Assert.Equal(Outcome.Ok(0), slab.FreeTaskStruct(task));
    }
}

