using Verify.Impl.Memcg;
using Verify.Model.Contract;
using Verify.Model.Slab;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;

using static Verify.Properties.Support.SideBySide;

namespace Verify.Properties.Memcg;

/// <summary>
/// The charge and uncharge paths of kernel memory in ImplKernel (impl/Memcg/MemoryCgroups.Kernel.cs)
/// at the states random sequences rarely reach, each run on model and impl side by side (every
/// step's outcome and effects, then the snapshots, equal) with the fact it guards asserted: the
/// drain before an object's slow path, memory.high after an object charge, dentry reclaim that
/// spares uncharged dentries and shrinks 20 per page still short, obj_exts of a reused slab head,
/// frees while a group is above its max, the page stock's refill limit of 64 pages, the byte
/// stock a whole-page object switches to, and the remainders DrainEverything trims. Where the
/// fact is the impl's own (what its stocks keep), it is read off the raw counter the snapshot's
/// Watermarks report.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class KernelChargePathTests
{
    /// <summary>An object size whose obj_full_size (size + 8) is exactly one page.</summary>
    private const int PageObjectBytes = PageSizeBytes - 8;

    private static IKernel[] Kernels(int pages, int cpus = 1) => Pair(new MachineConfig(pages, cpus));

    /// <summary>The same value from both kernels, asserted equal.</summary>
    private static long Same(IKernel[] kernels, Func<IKernel, long> value)
    {
        long model = value(kernels[0]);
        Assert.Equal(model, value(kernels[1]));
        return model;
    }

    private static CgroupMemoryInfo Memory(IKernel k, long group) => k.TakeSnapshot().Memory.Single(m => m.Id == group);

    /// <summary>The impl's raw counter of the group: logical usage plus what its page and byte stocks keep charged.</summary>
    private static long Raw(IKernel impl, long group) => impl.TakeSnapshot().Watermarks.Single(w => w.Id == group).RawCurrent;

    /// <summary>A child of init attached to the group and made current on the CPU: its pid.</summary>
    private static long TaskIn(IKernel k, long group, int cpu = 0)
    {
        long pid = k.TaskFork(InitPid).Value;
        Assert.True(k.TaskAttach(pid, group).IsOk);
        Assert.True(k.RunOn(pid, cpu).IsOk);
        return pid;
    }

    /// <summary>A group at its max with the stocks holding what makes the fast path fail: the object's slow path must drain first, and then it needs no page (the remainder holds its bytes).</summary>
    [Fact]
    public void AnObjectChargeThatFitsOnlyOnceTheStocksAreDrainedSucceedsWithoutAnEvent()
    {
        var kernels = Kernels(1024, cpus: 2);
        long a = Both(kernels, k => k.CgroupCreate(1)).Value;
        Both(kernels, k => k.CgroupSetLimit(a, MemcgCounter.Memory, 64));
        Both(kernels, k => Outcome.Ok(TaskIn(k, a, cpu: 0)));
        Assert.True(Both(kernels, k => k.Kmalloc(64, KmallocFlags.Account)).IsOk); // a batch of 64: the max, 63 of them stocked on CPU 0
        Both(kernels, k => Outcome.Ok(TaskIn(k, a, cpu: 1)));
        Assert.True(Both(kernels, k => k.Kmalloc(64, KmallocFlags.Account)).IsOk); // CPU 1 has no stock and A no room: the slow path
        Assert.Equal(0, Same(kernels, k => Memory(k, a).EventsMax));
        Assert.Equal(1, Same(kernels, k => Memory(k, a).Kernel));
        AssertSameSnapshots(kernels);
    }

    /// <summary>An object charge that takes its group above memory.high counts the high event and reclaims back to high, as a user page's does.</summary>
    [Fact]
    public void AnObjectChargeAboveHighReclaimsBackToHigh()
    {
        var kernels = Kernels(1024);
        long a = Both(kernels, k => k.CgroupCreate(1)).Value;
        long t = Both(kernels, k => Outcome.Ok(TaskIn(k, a))).Value;
        Both(kernels, k => k.CgroupSetLimit(a, MemcgCounter.High, 4));
        Assert.True(Both(kernels, k => k.TaskTouchFile(t, 4)).IsOk); // at high, not above
        Assert.Equal(0, Same(kernels, k => Memory(k, a).EventsHigh));
        Assert.True(Both(kernels, k => k.Kmalloc(64, KmallocFlags.Account)).IsOk); // one page more: above high
        Assert.Equal((1L, 3L, 4L), (Same(kernels, k => Memory(k, a).EventsHigh), Same(kernels, k => Memory(k, a).File), Same(kernels, k => Memory(k, a).Current)));
        AssertSameSnapshots(kernels);
    }

    /// <summary>A group's reclaim skips a dentry init made (charged nowhere), even at pfn 0 on a fresh machine where no object was ever charged (no obj_exts yet).</summary>
    [Fact]
    public void AGroupsReclaimSparesAnUnchargedDentryAtPfnZeroOnAFreshMachine()
    {
        var kernels = Kernels(1024);
        long dentry = Both(kernels, k => k.DentryAlloc(8)).Value; // init is current: the root, never charged
        Assert.Equal(0, Same(kernels, k => k.TakeSnapshot().Dentries.Single(d => d.Id == dentry).Address));
        long a = Both(kernels, k => k.CgroupCreate(1)).Value;
        long t = Both(kernels, k => Outcome.Ok(TaskIn(k, a))).Value;
        Both(kernels, k => k.CgroupSetLimit(a, MemcgCounter.Memory, 0));
        Assert.Equal(Errno.ENOMEM, Both(kernels, k => k.TaskTouchAnon(t, 1)).Errno); // reclaim in A finds nothing of A's, then the OOM killer
        Assert.All(kernels, k => Assert.Contains(k.TakeSnapshot().Dentries, d => d.Id == dentry));
        AssertSameSnapshots(kernels);
    }

    /// <summary>A reclaim round whose page cache falls short by one page shrinks ReclaimDentriesPerPage (20) dentries for that page, no more.</summary>
    [Fact]
    public void AReclaimRoundShrinksTwentyDentriesPerPageStillShort()
    {
        var kernels = Kernels(4096);
        long a = Both(kernels, k => k.CgroupCreate(1)).Value;
        long t = Both(kernels, k => Outcome.Ok(TaskIn(k, a))).Value;
        Assert.True(Both(kernels, k => k.TaskTouchFile(t, 1)).IsOk);
        for (int i = 0; i < 100; i++) Both(kernels, k => k.DentryAlloc(8)); // 100 x 200 bytes: 5 pages
        long usage = Same(kernels, k => Memory(k, a).Current);
        Assert.Equal(6, usage);
        Assert.True(Both(kernels, k => k.CgroupSetLimit(a, MemcgCounter.Memory, usage - 2)).IsOk); // one round of 2: the file page, then 20 dentries for the other
        Assert.Equal(80, Same(kernels, k => k.TakeSnapshot().Dentries.Count));
        Assert.Equal(0, Same(kernels, k => Memory(k, a).File));
        AssertSameSnapshots(kernels);
    }

    /// <summary>Freeing an unaccounted object at index 8 of a slab head whose obj_exts were sized for 8 objects (an earlier accounted slab there) uncharges nothing.</summary>
    [Fact]
    public void FreeingAnUnchargedObjectPastTheObjExtsOfAReusedSlabHeadUnchargesNothing()
    {
        var kernels = Kernels(1024);
        long a = Both(kernels, k => k.CgroupCreate(1)).Value;
        Both(kernels, k => Outcome.Ok(TaskIn(k, a)));
        long accounted = Both(kernels, k => k.CacheCreate(2048, 8, SlabFlags.Account)).Value; // 8 objects per slab of 4 pages
        long first = Both(kernels, k => k.CacheAlloc(accounted)).Value;
        Assert.True(Both(kernels, k => k.CacheFree(accounted, first)).IsOk);
        Assert.True(Both(kernels, k => k.CacheDestroy(accounted)).IsOk); // its empty slab goes back
        long plain = Both(kernels, k => k.CacheCreateMinOrder(8, 8, SlabFlags.None, 2)).Value; // 2048 objects per slab of 4 pages
        var objects = Enumerable.Range(0, 9).Select(_ => Both(kernels, k => k.CacheAlloc(plain)).Value).ToList();
        Assert.Equal(first, objects[0]); // the same slab head
        Assert.Equal(first + 8 * 8, objects[8]); // index 8
        Assert.True(Both(kernels, k => k.CacheFree(plain, objects[8])).IsOk);
        Assert.Equal(0, Same(kernels, k => Memory(k, a).Current));
        AssertSameSnapshots(kernels);
    }

    /// <summary>A group of four one-page objects above its max of 1 (memory.max written while it had no task to kill), its task then back in it and current on CPU 0.</summary>
    private static (long Group, long Cache, long Task, List<long> Objects) AboveMaxWithItsTaskBack(IKernel[] kernels)
    {
        long a = Both(kernels, k => k.CgroupCreate(1)).Value;
        long t = Both(kernels, k => Outcome.Ok(TaskIn(k, a))).Value;
        long cache = Both(kernels, k => k.CacheCreate(PageObjectBytes, 8, SlabFlags.Account)).Value;
        var objects = Enumerable.Range(0, 4).Select(_ => Both(kernels, k => k.CacheAlloc(cache)).Value).ToList();
        Assert.True(Both(kernels, k => k.TaskAttach(t, 1)).IsOk);
        Assert.True(Both(kernels, k => k.CgroupSetLimit(a, MemcgCounter.Memory, 1)).IsOk); // no task to kill: A stays at 4 pages
        Assert.True(Both(kernels, k => k.TaskAttach(t, a)).IsOk);
        Assert.Equal(4, Same(kernels, k => Memory(k, a).Current));
        return (a, cache, t, objects);
    }

    /// <summary>A freed object of a group above its max gives its page back at once: the group's next object needs a page again and, still above max, fails.</summary>
    [Fact]
    public void AnObjectFreedInAGroupAboveItsMaxDoesNotStockItsPage()
    {
        var kernels = Kernels(1024);
        var (a, cache, _, objects) = AboveMaxWithItsTaskBack(kernels);
        Assert.True(Both(kernels, k => k.CacheFree(cache, objects[0])).IsOk);
        Assert.Equal((3L, 3L), (Same(kernels, k => Memory(k, a).Current), Same(kernels, k => Memory(k, a).Kernel)));
        Assert.Equal(3, Raw(kernels[1], a)); // nothing stocked for A
        AssertSameSnapshots(kernels);
        Assert.Equal(Errno.ENOMEM, Both(kernels, k => k.CacheAlloc(cache)).Errno);
        AssertSameSnapshots(kernels);
    }

    /// <summary>A whole page freed in a group above its max is uncharged, not stocked: the group's next page charge still fails.</summary>
    [Fact]
    public void APageFreedInAGroupAboveItsMaxIsNotStocked()
    {
        var kernels = Kernels(1024);
        long a = Both(kernels, k => k.CgroupCreate(1)).Value;
        long t = Both(kernels, k => Outcome.Ok(TaskIn(k, a))).Value;
        var pages = Enumerable.Range(0, 4).Select(_ => Both(kernels, k => k.AllocPagesAccount(0)).Value).ToList();
        Assert.True(Both(kernels, k => k.TaskAttach(t, 1)).IsOk);
        Assert.True(Both(kernels, k => k.CgroupSetLimit(a, MemcgCounter.Memory, 1)).IsOk);
        Assert.True(Both(kernels, k => k.TaskAttach(t, a)).IsOk);
        Assert.True(Both(kernels, k => k.FreePages(pages[0], 0)).IsOk);
        Assert.Equal(3, Same(kernels, k => Memory(k, a).Current));
        Assert.Equal(3, Raw(kernels[1], a));
        Assert.Equal(Errno.ENOMEM, Both(kernels, k => k.AllocPagesAccount(0)).Errno);
        AssertSameSnapshots(kernels);
    }

    /// <summary>While another group is above its max, a free in a group within its max still goes to this CPU's byte stock (refill_obj_stock), which keeps the freed page charged.</summary>
    [Fact]
    public void AFreeInAGroupWithinItsMaxIsStockedWhileAnotherIsAboveItsMax()
    {
        var kernels = Kernels(1024);
        var (b, _, _, _) = AboveMaxWithItsTaskBack(kernels);
        long a = Both(kernels, k => k.CgroupCreate(1)).Value;
        Both(kernels, k => Outcome.Ok(TaskIn(k, a)));
        long cache = Both(kernels, k => k.CacheCreate(PageObjectBytes, 8, SlabFlags.Account)).Value;
        long obj = Both(kernels, k => k.CacheAlloc(cache)).Value; // a batch of 64: 63 stocked, the page in use
        Assert.Equal(64, Raw(kernels[1], a));
        Assert.True(Both(kernels, k => k.CacheFree(cache, obj)).IsOk);
        Assert.Equal(0, Same(kernels, k => Memory(k, a).Current));
        Assert.Equal(64, Raw(kernels[1], a)); // the freed page sits in CPU 0's byte stock
        Assert.Equal(4, Same(kernels, k => Memory(k, b).Current));
        AssertSameSnapshots(kernels);
    }

    /// <summary>Freed kernel pages refill the page stock when they are at most MEMCG_CHARGE_BATCH (64): a freed order-6 block stays charged in the stock; an order-7 one is uncharged.</summary>
    [Fact]
    public void FreedKernelPagesRefillTheStockUpToABatchAndAreUnchargedAbove()
    {
        var kernels = Kernels(1024);
        long a = Both(kernels, k => k.CgroupCreate(1)).Value;
        Both(kernels, k => Outcome.Ok(TaskIn(k, a)));
        long batch = Both(kernels, k => k.AllocPagesAccount(6)).Value;
        Assert.True(Both(kernels, k => k.FreePages(batch, 6)).IsOk);
        Assert.Equal(0, Same(kernels, k => Memory(k, a).Current));
        Assert.Equal(64, Raw(kernels[1], a)); // all 64 stocked on CPU 0
        long more = Both(kernels, k => k.AllocPagesAccount(7)).Value; // 64 from the stock is not enough: 128 charged
        Assert.Equal(128, Same(kernels, k => Memory(k, a).Current));
        Assert.True(Both(kernels, k => k.FreePages(more, 7)).IsOk);
        Assert.Equal(0, Same(kernels, k => Memory(k, a).Current));
        Assert.Equal(64, Raw(kernels[1], a)); // the 128 uncharged, the stock as it was
        AssertSameSnapshots(kernels);
    }

    /// <summary>A socket closed after its group was removed (the group dying, held by the socket) uncharges its pages, never stocks them for the dying group: the seven groups that then charge on the CPU take its seven stock slots without evicting one another.</summary>
    [Fact]
    public void ASocketOfARemovedGroupIsUnchargedNotStocked()
    {
        var kernels = Kernels(2048);
        long a = Both(kernels, k => k.CgroupCreate(1)).Value;
        long t = Both(kernels, k => Outcome.Ok(TaskIn(k, a))).Value;
        long socket = Both(kernels, k => k.SockAlloc(t, PageSizeBytes)).Value;
        Assert.True(Both(kernels, k => k.TaskAttach(t, 1)).IsOk);
        Assert.True(Both(kernels, k => k.CgroupRemove(a)).IsOk);
        Assert.True(Both(kernels, k => k.SockFree(socket)).IsOk);
        var groups = new List<long>();
        for (int i = 0; i < PageStocks.SlotsPerCpu; i++)
        {
            long g = Both(kernels, k => k.CgroupCreate(1)).Value;
            Both(kernels, k => Outcome.Ok(TaskIn(k, g)));
            Assert.True(Both(kernels, k => k.AllocPagesAccount(0)).IsOk); // a batch of 64: 63 stocked in a slot of CPU 0
            groups.Add(g);
        }
        Assert.All(groups, g => Assert.Equal(PageStocks.ChargeBatch, Raw(kernels[1], g)));
        AssertSameSnapshots(kernels);
    }

    /// <summary>A large accounted kmalloc freed leaves no whole-page charge behind (the dense list of them shrinks back).</summary>
    [Fact]
    public void AFreedLargeKmallocLeavesNoKernelCharge()
    {
        var kernels = Kernels(1024);
        long a = Both(kernels, k => k.CgroupCreate(1)).Value;
        Both(kernels, k => Outcome.Ok(TaskIn(k, a)));
        long first = Both(kernels, k => k.Kmalloc(16 * 1024, KmallocFlags.Account)).Value;
        long second = Both(kernels, k => k.Kmalloc(16 * 1024, KmallocFlags.Account)).Value;
        Assert.True(Both(kernels, k => k.Kfree(first)).IsOk);
        Assert.Equal(1, Same(kernels, k => k.TakeSnapshot().KernelCharges.Count));
        Assert.True(Both(kernels, k => k.Kfree(second)).IsOk);
        Assert.Equal(0, Same(kernels, k => k.TakeSnapshot().KernelCharges.Count));
        AssertSameSnapshots(kernels);
    }

    /// <summary>An object of exactly one page (obj_full_size 4096) switches this CPU's byte stock to its obj_cgroup, as every slab object's refill does: the page another group's stock held goes back.</summary>
    [Fact]
    public void AWholePageObjectSwitchesTheByteStockAndDrainsTheOldOne()
    {
        var kernels = Kernels(1024);
        long b = Both(kernels, k => k.CgroupCreate(1)).Value;
        Both(kernels, k => Outcome.Ok(TaskIn(k, b)));
        long small = Both(kernels, k => k.Kmalloc(64, KmallocFlags.Account)).Value; // 72 bytes: B's byte stock keeps 4024
        Assert.True(Both(kernels, k => k.Kfree(small)).IsOk); // back to 4096: a whole page in the byte stock
        Assert.Equal(64, Raw(kernels[1], b)); // 63 in the page stock, 1 in the byte stock
        long a = Both(kernels, k => k.CgroupCreate(1)).Value;
        Both(kernels, k => Outcome.Ok(TaskIn(k, a)));
        long cache = Both(kernels, k => k.CacheCreate(PageObjectBytes, 8, SlabFlags.Account)).Value;
        Assert.True(Both(kernels, k => k.CacheAlloc(cache)).IsOk);
        Assert.Equal(63, Raw(kernels[1], b)); // CPU 0 now caches A: B's page went back
        Assert.Equal((0L, 1L), (Same(kernels, k => Memory(k, b).Current), Same(kernels, k => Memory(k, a).Current)));
        AssertSameSnapshots(kernels);
    }

    /// <summary>The drain before a slow path trims a remainder of more than a page (two CPUs' byte stocks of one obj_cgroup), so a charge that fits logical usage exactly succeeds.</summary>
    [Fact]
    public void TheDrainTrimsRemaindersSoAChargeThatFitsExactlySucceeds()
    {
        var kernels = Kernels(1024, cpus: 2);
        long a = Both(kernels, k => k.CgroupCreate(1)).Value;
        Both(kernels, k => k.CgroupSetLimit(a, MemcgCounter.Memory, 3));
        Both(kernels, k => Outcome.Ok(TaskIn(k, a, cpu: 0)));
        Assert.True(Both(kernels, k => k.Kmalloc(64, KmallocFlags.Account)).IsOk); // one page, 4024 bytes stocked on CPU 0
        Both(kernels, k => Outcome.Ok(TaskIn(k, a, cpu: 1)));
        Assert.True(Both(kernels, k => k.Kmalloc(64, KmallocFlags.Account)).IsOk); // one page more, 4024 bytes stocked on CPU 1
        Assert.Equal(2, Raw(kernels[1], a));
        Assert.True(Both(kernels, k => k.AllocPagesAccount(1)).IsOk); // 1 + 2 = 3 logical pages: the max
        Assert.Equal(3, Same(kernels, k => Memory(k, a).Current));
        Assert.Equal(0, Same(kernels, k => Memory(k, a).EventsMax));
        AssertSameSnapshots(kernels);
    }
}
