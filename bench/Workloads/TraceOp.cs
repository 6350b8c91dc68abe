namespace Verify.Bench.Workloads;

public enum TraceOpKind : byte
{
    /// <summary>AllocPages(order = Arg).</summary>
    AllocPages,

    /// <summary>AllocPagesExact(sizeBytes = Arg).</summary>
    AllocPagesExact,

    /// <summary>Free the live allocation at index Arg modulo the live count, with the call that matches how it was made; nothing when none is live.</summary>
    FreeLive,
}

/// <summary>One step of a buddy trace, replayed directly against IKernel by BuddyTraceReplayer.</summary>
public readonly record struct TraceOp(TraceOpKind Kind, long Arg);
