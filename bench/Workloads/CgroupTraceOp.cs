namespace Verify.Bench.Workloads;

public enum CgroupTraceOpKind : byte
{
    /// <summary>TaskFork of live task Arg, or TaskExit of a live task other than init: the replayer decides by its live count (CgroupTraceReplayer).</summary>
    ForkOrExit,

    /// <summary>TaskAttach(live task Arg, live cgroup Arg2).</summary>
    Attach,

    /// <summary>TaskExec(live task Arg).</summary>
    Exec,

    /// <summary>CgroupCreate(parent = live cgroup Arg2).</summary>
    Create,

    /// <summary>CgroupRemove(live non-root cgroup Arg2): EBUSY while it has tasks or children.</summary>
    Remove,

    /// <summary>CgroupSetPidsMax(live cgroup Arg2, Arg): Arg is a small limit or the word "max".</summary>
    SetPidsMax,

    /// <summary>RunOn(live task Arg2, cpu Arg).</summary>
    RunOn,
}

/// <summary>One step of a task-heavy process-container trace, replayed directly against IKernel by CgroupTraceReplayer. Live things are named by index modulo their count.</summary>
public readonly record struct CgroupTraceOp(CgroupTraceOpKind Kind, long Arg, long Arg2);
