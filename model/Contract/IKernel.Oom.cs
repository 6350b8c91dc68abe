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
}
