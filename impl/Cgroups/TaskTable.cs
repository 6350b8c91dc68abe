using System.Runtime.CompilerServices;
using Verify.Model.Contract;

namespace Verify.Impl.Cgroups;

/// <summary>
/// The live tasks in dense slots (SlotPool), with the pids in use (PidAllocator).
/// Guarantees: pid -> slot is O(1) through an array indexed by pid whose entry is trusted only
/// when the pid is marked used and that slot's own pid matches back (so neither exit nor Reset
/// needs to clear it);
/// init is always slot 0. Per hierarchy, the tasks of each cgroup are an intrusive list
/// (IntrusiveLists, owner = cgroup slot) and the children of each task another (owner = task
/// slot), so fork, exit and attach are O(1) plus the O(depth) counters of GroupTable, and exit
/// hands its children to init in O(children). Each slot keeps its StateDigest.Task term;
/// Digest is their sum. Fork and exit allocate nothing once the arrays have grown.
/// </summary>
public sealed partial class TaskTable
{
    public const int InitSlot = 0;

    private struct Node
    {
        public int Pid;
        public int Parent; // slot; -1 for init
        public int Group0, Group1; // group slots per hierarchy (Group1 unused with one hierarchy)
        public int Execs;
        public int OomScoreAdj;
        public ulong Term;
    }

    private readonly GroupTable _groups;
    private readonly SlotPool _pool = new();
    private readonly PidAllocator _pids = new();
    private readonly IntrusiveLists[] _members = [new(), new()];
    private readonly IntrusiveLists _children = new();
    private Node[] _nodes = new Node[16];
    private int[] _slotOfPid = new int[KernelConstants.PidMax(KernelConstants.CpusMin)];
    private int _hierarchies, _pidsHierarchy;

    /// <summary>One past the highest cgroup slot a task has joined since Reset: the owners of the task lists to empty at the next Reset.</summary>
    private int _groupSlotsSeen;

    public TaskTable(GroupTable groups) => _groups = groups;

    public ulong Digest { get; private set; }

    public int LiveCount => _pool.LiveCount;

    /// <summary>Only init (pid 1, slot 0) in every root; the groups must have been Reset first.</summary>
    public void Reset(MachineConfig machine)
    {
        for (int h = 0; h < _members.Length; h++) _members[h].Reset(_groupSlotsSeen, _pool.HighWater);
        _children.Reset(_pool.HighWater, _pool.HighWater);
        Array.Clear(_nodes, 0, _pool.HighWater);
        _pool.Reset();
        _pids.Reset(machine.Cpus);
        if (_slotOfPid.Length < _pids.PidMaxValue) _slotOfPid = new int[_pids.PidMaxValue];
        _hierarchies = machine.Layout.HierarchyCount();
        _pidsHierarchy = machine.Layout.PidsHierarchy();
        _groupSlotsSeen = _hierarchies;
        Digest = 0;
        int pid = _pids.Next();
        int slot = NewSlot(pid);
        ref var init = ref _nodes[slot];
        init.Parent = -1;
        init.Group0 = GroupTable.RootSlot(0);
        init.Group1 = _hierarchies > 1 ? GroupTable.RootSlot(1) : 0;
        for (int h = 0; h < _hierarchies; h++) JoinGroup(slot, h, GroupTable.RootSlot(h));
        AddTerm(slot);
    }

    /// <summary>The live task with that pid, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int SlotOf(long pid)
    {
        if (!_pids.IsUsed(pid)) return -1;
        int slot = _slotOfPid[pid];
        return _nodes[slot].Pid == pid ? slot : -1; // a free slot's pid is 0, never a used pid
    }

    public int PidOf(int slot) => _nodes[slot].Pid;

    /// <summary>One past the highest slot in use: every live task's slot is below it.</summary>
    public int SlotCount => _pool.HighWater;

    public bool IsLive(int slot) => _pool.IsLive(slot);

    public int OomScoreAdjOf(int slot) => _nodes[slot].OomScoreAdj;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GroupOf(int slot, int hierarchy) => hierarchy == 0 ? _nodes[slot].Group0 : _nodes[slot].Group1;

    /// <summary>alloc_pid: the next pid from the cyclic cursor (which moves even if the fork then fails), or -1.</summary>
    public int NextPid() => _pids.Next();

