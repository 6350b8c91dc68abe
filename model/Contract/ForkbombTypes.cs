namespace Verify.Model.Contract;

/// <summary>
/// One mm_record of the forkbomb tracker: its id (records are numbered as they are made, so a
/// parent's id is below its children's), its parent record (0: a root), the live task whose mm it
/// records (0: the mm is gone, the record is kept while it has children) and when it was made.
/// </summary>
public readonly record struct MmRecordInfo(long Id, long ParentId, long Pid, long BirthMs)
{
    public override string ToString() => $"[mm_record {Id} parent {ParentId} task {Pid} born {BirthMs} ms]";
}

/// <summary>
/// The forkbomb tracker's knobs and clock: tracking on or off, the reset interval, the clock (tick),
/// the time of the last aging check, the live tasks counted then, and whether a reclaim freed
/// anything since.
/// </summary>
public readonly record struct ForkbombInfo(bool Enabled, long IntervalMs, long NowMs, long LastCheckMs, long TasksAtLastCheck, bool ReclaimSinceCheck)
{
    public override string ToString() =>
        $"[forkbomb {(Enabled ? "on" : "off")} interval {IntervalMs} ms now {NowMs} ms last check {LastCheckMs} ms tasks then {TasksAtLastCheck}{(ReclaimSinceCheck ? " reclaimed since" : "")}]";
}
