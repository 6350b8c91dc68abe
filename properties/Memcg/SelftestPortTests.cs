using Verify.Properties.Support;
using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Memcg;

/// <summary>
/// The kernel's own memcg selftests (tools/testing/selftests/cgroup/test_memcontrol.c, 6.16-6.18;
/// SELFTESTS.md beside KERNEL-FACTS.md) ported as scenarios on model and impl, each check named
/// after the one it mirrors, with the selftests' tolerances (values_close: a percentage of the
/// sum). Sizes are scaled by 1/8 (MB(x) = x * 32 pages) so the model's recounting stays quick.
/// "Must fail" is cg_run's: the child's work failed or the child was OOM-killed (the OOM ports are
/// in properties/Oom/OomSelftestPortTests.cs).
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class SelftestPortTests
{
    /// <summary>MB(x) at a scale of 1/8: 32 pages per megabyte.</summary>
    internal static long MB(long megabytes) => megabytes * 32;


    internal static IKernel Kernel(string side)
    {
        var machine = new MachineConfig(16384, 4);
        return SideBySide.Kernel(side, machine);
    }

    /// <summary>cgroup_util.h values_close(a, b, err): |a - b| &lt;= (a + b) / 100 * err, integer division first.</summary>
    private static bool ValuesClose(long a, long b, long err) => Math.Abs(a - b) <= (a + b) / 100 * err;

    internal static CgroupMemoryInfo Memory(IKernel k, long id) => k.TakeSnapshot().Memory.Single(m => m.Id == id);

    private static long Peak(IKernel k, long id) => k.TakeSnapshot().Watermarks.Single(w => w.Id == id).Peak;

    /// <summary>cg_run: a child of init in the group does the work, then exits; its outcome, ENOMEM when the OOM killer took it.</summary>
    private static Outcome Run(IKernel k, long group, Func<long, Outcome> work)
    {
        long child = k.TaskFork(InitPid).Value;
        Assert.True(k.TaskAttach(child, group).IsOk);
        var outcome = work(child);
        if (!k.TakeSnapshot().Tasks.Any(t => t.Pid == child)) return Outcome.Fail(Errno.ENOMEM);
        Assert.True(k.TaskExit(child).IsOk);
        return outcome;
    }

    /// <summary>Touches pages in steps of the alphabet's largest touch; the first failure ends it.</summary>
    private static Outcome Touch(IKernel k, long pid, long pages, bool file)
    {
        for (long done = 0; done < pages;)
        {
            int step = (int)Math.Min(64, pages - done);
            var outcome = file ? k.TaskTouchFile(pid, step) : k.TaskTouchAnon(pid, step);
            if (!outcome.IsOk) return outcome;
            done += step;
        }
        return Outcome.Ok(pages);
    }

    /// <summary>test_memcg_current_peak (without the memory.peak fd resets, which have no operation here).</summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void CurrentPeak(string side)
    {
        var k = Kernel(side);
        long memcg = k.CgroupCreate(1).Value;
        // "a new memcg has current == 0 and peak == 0"
        Assert.Equal((0L, 0L), (Memory(k, memcg).Current, Peak(k, memcg)));
        // alloc_anon_50M_check: current >= 50M, values_close(50M, current, 3), values_close(anon, current, 3)
        Run(k, memcg, child =>
        {
            Assert.True(Touch(k, child, MB(50), file: false).IsOk);
            var m = Memory(k, memcg);
            Assert.True(m.Current >= MB(50));
            Assert.True(ValuesClose(MB(50), m.Current, 3));
            Assert.True(ValuesClose(m.Anon, m.Current, 3));
            return Outcome.Ok(0);
        });
        // "peak >= 50M" after the child has gone
        Assert.True(Peak(k, memcg) >= MB(50));
        // alloc_pagecache_50M_check: current >= 50M, values_close(file, current, 10); then peak >= 50M
        Run(k, memcg, child =>
        {
            Assert.True(Touch(k, child, MB(50), file: true).IsOk);
            var m = Memory(k, memcg);
            Assert.True(m.Current >= MB(50));
            Assert.True(ValuesClose(m.File, m.Current, 10));
            return Outcome.Ok(0);
        });
        Assert.True(Peak(k, memcg) >= MB(50));
    }

    /// <summary>test_memcg_max (its OOM checks are in OomSelftestPortTests.Max).</summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void Max(string side)
    {
        var k = Kernel(side);
        long memcg = k.CgroupCreate(1).Value;
        // memory.max reads "max"
        Assert.Equal(LimitUnlimited, Memory(k, memcg).Max);
        Assert.True(k.CgroupSetLimit(memcg, MemcgCounter.Memory, MB(30)).IsOk);
        // "alloc_anon(100M) must fail"
        Assert.Equal(Errno.ENOMEM, Run(k, memcg, child => Touch(k, child, MB(100), file: false)).Errno);
        // alloc_pagecache_max_30M must succeed: current <= 30M and values_close(current, 30M, 5)
        Run(k, memcg, child =>
        {
            Assert.True(Touch(k, child, MB(50), file: true).IsOk);
            var m = Memory(k, memcg);
            Assert.True(m.Current <= MB(30));
            Assert.True(ValuesClose(m.Current, MB(30), 5));
            return Outcome.Ok(0);
        });
        // "0 < current <= 30M" and memory.events max > 0
        var after = Memory(k, memcg);
        Assert.True(after.Current > 0 && after.Current <= MB(30));
        Assert.True(after.EventsMax > 0);
    }

    /// <summary>test_memcg_high.</summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void High(string side)
    {
        var k = Kernel(side);
        long memcg = k.CgroupCreate(1).Value;
        // memory.high reads "max"
        Assert.Equal(LimitUnlimited, Memory(k, memcg).High);
        Assert.True(k.CgroupSetLimit(memcg, MemcgCounter.High, MB(30)).IsOk);
        // "alloc_anon(31M) must succeed"
        Assert.True(Run(k, memcg, child => Touch(k, child, MB(31), file: false)).IsOk);
        // alloc_pagecache_50M_check must fail: current never reaches 50M
        Run(k, memcg, child =>
        {
            Assert.True(Touch(k, child, MB(50), file: true).IsOk);
            Assert.True(Memory(k, memcg).Current < MB(50));
            return Outcome.Ok(0);
        });
        // alloc_pagecache_max_30M must succeed: values_close(current, 30M, 5)
        Run(k, memcg, child =>
        {
            Assert.True(Touch(k, child, MB(50), file: true).IsOk);
            var m = Memory(k, memcg);
            Assert.True(m.Current <= MB(30) && ValuesClose(m.Current, MB(30), 5));
            return Outcome.Ok(0);
        });
        // memory.events high > 0
        Assert.True(Memory(k, memcg).EventsHigh > 0);
    }

    /// <summary>
    /// test_memcg_sock: socket buffers in the memcg show up in current and in memory.stat sock
    /// (values_close(current - allocated_at_start, sock, 10)); after the sockets are closed, sock is 0.
    /// </summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void Sock(string side)
    {
        var k = Kernel(side);
        long memcg = k.CgroupCreate(1).Value;
        long task = k.TaskFork(InitPid).Value;
        Assert.True(k.TaskAttach(task, memcg).IsOk);
        Assert.True(Touch(k, task, MB(1), file: false).IsOk);
        long atStart = Memory(k, memcg).Current;
        var sockets = new List<long>();
        for (int i = 0; i < 16; i++)
        {
            sockets.Add(k.SockAlloc(task, 64 * 1024).Value);
            var m = Memory(k, memcg);
            Assert.True(ValuesClose(m.Current - atStart, m.Sock, 10));
        }
        foreach (long socket in sockets) Assert.True(k.SockFree(socket).IsOk);
        Assert.True(k.TaskExit(task).IsOk);
        Assert.Equal(0, Memory(k, memcg).Sock);
    }
}
