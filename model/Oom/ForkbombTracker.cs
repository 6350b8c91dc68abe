using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Model.Oom;

/// <summary>
/// The reference forkbomb tracker and killer (KERNEL-FACTS.md, "Forkbomb killer"; the 2011 RFC),
/// kept plain: a list of mm_records with parent ids, scanned whenever asked.
///   fork: the child gets a record under its parent's (a root when the parent has none: init is
///     never tracked); exec: the task gets a new record under its old one, which keeps no task;
///     exit: the task's record keeps no task; a record without a task and without children goes,
///     and so, in turn, may its parent.
///   aging: each whole reset interval of the clock since the last check is a check; when the live
///     tasks did not grow since the previous check and no reclaim freed anything since, the records
///     at least one interval old are forgotten: one without a task goes, one with a task is cut
///     from its parent, and the children of either become roots.
///   on OOM, before the normal killer: per record, leaf-first, its score is its task's badness (a
///     task that counts: live, killable, in the OOM domain; else 0) plus, for each child, the
///     child's score and 1 more when the child's task counts; its family is the counting tasks of
///     its subtree. The bomb has the highest score (a tie: the later record); with a family of at
///     least ForkbombFamilyMin every counting task under it but its own is killed, by record id.
/// </summary>
public sealed class ForkbombTracker(EffectLog effects)
{
    private sealed class MmRecord(long id, long parentId, long pid, long birthMs)
    {
        public long Id { get; } = id;
        public long ParentId { get; set; } = parentId;
        public long Pid { get; set; } = pid;
        public long BirthMs { get; } = birthMs;
    }

    private readonly List<MmRecord> _records = [];
    private long _nextId = 1;
    private bool _enabled = true;
    private long _intervalMs = ForkbombIntervalDefaultMs, _nowMs, _lastCheckMs, _tasksAtLastCheck = 1;
    private bool _reclaimSinceCheck;

    public void Forked(long parentPid, long childPid)
    {
        if (_enabled) _records.Add(new MmRecord(_nextId++, RecordOf(parentPid)?.Id ?? 0, childPid, _nowMs));
    }

    public void Execed(long pid)
    {
        if (!_enabled || pid == InitPid) return;
        var old = RecordOf(pid);
        _records.Add(new MmRecord(_nextId++, old?.Id ?? 0, pid, _nowMs));
        if (old is not null) old.Pid = 0;
    }

    public void Exited(long pid)
    {
        if (RecordOf(pid) is not { } record) return;
        record.Pid = 0;
        Prune();
    }

    /// <summary>A reclaim freed something: the next aging check forgets nothing.</summary>
    public void Reclaimed() => _reclaimSinceCheck = true;

    public Outcome Tick(long ms, int liveTasks)
    {
        if (ms < 0 || ms > TickMaxMs) return Outcome.Fail(Errno.EINVAL);
        _nowMs += ms;
        while (_nowMs - _lastCheckMs >= _intervalMs)
        {
            _lastCheckMs += _intervalMs;
            bool forget = _enabled && liveTasks <= _tasksAtLastCheck && !_reclaimSinceCheck;
            (_tasksAtLastCheck, _reclaimSinceCheck) = (liveTasks, false);
            if (forget) Forget(_lastCheckMs - _intervalMs);
        }
        return Outcome.Ok(0);
    }

    public Outcome Enable(long value, int liveTasks)
    {
        if (value is not (0 or 1)) return Outcome.Fail(Errno.EINVAL);
        bool on = value == 1;
        if (on && !_enabled) (_lastCheckMs, _tasksAtLastCheck, _reclaimSinceCheck) = (_nowMs, liveTasks, false);
        if (!on) _records.Clear();
        _enabled = on;
        return Outcome.Ok(0);
    }

    public Outcome SetInterval(long ms)
    {
        if (ms < ForkbombIntervalMinMs || ms > ForkbombIntervalMaxMs) return Outcome.Fail(Errno.EINVAL);
        _intervalMs = ms;
        return Outcome.Ok(0);
    }

    /// <summary>
    /// The forkbomb killer for an OOM: the tasks to kill, in order (empty: no bomb, the normal killer
    /// runs). counts says whether a task counts (live, killable, in the domain); badness is its score.
    /// </summary>
    public List<long> Bomb(in OomContext context, Func<long, bool> counts, Func<long, long> badness)
    {
        if (!_enabled || _records.Count == 0) return [];
        var score = new Dictionary<long, long>();
        var family = new Dictionary<long, long>();
        foreach (var record in _records) Score(record, counts, badness, score, family);
        var bomb = _records.OrderBy(r => r.Id).Aggregate((best, r) => score[r.Id] >= score[best.Id] ? r : best);
        if (family[bomb.Id] < ForkbombFamilyMin) return [];
        effects.Add(Effect.Forkbomb(context.Domain, bomb.Id, family[bomb.Id]));
        return _records.Where(r => r != bomb && r.Pid != 0 && counts(r.Pid) && IsUnder(r, bomb)).OrderBy(r => r.Id).Select(r => r.Pid).ToList();
    }

    private void Score(MmRecord record, Func<long, bool> counts, Func<long, long> badness, Dictionary<long, long> score, Dictionary<long, long> family)
    {
        if (score.ContainsKey(record.Id)) return;
        bool live = record.Pid != 0 && counts(record.Pid);
        long total = live ? badness(record.Pid) : 0, members = live ? 1 : 0;
        foreach (var child in _records.Where(c => c.ParentId == record.Id))
        {
            Score(child, counts, badness, score, family);
            total += score[child.Id] + (child.Pid != 0 && counts(child.Pid) ? 1 : 0);
            members += family[child.Id];
        }
        (score[record.Id], family[record.Id]) = (total, members);
    }

    private bool IsUnder(MmRecord record, MmRecord ancestor)
    {
        for (var r = record; r is not null; r = r.ParentId == 0 ? null : _records.Find(p => p.Id == r.ParentId))
            if (r == ancestor) return true;
        return false;
    }

    /// <summary>Records born at or before the cut are forgotten: without a task they go, with one they are cut loose; their children become roots.</summary>
    private void Forget(long cutMs)
    {
        var old = _records.Where(r => r.BirthMs <= cutMs).Select(r => r.Id).ToHashSet();
        foreach (var record in _records)
            if (old.Contains(record.ParentId) || old.Contains(record.Id)) record.ParentId = 0;
        _records.RemoveAll(r => old.Contains(r.Id) && r.Pid == 0);
        Prune();
    }

    /// <summary>Records without a task and without children go, until none is left.</summary>
    private void Prune()
    {
        while (true)
        {
            var gone = _records.Where(r => r.Pid == 0 && !_records.Any(c => c.ParentId == r.Id)).ToList();
            if (gone.Count == 0) return;
            _records.RemoveAll(gone.Contains);
        }
    }

    private MmRecord? RecordOf(long pid) => pid == 0 ? null : _records.Find(r => r.Pid == pid);

    public List<MmRecordInfo> Records() => _records.OrderBy(r => r.Id).Select(r => new MmRecordInfo(r.Id, r.ParentId, r.Pid, r.BirthMs)).ToList();

    public ForkbombInfo Info() => new(_enabled, _intervalMs, _nowMs, _lastCheckMs, _tasksAtLastCheck, _reclaimSinceCheck);

    public ulong Digest() => _records.Aggregate(StateDigest.Forkbomb(Info()), (d, r) => d + StateDigest.MmRecord(r.Id, r.ParentId, r.Pid, r.BirthMs));
}
