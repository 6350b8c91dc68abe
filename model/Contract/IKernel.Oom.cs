namespace Verify.Model.Contract;

/// <summary>The OOM killer's inputs (KERNEL-FACTS.md, "OOM killer"): each task's oom_score_adj.</summary>
public partial interface IKernel
{
    /// <summary>
    /// Writes /proc/pid/oom_score_adj: the task's adj, which badness weighs (adj -1000: never
    /// chosen); a fork gives the child its parent's. ESRCH: no such task; EINVAL: a value outside
    /// KernelConstants.OomScoreAdjMin..OomScoreAdjMax.
    /// </summary>
    Outcome TaskSetOomScoreAdj(long pid, int value);

    /// <summary>
    /// Writes memory.oom.group (v2): 1 makes the group an OOM group (the OOM killer, issue 12, kills
    /// such a group whole), 0 clears it. ENOENT for a root or no live cgroup; EINVAL on v1 and for
    /// any other value.
    /// </summary>
    Outcome CgroupSetOomGroup(long cgroupId, long value);
}
