using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Impl.Oom;

/// <summary>What the forkbomb killer asks of the OOM killer about a task slot, for the OOM at hand.</summary>
public interface IForkbombScorer
{
    /// <summary>Whether the task counts: live, killable and in the OOM's domain.</summary>
    bool Counts(int taskSlot);

    long Badness(int taskSlot);
}

/// <summary>
/// The forkbomb tracker and killer, optimized; the semantics are the model's
/// (model/Oom/ForkbombTracker.cs). Records live in dense slots reused after they go (SlotPool), so
/// a steady fork/exit allocates nothing; each keeps its id, its parent's slot, its task (pid and
/// task slot; 0 / -1 once the mm is gone), its birth and its number of child records, and each task
/// slot knows its record's slot. The records are also threaded, oldest first, on one creation list:
/// ids grow as records are made and a parent is made before its children, so walking the list
/// backwards is leaf-first (scoring: each record adds itself to its parent, no recursion) and
/// forwards is by id (the bomb's tie rule, its subtree and the kill order); births never decrease
/// along it either, so the records an aging check forgets are a prefix of it. An exit prunes in
/// O(records pruned); an OOM costs three passes over the records and allocates nothing. The digest
/// is kept by adding and subtracting each record's term.
/// </summary>
public sealed class ForkbombTracker(EffectLog effects)
{
    private const int None = -1;

    private readonly Cgroups.SlotPool _pool = new();
    private long[] _id = new long[16], _pid = new long[16], _birth = new long[16], _score = new long[16], _family = new long[16];
    private int[] _parent = new int[16], _taskSlot = new int[16], _children = new int[16], _older = new int[16], _newer = new int[16];
    private bool[] _counts = new bool[16], _under = new bool[16];
    private int[] _recordOfTask = [];

    /// <summary>The self-check's child recount, kept so that a clean check allocates nothing once warm.</summary>
    private int[] _recount = [];
    private int _oldest = None, _newest = None;
    private long _nextId = 1;
    private bool _enabled;
    private long _intervalMs, _nowMs, _lastCheckMs, _tasksAtLastCheck;
    private bool _reclaimSinceCheck;
    private ulong _recordsDigest;

    public ulong Digest => _recordsDigest + StateDigest.Forkbomb(Info());

    /// <summary>A slip planted bugs emulate (test code only): aging forgets even when the task count grew.</summary>
    internal bool AgingIgnoresGrowth { get; set; }

    public void Reset()
    {
        _pool.Reset();
        Array.Fill(_recordOfTask, None);
        (_oldest, _newest, _nextId, _recordsDigest) = (None, None, 1, 0);
        (_enabled, _intervalMs, _nowMs, _lastCheckMs, _tasksAtLastCheck, _reclaimSinceCheck) = (true, ForkbombIntervalDefaultMs, 0, 0, 1, false);
    }

    public void Forked(int parentTaskSlot, int childTaskSlot, long childPid)
    {
        if (_enabled) Add(RecordOf(parentTaskSlot), childTaskSlot, childPid);
    }

    public void Execed(int taskSlot, long pid)
    {
        if (!_enabled || pid == InitPid) return;
        int old = RecordOf(taskSlot);
        Add(old, taskSlot, pid);
        if (old != None) SetTask(old, 0, None);
    }

    /// <summary>The task in the slot exited (before the slot can be reused).</summary>
    public void Exited(int taskSlot)
    {
        int record = RecordOf(taskSlot);
        if (record == None) return;
        _recordOfTask[taskSlot] = None;
        SetTask(record, 0, None);
        Prune(record);
    }

    public void Reclaimed() => _reclaimSinceCheck = true;

