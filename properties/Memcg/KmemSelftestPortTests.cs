using Verify.Properties.Support;
using Verify.Model.Contract;
using Verify.Model.Slab;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Memcg;

/// <summary>
/// tools/testing/selftests/cgroup/test_kmem.c ported as scenarios on model and impl, each check
/// named after the one it mirrors (SELFTESTS.md). The selftests fill groups with negative dentries
/// (stat() of missing names): kmem_basic makes real (charged) dentries; the deletion and dead-cgroup
/// ports were written before dentries were charged and keep, as their "dentries", objects of
/// kmalloc-cg-192 (a dentry's size class) allocated with __GFP_ACCOUNT by a task of the group. Counts are scaled down (10 objects per task for 100,
/// 2 CPUs' worth of tasks) so the model stays quick. kmem_kernel_stacks uses the tasks' own stacks.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class KmemSelftestPortTests
{
    private const int Cpus = 2;
    private const int DentryBytes = 192;

    /// <summary>MAX_VMSTAT_ERROR of 6.12-6.18: 64 pages per CPU.</summary>
    private const long MaxVmstatErrorPages = 64L * Cpus;


    private static IKernel Kernel(string side)
    {
        var machine = new MachineConfig(16384, Cpus);
        return SideBySide.Kernel(side, machine);
    }

    /// <summary>A new child of init moved into the group: its pid.</summary>
    private static long TaskIn(IKernel k, long group)
    {
        long pid = k.TaskFork(InitPid).Value;
        Assert.True(k.TaskAttach(pid, group).IsOk);
        return pid;
    }

    /// <summary>A new task of the group makes count stand-in dentries on the CPU, then exits.</summary>
    private static void DentriesByATask(IKernel k, long group, int cpu, int count)
    {
        long pid = TaskIn(k, group);
        Dentries(k, pid, cpu, count);
        Assert.True(k.TaskExit(pid).IsOk);
    }

    /// <summary>A task of the group, current on the CPU, makes count stand-in dentries.</summary>
    private static void Dentries(IKernel k, long pid, int cpu, int count)
    {
        Assert.True(k.RunOn(pid, cpu).IsOk);
        for (int i = 0; i < count; i++) Assert.True(k.Kmalloc(DentryBytes, KmallocFlags.Account).IsOk);
    }

    /// <summary>
    /// test_kmem_memcg_deletion: 100 children of P made one after another; in each, 2 x nprocs tasks
    /// make dentries and exit, then the child is removed. At P, anon + file + kernel + sock is within
    /// MAX_VMSTAT_ERROR of memory.current, read as the kernel does from the raw counter (stocks included).
    /// </summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void KmemMemcgDeletion(string side)
    {
        var k = Kernel(side);
        long parent = k.CgroupCreate(1).Value;
        for (int child = 0; child < 100; child++)
        {
            long group = k.CgroupCreate(parent).Value;
            for (int task = 0; task < 2 * Cpus; task++) DentriesByATask(k, group, task % Cpus, 10);
            Assert.True(k.CgroupRemove(group).IsOk);
        }
        var snapshot = k.TakeSnapshot();
        var m = snapshot.Memory.Single(g => g.Id == parent);
        long raw = snapshot.Watermarks.Single(w => w.Id == parent).RawCurrent;
        long sum = m.Anon + m.File + m.Kernel + m.Sock;
        Assert.True(Math.Abs(sum - raw) < MaxVmstatErrorPages, $"anon + file + kernel + sock = {sum} pages, memory.current (raw) {raw}");
        // Every dentry is still charged, now through P (the children's obj_cgroups moved to it): 4000 x (192 + 8) bytes.
        Assert.Equal(100 * 2 * Cpus * 10, snapshot.KernelCharges.Count(c => c.Memcg == parent));
        Assert.Equal(100L * 2 * Cpus * 10 * (DentryBytes + 8), m.SlabUnreclaimable);
        Assert.True(m.Kernel >= PagesFor(m.SlabUnreclaimable));
    }

    /// <summary>
    /// test_kmem_dead_cgroups: 30 children of P filled with 100 dentries each, then removed;
    /// cgroup.stat nr_dying_descendants of P reaches 0: kernel objects do not keep a removed group
    /// (its obj_cgroup moved to P), so none is left dying.
    /// </summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void KmemDeadCgroups(string side)
    {
        var k = Kernel(side);
        long parent = k.CgroupCreate(1).Value;
        for (int child = 0; child < 30; child++)
        {
            long group = k.CgroupCreate(parent).Value;
            DentriesByATask(k, group, child % Cpus, 100);
            Assert.True(k.CgroupRemove(group).IsOk);
        }
        var snapshot = k.TakeSnapshot();
        Assert.Empty(snapshot.DyingMemcgs);
        Assert.Equal(30 * 100, snapshot.KernelCharges.Count(c => c.Memcg == parent && c.Objcg != parent));
        Assert.Equal(30L * 100 * (DentryBytes + 8), snapshot.Memory.Single(g => g.Id == parent).SlabUnreclaimable);
    }

    /// <summary>
    /// test_kmem_kernel_stacks: 1000 tasks (the selftest's sleeping threads) in the group;
    /// memory.stat kernel_stack is at least 4096 x 1000 bytes (here exactly 16 KiB per task), and
    /// the stacks count in kernel and in memory.current.
    /// </summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void KmemKernelStacks(string side)
    {
        var k = Kernel(side);
        long group = k.CgroupCreate(1).Value;
        long parent = TaskIn(k, group);
        var threads = new List<long>();
        for (int i = 0; i < 1000; i++) threads.Add(k.TaskFork(parent).Value);
        var m = k.TakeSnapshot().Memory.Single(g => g.Id == group);
        Assert.True(m.KernelStack >= 4096L * 1000, $"kernel_stack {m.KernelStack} bytes");
        Assert.Equal(1000L * 16384, m.KernelStack);
        Assert.True(m.Kernel >= m.KernelStack / PageSizeBytes && m.Current >= m.Kernel);
        foreach (long pid in threads) Assert.True(k.TaskExit(pid).IsOk);
        var after = k.TakeSnapshot().Memory.Single(g => g.Id == group);
        Assert.Equal(0, after.KernelStack);
    }

    /// <summary>
    /// test_kmem_basic: many negative dentries with long names made in the group (here 2000: slab at
    /// least MB(1) scaled, 1 MB = 32 pages as in SelftestPortTests), then memory.high = 1M: the memcg
    /// reclaim shrinks the group's dentries, so slab and memory.current both end below half the slab
    /// they started from.
    /// </summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void KmemBasic(string side)
    {
        const long OneMbPages = 32;
        var k = Kernel(side);
        long group = k.CgroupCreate(1).Value;
        long pid = TaskIn(k, group);
        Assert.True(k.RunOn(pid, 1).IsOk);
        for (int i = 0; i < 2000; i++) Assert.True(k.DentryAlloc(64).IsOk);
        var before = k.TakeSnapshot().Memory.Single(g => g.Id == group);
        long slab0 = before.SlabReclaimable + before.SlabUnreclaimable;
        Assert.True(slab0 >= OneMbPages * PageSizeBytes, $"slab {slab0} bytes after the dentries");
        Assert.True(k.CgroupSetLimit(group, MemcgCounter.High, OneMbPages).IsOk);
        var after = k.TakeSnapshot().Memory.Single(g => g.Id == group);
        long slab = after.SlabReclaimable + after.SlabUnreclaimable;
        Assert.True(slab < slab0 / 2, $"slab {slab} bytes, was {slab0}");
        Assert.True(after.Current * PageSizeBytes < slab0 / 2, $"memory.current {after.Current} pages, slab was {slab0} bytes");
    }
}
