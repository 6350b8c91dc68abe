using Verify.Model.Contract;
using Verify.Model.Slab;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;

using static Verify.Properties.Support.SideBySide;

namespace Verify.Properties.Memcg;

/// <summary>
/// The edges of charging kmalloc and cache objects in ImplKernel, each run on model and impl side by
/// side (every step's outcome and effects, then the snapshots, equal) with the fact it guards
/// asserted: a refused free uncharges nothing; kmalloc(0) and a failed large kmalloc charge nothing;
/// 8192 bytes is still a slab object; a large kmalloc at pfn 0 is uncharged when freed.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class KmallocChargeTests
{
    /// <summary>A machine of the given pages with a group A and a task of A current on CPU 0 (first, when holdPfnZero, init holds pfns 0 to 3 while the task is made); returns the two kernels and A's id.</summary>
    private static (IKernel[] Kernels, long Group) WithCurrentTaskInAGroup(int pages, bool holdPfnZero = false)
    {
        var machine = new MachineConfig(pages, 1);
        var kernels = Pair(machine);
        long group = 0;
        foreach (var k in kernels)
        {
            if (holdPfnZero) Assert.Equal(0, k.AllocPages(2).Value);
            group = k.CgroupCreate(1).Value;
            long pid = k.TaskFork(InitPid).Value;
            Assert.True(k.TaskAttach(pid, group).IsOk);
            Assert.True(k.RunOn(pid, 0).IsOk);
            if (holdPfnZero) Assert.True(k.FreePages(0, 2).IsOk);
        }
        return (kernels, group);
    }

    private static long Usage(IKernel k, long group) => k.TakeSnapshot().Memory.Single(m => m.Id == group).Current;

    [Fact]
    public void FreeingAnAccountedObjectThroughAnotherCacheIsRefusedAndUnchargesNothing()
    {
        var (kernels, group) = WithCurrentTaskInAGroup(1024);
        long cache = Both(kernels, k => k.CacheCreate(512, 8, SlabFlags.Account)).Value;
        long other = Both(kernels, k => k.CacheCreate(512, 8, SlabFlags.Account)).Value;
        long address = Both(kernels, k => k.CacheAlloc(cache)).Value;
        long charged = Usage(kernels[0], group);
        Assert.Equal(Errno.EINVAL, Both(kernels, k => k.CacheFree(other, address)).Errno);
        Assert.All(kernels, k => Assert.Equal(charged, Usage(k, group)));
        AssertSameSnapshots(kernels);
        Assert.True(Both(kernels, k => k.CacheFree(cache, address)).IsOk);
        AssertSameSnapshots(kernels);
    }

    [Fact]
    public void KmallocOfZeroBytesChargesNothing()
    {
        var (kernels, group) = WithCurrentTaskInAGroup(1024);
        long before = Usage(kernels[0], group);
        Assert.Equal(SlabLayout.ZeroSizePtr, Both(kernels, k => k.Kmalloc(0, KmallocFlags.Account)).Value);
        Assert.All(kernels, k => Assert.Equal(before, Usage(k, group)));
        AssertSameSnapshots(kernels);
    }

    [Fact]
    public void AFailedLargeAccountedKmallocChargesNothing()
    {
        var (kernels, group) = WithCurrentTaskInAGroup(256);
        while (Both(kernels, k => k.AllocPages(4)).IsOk) { } // the machine full of unaccounted blocks
        long before = Usage(kernels[0], group);
        Assert.Equal(Errno.ENOMEM, Both(kernels, k => k.Kmalloc(64 * 1024, KmallocFlags.Account)).Errno);
        Assert.All(kernels, k => Assert.Equal(before, Usage(k, group)));
        AssertSameSnapshots(kernels);
    }

    [Fact]
    public void KmallocOfTheLargestCacheSizeIsASlabObject()
    {
        var (kernels, group) = WithCurrentTaskInAGroup(1024);
        long address = Both(kernels, k => k.Kmalloc(SlabLayout.KmallocMaxCacheBytes, KmallocFlags.Account)).Value;
        Assert.All(kernels, k => Assert.Contains(k.TakeSnapshot().KernelCharges, c => c.IsObject && c.Key == address));
        AssertSameSnapshots(kernels);
        Assert.True(Both(kernels, k => k.Kfree(address)).IsOk);
        AssertSameSnapshots(kernels);
    }

    [Fact]
    public void ALargeAccountedKmallocAtPfnZeroIsUnchargedWhenFreed()
    {
        var (kernels, group) = WithCurrentTaskInAGroup(1024, holdPfnZero: true);
        long before = Usage(kernels[0], group);
        long address = Both(kernels, k => k.Kmalloc(16 * 1024, KmallocFlags.Account)).Value;
        Assert.Equal(0, address); // pfns 0 to 3 are the lowest free block of order 2
        Assert.True(Usage(kernels[0], group) > before);
        Assert.True(Both(kernels, k => k.Kfree(address)).IsOk);
        Assert.All(kernels, k => Assert.Equal(before, Usage(k, group)));
        AssertSameSnapshots(kernels);
    }
}
