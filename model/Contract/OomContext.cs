namespace Verify.Model.Contract;

/// <summary>
/// One call of the OOM killer: the domain (a memory group, or MachineDomain for a global OOM), the
/// total pages badness scales oom_score_adj by (the domain's memory.max, or the machine's pages),
/// the pages the failed charge or allocation asked for (0 for a memory.max write) and the domain's
/// usage in pages at that moment (the machine's allocated pages for a global OOM).
/// </summary>
public readonly record struct OomContext(long Domain, long TotalPages, long Pages, long Usage)
{
    /// <summary>The domain of a global OOM: every task of the machine.</summary>
    public const long MachineDomain = 0;

    public bool IsGlobal => Domain == MachineDomain;
}
