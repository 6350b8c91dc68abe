using Verify.Model.Contract;

namespace Verify.Bench.Workloads;

/// <summary>
/// Replays a memcg trace against one kernel from a fresh machine: two top groups with memory.max
/// 200 pages, three children (two under the first), and 8 tasks spread over the five groups,
/// made before the first operation. Tasks and groups are named by index modulo their count; the
/// replay allocates nothing per operation. The result folds every outcome: two kernels that agree
/// on every call return equal results.
/// </summary>
public sealed class MemcgTraceReplayer
{
    public const int TasksCount = 8, TopLimit = 200;

    private readonly long[] _tasks = new long[TasksCount];
    private readonly long[] _groups = new long[5];

    public ReplayResult Replay(IKernel kernel, MachineConfig machine, MemcgTraceOp[] ops)
    {
        kernel.Reset(machine);
        long a = kernel.CgroupCreate(1).Value, b = kernel.CgroupCreate(1).Value;
        (_groups[0], _groups[1]) = (a, b);
        (_groups[2], _groups[3], _groups[4]) = (kernel.CgroupCreate(a).Value, kernel.CgroupCreate(a).Value, kernel.CgroupCreate(b).Value);
        kernel.CgroupSetLimit(a, MemcgCounter.Memory, TopLimit);
        kernel.CgroupSetLimit(b, MemcgCounter.Memory, TopLimit);
        for (int t = 0; t < TasksCount; t++)
        {
            _tasks[t] = kernel.TaskFork(KernelConstants.InitPid).Value;
            kernel.TaskAttach(_tasks[t], _groups[t % _groups.Length]);
        }
        var fold = new OutcomeFold();
        foreach (var op in ops)
        {
            long task = _tasks[op.Arg % TasksCount];
            var outcome = op.Kind switch
            {
                MemcgTraceOpKind.TouchAnon => kernel.TaskTouchAnon(task, (int)op.Arg2),
                MemcgTraceOpKind.TouchFile => kernel.TaskTouchFile(task, (int)op.Arg2),
                MemcgTraceOpKind.Unmap => kernel.TaskUnmap(task, (int)op.Arg2),
                MemcgTraceOpKind.SetLimit => kernel.CgroupSetLimit(_groups[op.Arg % _groups.Length],
                    (op.Arg2 & 1) == 0 ? MemcgCounter.Memory : MemcgCounter.High, op.Arg2 < 0 ? KernelConstants.LimitMaxWord : op.Arg2 >> 1),
                MemcgTraceOpKind.RunOn => kernel.RunOn(task, (int)(op.Arg2 % machine.Cpus)),
                _ => kernel.TaskAttach(task, _groups[op.Arg2 % _groups.Length]),
            };
            fold.Add(outcome);
            kernel.Effects.Clear();
        }
        return fold.Result(TasksCount, kernel.Digest);
    }
}
