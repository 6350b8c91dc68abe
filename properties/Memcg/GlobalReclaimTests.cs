using Verify.Model.Contract;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Memcg;

/// <summary>
/// A page allocation on a full machine with no page cache left shrinks unpinned dentries of any
/// group, 20 at a time, before the global OOM killer may run (README "The OOM killer": the oldest
/// page cache, then dentries, then the killer). Model and impl side by side: the touch goes through,
/// with no OOM and no kill, once enough dentries went to free their slab pages.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class GlobalReclaimTests
{
    [Fact]
    public void AFullMachineShrinksDentriesBeforeItRunsTheOomKiller()
    {
        var machine = new MachineConfig(256, 1);
        var kernels = SideBySide.Pair(machine);
        var runs = kernels.Select(k =>
        {
            long task = k.TaskFork(InitPid).Value;
            int dentries = 0;
            while (dentries < 200 && k.DentryAlloc(8).IsOk) dentries++;
            while (k.AllocPages(0).IsOk) { } // the machine full: no page cache, only dentries to give back
            k.Effects.Clear();
            var outcome = k.TaskTouchAnon(task, 4);
            Assert.True(outcome.IsOk, $"the touch: {outcome}");
            Assert.DoesNotContain(k.Effects.Items, e => e.Kind is EffectKind.Oom or EffectKind.OomKill);
            Assert.True(k.TakeSnapshot().Dentries.Count < dentries, "some dentries were shrunk");
            return $"{outcome} [{k.Effects}]";
        }).ToArray();
        Assert.Equal(runs[0], runs[1]);
        SideBySide.AssertSameSnapshots(kernels);
    }
}
