using Verify.Model.Contract;

namespace Verify.Model.Alphabet;

/// <summary>The OOM killer's inputs, appended after the memory-cgroup operations: oom_score_adj, memory.oom.group, and the forkbomb tracker's clock and knobs.</summary>
public static partial class Alphabet
{
    private static IEnumerable<OpSpec> OomOps()
    {
        yield return new OpSpec(
            "task_set_oom_score_adj",
            // One past each end of the range: EINVAL.
            [ArgSpec.Ref("task", HandleKind.Task), ArgSpec.Int("value", KernelConstants.OomScoreAdjMin - 1, KernelConstants.OomScoreAdjMax + 1)],
            static (IKernel k, in OpArgs a) => k.TaskSetOomScoreAdj(a.Ref(0).Value, (int)a.Int(1)),
            Weight: 3);
        yield return new OpSpec(
            "cgroup_set_oom_group",
            // 2: EINVAL.
            [ArgSpec.Ref("cgroup", HandleKind.Cgroup), ArgSpec.Int("value", 0, 2)],
            static (IKernel k, in OpArgs a) => k.CgroupSetOomGroup(a.Ref(0).Value, a.Int(1)),
            Weight: 2);
        yield return new OpSpec(
            "tick",
            // Log-spread: short ticks are common, a whole default interval (30000 ms) now and then; -1: EINVAL.
            [ArgSpec.Int("ms", -1, KernelConstants.TickMaxMs, Spread.Logarithmic)],
            static (IKernel k, in OpArgs a) => k.Tick(a.Int(0)),
            Weight: 3);
        yield return new OpSpec(
            "forkbomb_enable",
            // 2: EINVAL.
            [ArgSpec.Int("value", 0, 2)],
            static (IKernel k, in OpArgs a) => k.ForkbombEnable(a.Int(0)),
            Weight: 1);
        yield return new OpSpec(
            "forkbomb_set_interval",
            // One past each end of the range: EINVAL.
            [ArgSpec.Int("ms", KernelConstants.ForkbombIntervalMinMs - 1, KernelConstants.ForkbombIntervalMaxMs + 1, Spread.Logarithmic)],
            static (IKernel k, in OpArgs a) => k.ForkbombSetInterval(a.Int(0)),
            Weight: 1);
    }
}
