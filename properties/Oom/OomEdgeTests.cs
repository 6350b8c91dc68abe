using Verify.Model.Contract;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Oom;

/// <summary>
/// The OOM killer's scans at the edge of the task table: with exactly 16 task slots in use (init
/// and 15 tasks, the table's first size), a victim's selection and a memory.oom.group sweep scan
/// every slot and no further. Model and impl side by side: the kills equal, every task of the
/// flagged group but the exempt one gone.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class OomEdgeTests
{
    [Fact]
    public void AnOomWithSixteenTaskSlotsInUseScansThemAll()
    {
        var machine = new MachineConfig(4096, 1);
        var kernels = SideBySide.Pair(machine);
        var kills = kernels.Select(k =>
        {
            long group = k.CgroupCreate(1).Value;
            Assert.True(k.CgroupSetOomGroup(group, 1).IsOk);
            Assert.True(k.CgroupSetLimit(group, MemcgCounter.Memory, 200).IsOk);
            var tasks = new List<long>();
            for (int i = 0; i < 15; i++)
            {
                long pid = k.TaskFork(InitPid).Value;
                Assert.True(k.TaskAttach(pid, group).IsOk);
                tasks.Add(pid);
            }
            Assert.Equal(16, k.TakeSnapshot().Tasks.Count);
            Assert.True(k.TaskSetOomScoreAdj(tasks[^1], OomScoreAdjMin).IsOk); // the pusher, exempt
            for (int i = 0; i < 14; i++) Assert.True(k.TaskTouchAnon(tasks[i], 2 + i % 3).IsOk);
            k.Effects.Clear();
            k.TaskTouchAnon(tasks[^1], 200);
            var killed = k.Effects.Items.Where(e => e.Kind == EffectKind.OomKill).Select(e => e.Value).ToList();
            Assert.Equal(tasks.Take(14).Order(), killed.Distinct().Order()); // the victim, then the sweep of the rest
            return string.Join(' ', killed);
        }).ToArray();
        Assert.Equal(kills[0], kills[1]);
    }

    /// <summary>
    /// A global OOM for pages init itself asks for (init holds task slot 0): the task holding the
    /// machine dies and init's allocation, retried, succeeds. Only an allocating task that the OOM
    /// killed gives up.
    /// </summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void AGlobalOomForInitsOwnPagesKillsTheTaskHoldingTheMachineAndInitGetsThem(string side)
    {
        var k = SideBySide.Kernel(side, new MachineConfig(1024, 1));
        long hog = k.TaskFork(InitPid).Value;
        for (long free = k.FreePageCount; free > 4; free = k.FreePageCount)
            Assert.True(k.TaskTouchAnon(hog, (int)Math.Min(64, free - 4)).IsOk);
        k.Effects.Clear();
        Assert.True(k.TaskTouchAnon(InitPid, 8).IsOk);
        Assert.Equal([hog], k.Effects.Items.Where(e => e.Kind == EffectKind.OomKill).Select(e => e.Value));
        Assert.Equal(8, k.TakeSnapshot().UserPages.Count(p => p.OwnerPid == InitPid));
    }
}
