using Verify.Properties.Support;
using Verify.Model.Contract;
using Verify.Properties.Memcg;
using static Verify.Model.Contract.KernelConstants;
using static Verify.Properties.Memcg.SelftestPortTests;

namespace Verify.Properties.Oom;

/// <summary>
/// The OOM parts of the kernel's memcg selftests (tools/testing/selftests/cgroup/test_memcontrol.c,
/// 6.18; SELFTESTS.md) on model and impl, each test named after the one it mirrors and checking
/// its expected values exactly. Sizes are scaled by 1/8 (MB(x) = x * 32 pages), as in
/// SelftestPortTests, whose helpers (MB, Kernel, Memory, Sides) it shares; swap.max 0 is the
/// machine's (no swap). cg_run's child is a fork of init
/// attached to the group; a "noexit" child stays alive after its work.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class OomSelftestPortTests
{
    private static bool IsLive(IKernel k, long pid) => k.TakeSnapshot().Tasks.Any(t => t.Pid == pid);

    /// <summary>cgroup.procs is empty: no live task in the group itself.</summary>
    private static bool ProcsEmpty(IKernel k, long group) => k.TakeSnapshot().Tasks.All(t => t.Cgroup0 != group);

    /// <summary>A child of init in the group that touches anonymous pages (64 at a time) and stays: its pid, and whether every touch succeeded.</summary>
    private static (long Pid, bool Ok) Spawn(IKernel k, long group, long pages, int adj = 0)
    {
        long child = k.TaskFork(InitPid).Value;
        Assert.True(k.TaskAttach(child, group).IsOk);
        if (adj != 0) Assert.True(k.TaskSetOomScoreAdj(child, adj).IsOk);
        for (long done = 0; done < pages; done += 64)
            if (!k.TaskTouchAnon(child, (int)Math.Min(64, pages - done)).IsOk) return (child, false);
        return (child, true);
    }

    /// <summary>cg_run of alloc_anon(size) that "must fail": the touch fails and the OOM killer took the child.</summary>
    private static void AllocMustBeKilled(IKernel k, long group, long pages)
    {
        var (child, ok) = Spawn(k, group, pages);
        Assert.False(ok);
        Assert.False(IsLive(k, child));
    }

    /// <summary>test_memcg_max, the OOM part: alloc_anon(100M) under memory.max 30M fails because the OOM killer kills the child; memory.events max > 0.</summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void Max(string side)
    {
        var k = Kernel(side);
        long memcg = k.CgroupCreate(1).Value;
        Assert.True(k.CgroupSetLimit(memcg, MemcgCounter.Memory, MB(30)).IsOk);
        AllocMustBeKilled(k, memcg, MB(100));
        var m = Memory(k, memcg);
        Assert.True(m.EventsMax > 0);
        Assert.Equal(0, m.Anon); // the killed child's memory went back
    }

    /// <summary>test_memcg_oom_events: memory.max 30M, alloc_anon(100M) must fail; then cgroup.procs is empty, oom == 1 and oom_kill == 1.</summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void OomEvents(string side)
    {
        var k = Kernel(side);
        long memcg = k.CgroupCreate(1).Value;
        Assert.True(k.CgroupSetLimit(memcg, MemcgCounter.Memory, MB(30)).IsOk);
        AllocMustBeKilled(k, memcg, MB(100));
        Assert.True(ProcsEmpty(k, memcg));
        var events = Memory(k, memcg).Oom;
        Assert.Equal((1L, 1L), (events.Oom, events.OomKill));
    }

    /// <summary>
    /// test_memcg_oom_group_leaf_events: parent P, child C with memory.max 50M and memory.oom.group 1;
    /// 60M noexit in P, two 1M noexit in C, then alloc_anon(100M) in C must fail. C's procs are
    /// empty and C's oom_kill > 0; P's oom_kill > 0 (events are hierarchical); the 60M task in P
    /// is outside the OOM domain and survives.
    /// </summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void OomGroupLeafEvents(string side)
    {
        var k = Kernel(side);
        long parent = k.CgroupCreate(1).Value;
        long child = k.CgroupCreate(parent).Value;
        Assert.True(k.CgroupSetLimit(child, MemcgCounter.Memory, MB(50)).IsOk);
        Assert.True(k.CgroupSetOomGroup(child, 1).IsOk);
        var (outside, outsideOk) = Spawn(k, parent, MB(60));
        Assert.True(outsideOk);
        Assert.True(Spawn(k, child, MB(1)).Ok);
        Assert.True(Spawn(k, child, MB(1)).Ok);
        AllocMustBeKilled(k, child, MB(100));
        Assert.True(ProcsEmpty(k, child));
        Assert.True(Memory(k, child).Oom.OomKill > 0);
        Assert.True(Memory(k, parent).Oom.OomKill > 0);
        Assert.True(IsLive(k, outside));
    }

    /// <summary>
    /// test_memcg_oom_group_parent_events: P with memory.max 80M and memory.oom.group 1; 60M noexit
    /// in P, two 1M noexit in its child C, then alloc_anon(100M) in C must fail; both C's and P's
    /// procs are empty (the OOM domain is P, flagged: the whole subtree goes).
    /// </summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void OomGroupParentEvents(string side)
    {
        var k = Kernel(side);
        long parent = k.CgroupCreate(1).Value;
        long child = k.CgroupCreate(parent).Value;
        Assert.True(k.CgroupSetLimit(parent, MemcgCounter.Memory, MB(80)).IsOk);
        Assert.True(k.CgroupSetOomGroup(parent, 1).IsOk);
        Assert.True(Spawn(k, parent, MB(60)).Ok);
        Assert.True(Spawn(k, child, MB(1)).Ok);
        Assert.True(Spawn(k, child, MB(1)).Ok);
        AllocMustBeKilled(k, child, MB(100));
        Assert.True(ProcsEmpty(k, child));
        Assert.True(ProcsEmpty(k, parent));
    }

    /// <summary>
    /// test_memcg_oom_group_score_events: M with memory.max 50M and memory.oom.group 1; a 1M noexit
    /// task with oom_score_adj -1000, another 1M noexit, then alloc_anon(100M) must fail.
    /// oom_kill == 3 exactly: two tasks die, the victim counted twice (once chosen, once swept);
    /// the -1000 task survives.
    /// </summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void OomGroupScoreEvents(string side)
    {
        var k = Kernel(side);
        long memcg = k.CgroupCreate(1).Value;
        Assert.True(k.CgroupSetLimit(memcg, MemcgCounter.Memory, MB(50)).IsOk);
        Assert.True(k.CgroupSetOomGroup(memcg, 1).IsOk);
        var (safe, safeOk) = Spawn(k, memcg, MB(1), adj: OomScoreAdjMin);
        Assert.True(safeOk);
        var (other, otherOk) = Spawn(k, memcg, MB(1));
        Assert.True(otherOk);
        AllocMustBeKilled(k, memcg, MB(100));
        Assert.Equal(3, Memory(k, memcg).Oom.OomKill);
        Assert.True(IsLive(k, safe));
        Assert.False(IsLive(k, other));
    }
}