    /// <summary>A child of the parent slot with the pid NextPid gave, in the parent's groups (the pids charge is the caller's); its slot.</summary>
    public int Fork(int parent, int pid)
    {
        int slot = NewSlot(pid);
        ref var child = ref _nodes[slot];
        ref var p = ref _nodes[parent];
        child.Parent = parent;
        child.Group0 = p.Group0;
        child.Group1 = p.Group1;
        child.OomScoreAdj = p.OomScoreAdj;
        _children.Add(parent, slot);
        JoinGroup(slot, 0, child.Group0);
        if (_hierarchies > 1) JoinGroup(slot, 1, child.Group1);
        AddTerm(slot);
        return slot;
    }

    /// <summary>exit and reap of a task other than init: uncharged, out of its groups (hierarchy 0 first: effects), its children to init.</summary>
    public void Exit(int slot)
    {
        ref var task = ref _nodes[slot];
        Digest -= task.Term;
        _groups.Uncharge(GroupOf(slot, _pidsHierarchy));
        _children.Remove(slot);
        for (int child = _children.Head(slot); child >= 0; child = _children.Head(slot))
        {
            _children.Remove(child);
            _children.Add(InitSlot, child);
            Digest -= _nodes[child].Term;
            _nodes[child].Parent = InitSlot;
            AddTerm(child);
        }
        LeaveGroup(slot, 0, task.Group0);
        if (_hierarchies > 1) LeaveGroup(slot, 1, task.Group1);
        _pids.Release(task.Pid);
        task = default;
        _pool.Free(slot);
    }

    /// <summary>oom_score_adj of the task in the slot (the caller checked the range).</summary>
    public void SetOomScoreAdj(int slot, int value)
    {
        Digest -= _nodes[slot].Term;
        _nodes[slot].OomScoreAdj = value;
        AddTerm(slot);
    }

    public void Exec(int slot)
    {
        Digest -= _nodes[slot].Term;
        _nodes[slot].Execs++;
        AddTerm(slot);
    }

    /// <summary>Moves the task to a live group of that group's hierarchy (not the one it is in): pids charge moved unconditionally, then the new chain populated and the old one emptied.</summary>
    public void Attach(int slot, int target)
    {
        int hierarchy = _groups.HierarchyOf(target);
        int old = GroupOf(slot, hierarchy);
        Digest -= _nodes[slot].Term;
        if (hierarchy == 0) _nodes[slot].Group0 = target;
        else _nodes[slot].Group1 = target;
        AddTerm(slot);
        if (hierarchy == _pidsHierarchy)
        {
            _groups.Uncharge(old);
            _groups.Charge(target);
        }
        _members[hierarchy].Remove(slot);
        JoinGroup(slot, hierarchy, target);
        _groups.Leave(old);
    }

    /// <summary>Every live task in pid order (a pass over the pid bitmap).</summary>
    public List<TaskInfo> Infos()
    {
        var list = new List<TaskInfo>(_pool.LiveCount);
        for (int pid = _pids.NextUsed(1); pid >= 0; pid = _pids.NextUsed(pid + 1))
        {
            ref var task = ref _nodes[_slotOfPid[pid]];
            list.Add(new TaskInfo(pid, task.Parent < 0 ? 0 : _nodes[task.Parent].Pid, _groups.IdOf(task.Group0),
                _hierarchies > 1 ? _groups.IdOf(task.Group1) : 0, task.Execs, task.OomScoreAdj));
        }
        return list;
    }

    private int NewSlot(int pid)
    {
        int slot = _pool.Allocate();
        if (slot >= _nodes.Length)
        {
            Array.Resize(ref _nodes, _nodes.Length * 2);
            foreach (var lists in _members) lists.EnsureMembers(_nodes.Length);
            _children.EnsureMembers(_nodes.Length);
            _children.EnsureOwners(_nodes.Length);
        }
        _pids.Use(pid);
        _slotOfPid[pid] = slot;
        _nodes[slot].Pid = pid;
        return slot;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void JoinGroup(int slot, int hierarchy, int group)
    {
        if (group >= _groupSlotsSeen)
        {
            _groupSlotsSeen = group + 1;
            foreach (var lists in _members) lists.EnsureOwners(_groupSlotsSeen);
        }
        _members[hierarchy].Add(group, slot);
        _groups.Join(group);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void LeaveGroup(int slot, int hierarchy, int group)
    {
        _members[hierarchy].Remove(slot);
        _groups.Leave(group);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddTerm(int slot)
    {
        ref var task = ref _nodes[slot];
        task.Term = StateDigest.Task(task.Pid, task.Parent < 0 ? 0 : _nodes[task.Parent].Pid, _groups.IdOf(task.Group0),
            _hierarchies > 1 ? _groups.IdOf(task.Group1) : 0, task.Execs, task.OomScoreAdj);
        Digest += task.Term;
    }
}
