using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Model.Cgroups;

/// <summary>
/// The reference model of process containers (KERNEL-FACTS.md, "Generic process containers" and
/// "The pids controller"), kept plain: groups with parent links and tasks in lists; pids.current,
/// populated and task counts are recomputed by counting the tasks of a subtree whenever asked.
/// Effects go to the log in the kernel's order: per hierarchy (0, then 1), from the group a task
/// joins or leaves up to the first ancestor whose populated state does not flip; an attach first
/// populates the new chain, then unpopulates the old one (css_set_move_task).
/// </summary>
public sealed class ProcessContainers
{
    private sealed class Group(long id, int hierarchy, Group? parent, string path, bool notifyOnRelease)
    {
        public long Id { get; } = id;
        public int Hierarchy { get; } = hierarchy;
        public Group? Parent { get; } = parent;
        public string Path { get; } = path;
        public bool NotifyOnRelease { get; set; } = notifyOnRelease;
        public long PidsMax { get; set; } = PidsMaxValue;
        public long EventsMax { get; set; }
        public long EventsLocalMax { get; set; }
    }

    private sealed class Task(long pid, long parentPid, long[] groups)
    {
        public long Pid { get; } = pid;
        public long ParentPid { get; set; } = parentPid;
        public long[] Groups { get; } = groups;
        public int Execs { get; set; }
        public int OomScoreAdj { get; set; }
    }

    private readonly CgroupLayout _layout;
    private readonly int _pidMax;
    private readonly EffectLog _effects;
    private readonly List<Group> _groups = [];
    private readonly List<Task> _tasks = [];
    private long _nextGroupId;
    private int _pidCursor;
    private long _currentTask = InitPid;
    private int _currentCpu;
    private ulong? _digest;

    public ProcessContainers(MachineConfig machine, EffectLog effects)
    {
        _layout = machine.Layout;
        _pidMax = PidMax(machine.Cpus);
        _effects = effects;
        int hierarchies = _layout.HierarchyCount();
        var rootGroups = new long[hierarchies];
        for (int h = 0; h < hierarchies; h++)
        {
            _groups.Add(new Group(h + 1, h, null, "/", notifyOnRelease: false));
            rootGroups[h] = h + 1;
        }
        _nextGroupId = hierarchies + 1;
        _tasks.Add(new Task(InitPid, 0, rootGroups));
        _pidCursor = (int)InitPid + 1;
    }

    private int Hierarchies => _layout.HierarchyCount();

    private int PidsHierarchy => _layout.PidsHierarchy();

    public Outcome Fork(long pid) => FindTask(pid) is { } parent ? Fork(parent) : NoSuchTask();

    /// <summary>alloc_pid first (the cursor moves even when the fork is refused), then the pids controller.</summary>
    private Outcome Fork(Task parent)
    {
        _digest = null;
        int childPid = AllocPid();
        var forking = FindGroup(parent.Groups[PidsHierarchy])!;
        var overLimit = childPid < 0 ? null : LevelOverLimit(forking);
        if (overLimit is not null) CountMaxEvent(forking, overLimit);
        if (childPid < 0 || overLimit is not null) return Outcome.Fail(Errno.EAGAIN); // a pid taken is freed again
        _tasks.Add(new Task(childPid, parent.Pid, (long[])parent.Groups.Clone()) { OomScoreAdj = parent.OomScoreAdj });
        return Outcome.Ok(childPid);
    }

    /// <summary>The lowest level from the forking group up (the root excluded) that one more task would take above its pids.max.</summary>
    private Group? LevelOverLimit(Group forking)
    {
        for (var level = forking; level.Parent is not null; level = level.Parent)
            if (SubtreeTasks(level) + 1 > level.PidsMax) return level;
        return null;
    }

    public Outcome Exit(long pid) => FindTask(pid) is { } task ? Exit(task) : NoSuchTask();

