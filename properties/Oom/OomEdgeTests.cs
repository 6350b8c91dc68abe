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
}
