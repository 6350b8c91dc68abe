namespace Verify.Bench.Workloads;

public enum MemcgTraceOpKind : byte
{
    /// <summary>TaskTouchAnon(live task Arg, Arg2 pages).</summary>
    TouchAnon,

    /// <summary>TaskTouchFile(live task Arg, Arg2 pages).</summary>
    TouchFile,

    /// <summary>TaskUnmap(live task Arg, Arg2 pages).</summary>
    Unmap,

    /// <summary>CgroupSetLimit(group Arg, memory or high by Arg2's low bit, a limit from Arg2 or "max").</summary>
    SetLimit,

    /// <summary>RunOn(live task Arg, cpu Arg2).</summary>
    RunOn,

    /// <summary>TaskAttach(live task Arg, group Arg2): its later pages go to the new group, its old ones stay.</summary>
    Attach,
}

/// <summary>One step of a memcg-heavy trace, replayed directly against IKernel by MemcgTraceReplayer.</summary>
public readonly record struct MemcgTraceOp(MemcgTraceOpKind Kind, long Arg, long Arg2);
