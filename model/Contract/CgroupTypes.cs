namespace Verify.Model.Contract;

/// <summary>
/// One live cgroup as a snapshot lists it. Path is "/" for a root and the parent's path plus
/// "/g&lt;id&gt;" below. Tasks counts the tasks in this group itself. Pids fields are those of the
/// pids controller: on a root or in a hierarchy without pids they are 0 and "max" (PidsMaxValue).
/// NotifyOnRelease is always false on v2.
/// </summary>
public readonly record struct CgroupInfo(
    int Hierarchy,
    long Id,
    long ParentId,
    string Path,
    int Tasks,
    bool Populated,
    long PidsCurrent,
    long PidsMax,
    long PidsEventsMax,
    long PidsEventsLocalMax,
    bool NotifyOnRelease)
{
    public bool IsRoot => ParentId == 0;

    public override string ToString() =>
        $"[cgroup {Id} h{Hierarchy} {Path} parent {ParentId} tasks {Tasks}{(Populated ? " populated" : "")} pids {PidsCurrent}/{(PidsMax == KernelConstants.PidsMaxValue ? "max" : PidsMax)} events.max {PidsEventsMax} events.local.max {PidsEventsLocalMax}{(NotifyOnRelease ? " notify_on_release" : "")}]";
}

/// <summary>One live task: its pid, its process-tree parent (0 for init), its group in hierarchy 0 and 1 (0 where the layout has no hierarchy 1) and how many times it ran exec.</summary>
public readonly record struct TaskInfo(long Pid, long ParentPid, long Cgroup0, long Cgroup1, int Execs, int OomScoreAdj)
{
    public long CgroupIn(int hierarchy) => hierarchy == 0 ? Cgroup0 : Cgroup1;

    public override string ToString() => $"[task {Pid} parent {ParentPid} cgroups {Cgroup0}/{Cgroup1} execs {Execs}{(OomScoreAdj != 0 ? $" oom_score_adj {OomScoreAdj}" : "")}]";
}