    private Outcome Exit(Task task)
    {
        _digest = null;
        long pid = task.Pid;
        if (pid == InitPid) return Outcome.Fail(Errno.EINVAL);
        var populatedBefore = PopulatedGroups();
        _tasks.Remove(task);
        foreach (var child in _tasks.Where(t => t.ParentPid == pid)) child.ParentPid = InitPid;
        if (_currentTask == pid) _currentTask = InitPid;
        for (int h = 0; h < Hierarchies; h++) EmitFlips(FindGroup(task.Groups[h])!, populatedBefore);
        return Outcome.Ok(0);
    }

    public Outcome Exec(long pid) => FindTask(pid) is { } task ? Exec(task) : NoSuchTask();

    private Outcome Exec(Task task)
    {
        _digest = null;
        task.Execs++;
        return Outcome.Ok(0);
    }

    /// <summary>oom_score_adj: the task's, in OomScoreAdjMin..OomScoreAdjMax (EINVAL outside); a fork copies it.</summary>
    public Outcome SetOomScoreAdj(long pid, int value) => FindTask(pid) is { } task ? SetOomScoreAdj(task, value) : NoSuchTask();

    private Outcome SetOomScoreAdj(Task task, int value)
    {
        if (value < OomScoreAdjMin || value > OomScoreAdjMax) return Outcome.Fail(Errno.EINVAL);
        _digest = null;
        task.OomScoreAdj = value;
        return Outcome.Ok(0);
    }

    public Outcome Attach(long pid, long cgroupId) =>
        FindTask(pid) is not { } task ? NoSuchTask() : FindGroup(cgroupId) is { } target ? Attach(task, target) : NoSuchGroup();

    private Outcome Attach(Task task, Group target)
    {
        _digest = null;
        var old = FindGroup(task.Groups[target.Hierarchy])!;
        if (old == target) return Outcome.Ok(0);
        var populatedBefore = PopulatedGroups();
        task.Groups[target.Hierarchy] = target.Id;
        EmitFlips(target, populatedBefore);
        EmitFlips(old, populatedBefore);
        return Outcome.Ok(0);
    }

    public Outcome Create(long parentId) => FindGroup(parentId) is { } parent ? Create(parent) : NoSuchGroup();

    private Outcome Create(Group parent)
    {
        _digest = null;
        long id = _nextGroupId++;
        string path = (parent.Parent is null ? "" : parent.Path) + "/g" + id;
        _groups.Add(new Group(id, parent.Hierarchy, parent, path, parent.NotifyOnRelease));
        return Outcome.Ok(id);
    }

    public Outcome Remove(long cgroupId) => FindGroup(cgroupId) is { } group ? Remove(group) : NoSuchGroup();

    private Outcome Remove(Group group)
    {
        _digest = null;
        if (group.Parent is null) return Outcome.Fail(Errno.EINVAL);
        if (IsPopulated(group) || LiveChildren(group).Any()) return Outcome.Fail(Errno.EBUSY);
        _groups.Remove(group);
        CheckForRelease(group.Parent);
        return Outcome.Ok(0);
    }

    public Outcome SetPidsMax(long cgroupId, long max) => FindGroup(cgroupId) is { } group ? SetPidsMax(group, max) : NoSuchGroup();

    /// <summary>A root and the groups of a hierarchy without pids have no pids.max file: ENOENT, as opening it would.</summary>
    private Outcome SetPidsMax(Group group, long max)
    {
        _digest = null;
        if (group.Parent is null || group.Hierarchy != PidsHierarchy) return Outcome.Fail(Errno.ENOENT);
        if (max == PidsMaxWord) max = PidsMaxValue;
        else if (max < 0 || max > PidMaxLimit) return Outcome.Fail(Errno.EINVAL);
        group.PidsMax = max;
        return Outcome.Ok(0);
    }

    public Outcome SetNotifyOnRelease(long cgroupId, bool on) =>
        FindGroup(cgroupId) is { } group ? SetNotifyOnRelease(group, on) : NoSuchGroup();

    private Outcome SetNotifyOnRelease(Group group, bool on)
    {
        _digest = null;
        if (_layout != CgroupLayout.V1) return Outcome.Fail(Errno.EINVAL);
        group.NotifyOnRelease = on;
        return Outcome.Ok(0);
    }

    public Outcome RunOn(long pid, int cpu, int cpus) => FindTask(pid) is { } task ? RunOn(task, cpu, cpus) : NoSuchTask();

