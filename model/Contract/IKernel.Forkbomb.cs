namespace Verify.Model.Contract;

/// <summary>
/// The forkbomb killer of the 2011 RFC (KERNEL-FACTS.md, "Forkbomb killer"): an mm_record tree
/// built by fork and exec, aged by a clock, consulted by the OOM killer before it picks a victim.
/// </summary>
public partial interface IKernel
{
    /// <summary>
    /// Advances the clock by ms (0..TickMaxMs). Each time a whole reset interval has passed since the
    /// last aging check, a check runs: when the live tasks did not grow since the previous check and
    /// no reclaim freed anything since, every record at least one interval old is forgotten (a
    /// record without a task goes, one with a task is cut from its parent; their children become
    /// roots). EINVAL outside the range.
    /// </summary>
    Outcome Tick(long ms);

    /// <summary>/sys/kernel/mm/oom/mm_tracking_enabled: 0 forgets every record and stops tracking, 1 starts it again (only tasks forked or exec'd later get records); EINVAL for other values.</summary>
    Outcome ForkbombEnable(long value);

    /// <summary>mm_tracking_reset_interval_msecs: KernelConstants.ForkbombIntervalMinMs..ForkbombIntervalMaxMs, else EINVAL.</summary>
    Outcome ForkbombSetInterval(long ms);
}
