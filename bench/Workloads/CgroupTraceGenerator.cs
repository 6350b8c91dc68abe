using Verify.Model.Contract;

namespace Verify.Bench.Workloads;

/// <summary>
/// A deterministic task-heavy trace that depends only on its seed and length: 64% fork or exit
/// (the replayer keeps about LiveTasksTarget tasks), 18% attach to a random cgroup, 5% exec, 5%
/// mkdir under a random cgroup, 3% rmdir (mostly EBUSY), 3% pids.max (half "max", half a limit of
/// 2..40, so some forks are refused) and 2% run_on.
/// </summary>
public static class CgroupTraceGenerator
{
    public const int SeedDefault = 0x5EED_0C60;
    public const int PidsLimitMin = 2, PidsLimitMax = 40;

    public static CgroupTraceOp[] Generate(int opsCount, int seed = SeedDefault)
    {
        var random = new Random(seed);
        var ops = new CgroupTraceOp[opsCount];
        for (int i = 0; i < opsCount; i++)
        {
            int roll = random.Next(100);
            var kind = roll switch
            {
                < 64 => CgroupTraceOpKind.ForkOrExit,
                < 82 => CgroupTraceOpKind.Attach,
                < 87 => CgroupTraceOpKind.Exec,
                < 92 => CgroupTraceOpKind.Create,
                < 95 => CgroupTraceOpKind.Remove,
                < 98 => CgroupTraceOpKind.SetPidsMax,
                _ => CgroupTraceOpKind.RunOn,
            };
            long arg = random.Next(int.MaxValue), arg2 = random.Next(int.MaxValue);
            if (kind == CgroupTraceOpKind.SetPidsMax)
                arg = random.Next(2) == 0 ? KernelConstants.PidsMaxWord : random.Next(PidsLimitMin, PidsLimitMax + 1);
            if (kind == CgroupTraceOpKind.RunOn) arg = random.Next(8);
            ops[i] = new CgroupTraceOp(kind, arg, arg2);
        }
        return ops;
    }
}
