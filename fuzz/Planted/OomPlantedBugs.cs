using Verify.Impl;
using Verify.Impl.Oom;

namespace Verify.Fuzz.Planted;

/// <summary>An OOM victim tie goes to the task scanned earlier instead of the later one.</summary>
public sealed class OomTieToEarlier : DelegatingKernel
{
    public OomTieToEarlier(ImplKernel impl) : base(impl) => impl.Oom.Slips = OomKiller.Slip.TieToEarlier;
}

/// <summary>Badness scales oom_score_adj after the division: adj x totalpages / 1000.</summary>
public sealed class OomAdjScaledAfterDivision : DelegatingKernel
{
    public OomAdjScaledAfterDivision(ImplKernel impl) : base(impl) => impl.Oom.Slips = OomKiller.Slip.AdjScaledAfterDivision;
}

/// <summary>A memory.oom.group sweep kills tasks with oom_score_adj -1000 too.</summary>
public sealed class OomGroupSweepTakesProtected : DelegatingKernel
{
    public OomGroupSweepTakesProtected(ImplKernel impl) : base(impl) => impl.Oom.Slips = OomKiller.Slip.SweepTakesProtected;
}

/// <summary>memory.oom.group kills the lowest flagged group from the victim's up instead of the highest.</summary>
public sealed class OomGroupLowestFlagged : DelegatingKernel
{
    public OomGroupLowestFlagged(ImplKernel impl) : base(impl) => impl.Oom.Slips = OomKiller.Slip.LowestOomGroup;
}

/// <summary>The forkbomb tracker's aging forgets old records even when the task count grew since the last check.</summary>
public sealed class ForkbombAgingIgnoresGrowth : DelegatingKernel
{
    public ForkbombAgingIgnoresGrowth(ImplKernel impl) : base(impl) => impl.Forkbomb.AgingIgnoresGrowth = true;
}