    private Outcome RunOn(Task task, int cpu, int cpus)
    {
        _digest = null;
        if (cpu < 0 || cpu >= cpus) return Outcome.Fail(Errno.EINVAL);
        (_currentTask, _currentCpu) = (task.Pid, cpu);
        return Outcome.Ok(0);
    }

    /// <summary>The task's group in the memory hierarchy (hierarchy 0 on both layouts); null for no live task.</summary>
    public long? MemoryGroupOf(long pid) => FindTask(pid)?.Groups[0];

    /// <summary>The live group's id and its ancestors' up to its root, in that order; null for no live group.</summary>
    public long[]? ChainOf(long cgroupId)
    {
        var chain = new List<long>();
        for (var g = FindGroup(cgroupId); g is not null; g = g.Parent) chain.Add(g.Id);
        return chain.Count == 0 ? null : chain.ToArray();
    }

    /// <summary>The hierarchy of a live group; -1 for no live group.</summary>
    public int HierarchyOf(long cgroupId) => FindGroup(cgroupId)?.Hierarchy ?? -1;

    /// <summary>The live non-root groups of a hierarchy, in creation order.</summary>
    public IEnumerable<long> LiveGroups(int hierarchy) => _groups.Where(g => g.Hierarchy == hierarchy && g.Parent is not null).Select(g => g.Id);

    /// <summary>The live tasks of the group's subtree in the memory cgroup OOM killer's scan order: pre-order (the group itself first, then each child's subtree in creation order), tasks by pid within a group.</summary>
    public List<TaskInfo> TasksInPreOrder(long cgroupId)
    {
        var tasks = new List<TaskInfo>();
        void Visit(Group g)
        {
            tasks.AddRange(_tasks.Where(t => t.Groups[g.Hierarchy] == g.Id).OrderBy(t => t.Pid).Select(Info));
            foreach (var child in LiveChildren(g)) Visit(child);
        }
        if (FindGroup(cgroupId) is { } group) Visit(group);
        return tasks;
    }

    public long CurrentTask => _currentTask;

    public int CurrentCpu => _currentCpu;

    /// <summary>Every live group with its counts, sorted by id.</summary>
    public List<CgroupInfo> Cgroups() => CountedGroups().OrderBy(g => g.Id).ToList();

    public List<TaskInfo> Tasks() => _tasks.OrderBy(t => t.Pid).Select(Info).ToList();

    /// <summary>Recomputed from the lists after any call of this layer, else the last value (buddy and slab calls do not touch it). The sum does not depend on order.</summary>
    public ulong Digest()
    {
        if (_digest is { } known) return known;
        ulong digest = StateDigest.Current(_currentTask, _currentCpu);
        foreach (var info in CountedGroups())
        {
            digest += StateDigest.Cgroup(info.Id, info.ParentId, info.Hierarchy, info.Populated, info.PidsMax, info.PidsEventsMax, info.PidsEventsLocalMax, info.NotifyOnRelease);
            digest += (ulong)info.PidsCurrent * StateDigest.PidsUnit(info.Id) + (ulong)info.Tasks * StateDigest.TasksUnit(info.Id);
        }
        foreach (var task in _tasks.Select(Info)) digest += StateDigest.Task(task.Pid, task.ParentPid, task.Cgroup0, task.Cgroup1, task.Execs, task.OomScoreAdj);
        _digest = digest;
        return digest;
    }

    /// <summary>The groups with their counts, counted in one pass over the tasks: each task adds one to its group and to every ancestor. In creation order.</summary>
    private IEnumerable<CgroupInfo> CountedGroups()
    {
        var byId = _groups.ToDictionary(g => g.Id);
        var own = new Dictionary<long, int>();
        var subtree = new Dictionary<long, int>();
        foreach (var task in _tasks)
        {
            for (int h = 0; h < Hierarchies; h++)
            {
                long id = task.Groups[h];
                own[id] = own.GetValueOrDefault(id) + 1;
                for (Group? g = byId[id]; g is not null; g = g.Parent) subtree[g.Id] = subtree.GetValueOrDefault(g.Id) + 1;
            }
        }
        return _groups.Select(g => new CgroupInfo(
            g.Hierarchy, g.Id, g.Parent?.Id ?? 0, g.Path,
            Tasks: own.GetValueOrDefault(g.Id),
            Populated: subtree.GetValueOrDefault(g.Id) > 0,
            PidsCurrent: HasPidsFiles(g) ? subtree.GetValueOrDefault(g.Id) : 0,
            g.PidsMax, g.EventsMax, g.EventsLocalMax, g.NotifyOnRelease));
    }