    public Outcome Tick(long ms, int liveTasks)
    {
        if (ms < 0 || ms > TickMaxMs) return Outcome.Fail(Errno.EINVAL);
        _nowMs += ms;
        while (_nowMs - _lastCheckMs >= _intervalMs)
        {
            _lastCheckMs += _intervalMs;
            bool forget = _enabled && (liveTasks <= _tasksAtLastCheck || AgingIgnoresGrowth) && !_reclaimSinceCheck;
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
        if (!on)
        {
            while (_newest != None) Remove(_newest);
            Array.Fill(_recordOfTask, None);
        }
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
    /// Looks for a bomb for the OOM (Forkbomb effect when found) and returns its record's slot, with
    /// the counting tasks under it marked for NextVictim; -1 when there is none (the normal killer runs).
    /// </summary>
    public int FindBomb(in OomContext context, IForkbombScorer scorer)
    {
        if (!_enabled || _oldest == None) return None;
        for (int r = _newest; r != None; r = _older[r])
        {
            bool counts = _pid[r] != 0 && scorer.Counts(_taskSlot[r]);
            _counts[r] = counts;
            // Every child (newer) has already added itself here.
            _score[r] += counts ? scorer.Badness(_taskSlot[r]) : 0;
            _family[r] += counts ? 1 : 0;
            int parent = _parent[r];
            if (parent == None) continue;
            _score[parent] += _score[r] + (counts ? 1 : 0);
            _family[parent] += _family[r];
        }
        int bomb = _oldest;
        for (int r = _oldest; r != None; r = _newer[r])
            if (_score[r] >= _score[bomb]) bomb = r;
        long family = _family[bomb];
        for (int r = _oldest; r != None; r = _newer[r]) _score[r] = _family[r] = 0;
        if (family < ForkbombFamilyMin) return None;
        effects.Add(Effect.Forkbomb(context.Domain, _id[bomb], family));
        for (int r = _oldest; r != None; r = _newer[r])
            _under[r] = r == bomb || _parent[r] != None && _under[_parent[r]];
        return bomb;
    }

    /// <summary>After FindBomb: the task slot of the next task to kill, by record id, with the record after which to look next (None: from the oldest); -1 when none is left.</summary>
    public int NextVictim(int bomb, ref int after)
    {
        for (int r = after == None ? _oldest : _newer[after]; r != None; r = _newer[r])
        {
            if (r == bomb || !_under[r] || !_counts[r]) continue;
            after = r;
            return _taskSlot[r];
        }
        return None;
    }

    private int RecordOf(int taskSlot) => taskSlot < _recordOfTask.Length ? _recordOfTask[taskSlot] : None;

    private void Add(int parent, int taskSlot, long pid)
    {
        int r = _pool.Allocate();
        Ensure(r + 1);
        (_id[r], _parent[r], _pid[r], _taskSlot[r], _birth[r], _children[r], _score[r], _family[r]) = (_nextId++, parent, pid, taskSlot, _nowMs, 0, 0, 0);
        if (parent != None) _children[parent]++;
        (_older[r], _newer[r]) = (_newest, None);
        if (_newest != None) _newer[_newest] = r;
        else _oldest = r;
        _newest = r;
        if (taskSlot >= _recordOfTask.Length)
        {
            int old = _recordOfTask.Length;
            Array.Resize(ref _recordOfTask, ArrayGrowth.SizeFor(old, taskSlot + 1));
            Array.Fill(_recordOfTask, None, old, _recordOfTask.Length - old);
        }
        _recordOfTask[taskSlot] = r;
        _recordsDigest += Term(r);
    }

    private void SetTask(int r, long pid, int taskSlot)
    {
        _recordsDigest -= Term(r);
        (_pid[r], _taskSlot[r]) = (pid, taskSlot);
        _recordsDigest += Term(r);
    }

    /// <summary>Makes the record a root: its parent loses a child.</summary>
    private void CutLoose(int r)
    {
        _recordsDigest -= Term(r);
        _children[_parent[r]]--;
        _parent[r] = None;
        _recordsDigest += Term(r);
    }

    /// <summary>From the record up: each record without a task and without children goes.</summary>
    private void Prune(int r)
    {
        while (r != None && _pid[r] == 0 && _children[r] == 0)
        {
            int parent = _parent[r];
            Remove(r);
            r = parent;
        }
    }

    private void Remove(int r)
    {
        if (_parent[r] != None) _children[_parent[r]]--;
        _recordsDigest -= Term(r);
        int older = _older[r], newer = _newer[r];
        if (older != None) _newer[older] = newer;
        else _oldest = newer;
        if (newer != None) _older[newer] = older;
        else _newest = older;
        _pool.Free(r);
    }

    /// <summary>The records born at or before the cut (a prefix of the creation list) are forgotten: cut loose, and gone when they have no task; their children become roots.</summary>
    private void Forget(long cutMs)
    {
        int firstKept = _oldest;
        while (firstKept != None && _birth[firstKept] <= cutMs) firstKept = _newer[firstKept];
        for (int r = _oldest; r != None; r = _newer[r])
            if (_parent[r] != None && (_birth[r] <= cutMs || _birth[_parent[r]] <= cutMs)) CutLoose(r);
        for (int r = _oldest, next; r != firstKept; r = next)
        {
            next = _newer[r];
            if (_pid[r] == 0) Remove(r);
        }
    }

    private ulong Term(int r) => StateDigest.MmRecord(_id[r], _parent[r] == None ? 0 : _id[_parent[r]], _pid[r], _birth[r]);

    private void Ensure(int count)
    {
        if (count <= _id.Length) return;
        int size = ArrayGrowth.SizeFor(_id.Length, count);
        Array.Resize(ref _id, size);
        Array.Resize(ref _pid, size);
        Array.Resize(ref _birth, size);
        Array.Resize(ref _score, size);
        Array.Resize(ref _family, size);
        Array.Resize(ref _parent, size);
        Array.Resize(ref _taskSlot, size);
        Array.Resize(ref _children, size);
        Array.Resize(ref _older, size);
        Array.Resize(ref _newer, size);
        Array.Resize(ref _counts, size);
        Array.Resize(ref _under, size);
    }

    /// <summary>S17 against the task table: the creation list, ids, births, parents, child counts, task links both ways and the digest.</summary>
    public void CheckConsistency(SelfCheckReport report, Cgroups.TaskTable tasks)
    {
        const string Name = StructureInvariant.MmRecords;
        if (_recount.Length < _pool.HighWater) _recount = new int[_id.Length];
        var children = _recount;
        Array.Clear(children, 0, _pool.HighWater);
        int listed = 0, previous = None;
        ulong digest = 0;
        for (int r = _oldest; r != None && listed <= _pool.HighWater; previous = r, r = _newer[r], listed++)
        {
            if (!_pool.IsLive(r)) report.Fail(Name, $"record slot {r} is on the creation list but not live");
            if (_older[r] != previous) report.Fail(Name, $"record slot {r}'s older link is {_older[r]}, not {previous}");
            if (previous != None && (_id[r] <= _id[previous] || _birth[r] < _birth[previous]))
                report.Fail(Name, $"record {_id[r]} (born {_birth[r]}) follows record {_id[previous]} (born {_birth[previous]}) on the creation list");
            int parent = _parent[r];
            if (parent != None && (!_pool.IsLive(parent) || _id[parent] >= _id[r])) report.Fail(Name, $"record {_id[r]}'s parent slot {parent} is not a live, older record");
            else if (parent != None) children[parent]++;
            if (_pid[r] != 0 && (!tasks.IsLive(_taskSlot[r]) || tasks.PidOf(_taskSlot[r]) != _pid[r] || RecordOf(_taskSlot[r]) != r))
                report.Fail(Name, $"record {_id[r]} names task {_pid[r]} in slot {_taskSlot[r]}, which is not that live task or does not point back");
            digest += Term(r);
        }
        if (previous != _newest) report.Fail(Name, $"the creation list ends at slot {previous}, not at the newest record {_newest}");
        if (listed != _pool.LiveCount) report.Fail(Name, $"the creation list holds {listed} records but {_pool.LiveCount} slots are live");
        for (int r = 0; r < _pool.HighWater; r++)
            if (_pool.IsLive(r) && _children[r] != children[r]) report.Fail(Name, $"record {_id[r]} counts {_children[r]} children but {children[r]} name it");
        for (int slot = 0; slot < _recordOfTask.Length; slot++)
        {
            int r = _recordOfTask[slot];
            if (r != None && (!_pool.IsLive(r) || _taskSlot[r] != slot || _pid[r] == 0)) report.Fail(Name, $"task slot {slot} points at record slot {r}, which does not record it");
        }
        if (digest != _recordsDigest) report.Fail(Name, "the records' digest is stale");
    }

    public List<MmRecordInfo> Records()
    {
        var list = new List<MmRecordInfo>(_pool.LiveCount);
        for (int r = _oldest; r != None; r = _newer[r]) list.Add(new MmRecordInfo(_id[r], _parent[r] == None ? 0 : _id[_parent[r]], _pid[r], _birth[r]));
        return list;
    }

    public ForkbombInfo Info() => new(_enabled, _intervalMs, _nowMs, _lastCheckMs, _tasksAtLastCheck, _reclaimSinceCheck);
}
