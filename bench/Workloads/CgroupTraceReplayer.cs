using Verify.Model.Contract;

namespace Verify.Bench.Workloads;

/// <summary>
/// Replays a process-container trace against one kernel from a fresh machine, keeping live pids
/// and cgroup ids in preallocated arrays (an exit or rmdir swap-removes), so the replay itself
/// allocates nothing per operation. ForkOrExit forks (Arg's task) ForkPercent of the time below
/// LiveTasksTarget live tasks and the complement above it, else exits a task other than init;
/// Create is an rmdir instead while LiveGroupsMax cgroups are live. The
/// result folds every outcome and every effect: two kernels that agree on every call and every
/// effect return equal results.
/// </summary>
public sealed class CgroupTraceReplayer(int liveCountMax)
{
    public const int LiveTasksTarget = 64, ForkPercent = 65, LiveGroupsMax = 24;

    private readonly long[] _tasks = new long[liveCountMax + 1];
    private readonly long[] _groups = new long[liveCountMax + LiveGroupsMax];

    public ReplayResult Replay(IKernel kernel, MachineConfig machine, CgroupTraceOp[] ops)
    {
        kernel.Reset(machine);
        int taskCount = 0, groupCount = 0;
        _tasks[taskCount++] = KernelConstants.InitPid;
        for (int h = 0; h < machine.Layout.HierarchyCount(); h++) _groups[groupCount++] = h + 1;
        var fold = new OutcomeFold();
        var effects = kernel.Effects;
        foreach (var op in ops)
        {
            Outcome outcome;
            long task = _tasks[(ulong)op.Arg % (ulong)taskCount]; // Arg is negative for the word "max"
            int groupIndex = (int)(op.Arg2 % groupCount);
            switch (op.Kind)
            {
                case CgroupTraceOpKind.ForkOrExit:
                    int forkPercent = taskCount < LiveTasksTarget ? ForkPercent : 100 - ForkPercent;
                    if (taskCount == 1 || (int)(op.Arg2 % 100) < forkPercent)
                    {
                        outcome = kernel.TaskFork(task);
                        if (outcome.IsOk) _tasks[taskCount++] = outcome.Value;
                    }
                    else
                    {
                        int index = 1 + (int)(op.Arg % (taskCount - 1));
                        outcome = kernel.TaskExit(_tasks[index]);
                        if (outcome.IsOk) _tasks[index] = _tasks[--taskCount];
                    }
                    break;
                case CgroupTraceOpKind.Attach:
                    outcome = kernel.TaskAttach(task, _groups[groupIndex]);
                    break;
                case CgroupTraceOpKind.Exec:
                    outcome = kernel.TaskExec(task);
                    break;
                case CgroupTraceOpKind.Create when groupCount < LiveGroupsMax:
                    outcome = kernel.CgroupCreate(_groups[groupIndex]);
                    if (outcome.IsOk) _groups[groupCount++] = outcome.Value;
                    break;
                case CgroupTraceOpKind.Remove or CgroupTraceOpKind.Create:
                    outcome = kernel.CgroupRemove(_groups[groupIndex]);
                    if (outcome.IsOk) _groups[groupIndex] = _groups[--groupCount];
                    break;
                case CgroupTraceOpKind.SetPidsMax:
                    outcome = kernel.CgroupSetPidsMax(_groups[groupIndex], op.Arg);
                    break;
                default:
                    outcome = kernel.RunOn(_tasks[op.Arg2 % taskCount], (int)op.Arg);
                    break;
            }
            fold.Add(outcome);
            for (int e = 0; e < effects.Count; e++)
            {
                var effect = effects.Items[e];
                fold.Add(Outcome.Ok(((long)effect.Kind << 56) ^ (effect.Cgroup << 1) ^ effect.Value));
            }
            effects.Clear();
        }
        return fold.Result(taskCount, kernel.Digest);
    }
}