    private TaskInfo Info(Task t) => new(t.Pid, t.ParentPid, t.Groups[0], Hierarchies > 1 ? t.Groups[1] : 0, t.Execs, t.OomScoreAdj);

    private bool HasPidsFiles(Group g) => g.Parent is not null && g.Hierarchy == PidsHierarchy;

    /// <summary>The live tasks of the subtree: pids.current where the group has pids files.</summary>
    private long SubtreeTasks(Group g) => _tasks.Count(t => IsAncestorOrSelf(g, FindGroup(t.Groups[g.Hierarchy])));

    private bool IsPopulated(Group g) => SubtreeTasks(g) > 0;

    private static bool IsAncestorOrSelf(Group ancestor, Group? g)
    {
        for (; g is not null; g = g.Parent)
            if (g == ancestor) return true;
        return false;
    }

    private IEnumerable<Group> LiveChildren(Group g) => _groups.Where(c => c.Parent == g);

    private HashSet<Group> PopulatedGroups() => _groups.Where(IsPopulated).ToHashSet();

    /// <summary>From the group up while populated flips (cgroup_update_populated): release check, then the v2 event.</summary>
    private void EmitFlips(Group from, HashSet<Group> populatedBefore)
    {
        for (var g = from; g is not null; g = g.Parent)
        {
            bool now = IsPopulated(g);
            if (now == populatedBefore.Contains(g)) break;
            if (!now) CheckForRelease(g);
            if (_layout == CgroupLayout.V2 && g.Parent is not null) _effects.Add(Effect.Populated(g.Id, now));
        }
    }

    /// <summary>cgroup1_check_for_release: notify_on_release, no task in the subtree and no live child.</summary>
    private void CheckForRelease(Group g)
    {
        if (g.NotifyOnRelease && !IsPopulated(g) && !LiveChildren(g).Any()) _effects.Add(Effect.Release(g.Id));
    }

    /// <summary>pids_event: v2 counts max on the group whose limit was hit and its non-root ancestors (and events.local on it); v1 on the forking group.</summary>
    private void CountMaxEvent(Group forking, Group overLimit)
    {
        if (_layout == CgroupLayout.V1)
        {
            forking.EventsMax++;
            return;
        }
        overLimit.EventsLocalMax++;
        for (var g = overLimit; g.Parent is not null; g = g.Parent) g.EventsMax++;
    }

    /// <summary>alloc_pid's idr_alloc_cyclic: from the cursor up to pid_max, then from the start; after the cursor passed RESERVED_PIDS the start is RESERVED_PIDS.</summary>
    private int AllocPid()
    {
        int start = _pidCursor > ReservedPids ? ReservedPids : 1;
        for (int pid = Math.Max(start, _pidCursor); pid < _pidMax; pid++)
            if (FindTask(pid) is null) return Take(pid);
        for (int pid = start; pid < _pidMax; pid++)
            if (FindTask(pid) is null) return Take(pid);
        return -1;
    }

    private int Take(int pid)
    {
        _pidCursor = pid + 1;
        return pid;
    }

    /// <summary>Every call naming a pid no live task has: ESRCH (one lookup, shared by every task operation, memory ones included).</summary>
    public static Outcome NoSuchTask() => Outcome.Fail(Errno.ESRCH);

    /// <summary>Every call naming a cgroup id no live group has: ENOENT (one lookup, shared by every cgroup operation).</summary>
    private static Outcome NoSuchGroup() => Outcome.Fail(Errno.ENOENT);

    private Task? FindTask(long pid) => _tasks.Find(t => t.Pid == pid);

    private Group? FindGroup(long id) => _groups.Find(g => g.Id == id);
}
