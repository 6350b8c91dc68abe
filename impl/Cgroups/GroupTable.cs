using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Impl.Cgroups;

/// <summary>
/// The live cgroups of every hierarchy in dense slots (SlotPool), each slot one Node struct so a
/// walk up the tree touches one cache line per level, with the counters of GroupTable.Counters.
/// Guarantees: cgroup id -> slot is O(1) through an array indexed by id whose entry is trusted
/// only when that live slot's own id matches back, so stale entries of removed groups or of an
/// earlier scenario are never read as live (Reset also clears the entries it used). Ids only grow,
/// so a parent's id is below its children's: walking ids downwards visits children before parents.
/// Each group keeps its chain: the slots of its non-root levels from itself up (built at Create),
/// so the pids walks read the levels from one small array instead of chasing parent links, and the
/// sum of their PidsUnits, so a whole charge changes the digest by one addition.
/// Digest is the sum of StateDigest.Cgroup over live groups (each slot keeps its current term in
/// Shape) plus PidsUnit per charged pid and TasksUnit per task, kept up to date by every change.
/// Paths are strings built at Create only.
/// </summary>
public sealed partial class GroupTable(EffectLog effects)
{
    private struct Node
    {
        public long Id;
        public int Parent; // slot; -1 for a root
        public int Hierarchy;
        public long PidsCurrent, PidsMax, EventsMax, EventsLocalMax;
        public int OwnTasks, PopulatedChildren, LiveChildren;
        public bool NotifyOnRelease;
        public ulong Shape, PidsUnit, TasksUnit;
        public ulong ChainUnits; // the sum of PidsUnit over the chain
    }

    private readonly SlotPool _pool = new();
    private Node[] _nodes = new Node[16];
    private string?[] _paths = new string?[16];
    private int[][] _chains = new int[16][];
    private int[] _slotOfId = new int[64];
    private CgroupLayout _layout;
    private int _pidsHierarchy;

    public ulong Digest { get; private set; }

    /// <summary>A group's levels up to, not including, the root (planted bugs only).</summary>
    internal int[] ChainOf(int slot) => _chains[slot];

    /// <summary>The id the next Create gives.</summary>
    public long NextId { get; private set; }

    /// <summary>Only the roots, one per hierarchy of the layout (ids 1 and, on v1, 2, in slots 0 and 1).</summary>
    public void Reset(CgroupLayout layout)
    {
        Array.Clear(_paths, 0, _pool.HighWater);
        Array.Clear(_chains, 0, _pool.HighWater);
        Array.Clear(_nodes, 0, _pool.HighWater);
        Array.Clear(_slotOfId, 0, (int)Math.Min(NextId, _slotOfId.Length));
        _pool.Reset();
        _layout = layout;
        _pidsHierarchy = layout.PidsHierarchy();
        Digest = 0;
        NextId = 1;
        for (int h = 0; h < layout.HierarchyCount(); h++) AddSlot(-1, h, "/", notifyOnRelease: false);
    }

    /// <summary>The live group with that id, or -1.</summary>
    public int SlotOf(long id)
    {
        if ((ulong)id >= (ulong)NextId) return -1;
        int slot = _slotOfId[id];
        return _pool.IsLive(slot) && _nodes[slot].Id == id ? slot : -1;
    }

    public long IdOf(int slot) => _nodes[slot].Id;

    public bool IsLive(int slot) => _pool.IsLive(slot);

    /// <summary>Slots 0..SlotCount-1 have been handed out since Reset (live or free).</summary>
    public int SlotCount => _pool.HighWater;

    public int ParentOf(int slot) => _nodes[slot].Parent;

    public int HierarchyOf(int slot) => _nodes[slot].Hierarchy;

    /// <summary>
    /// Whether live group a comes before live group b (a != b, one hierarchy) in a pre-order walk
    /// that visits a group, then its children's subtrees in creation order: an ancestor comes first;
    /// otherwise the children of their lowest common ancestor decide, the older (smaller id) first.
    /// O(depth), no allocation: the depth is the chain's length.
    /// </summary>
    public bool PreOrderBefore(int a, int b)
    {
        int depthA = Depth(a), depthB = Depth(b);
        while (depthA > depthB + 1) (a, depthA) = (_nodes[a].Parent, depthA - 1);
        while (depthB > depthA + 1) (b, depthB) = (_nodes[b].Parent, depthB - 1);
        if (depthA > depthB)
        {
            if (_nodes[a].Parent == b) return false; // b is an ancestor of a
            (a, depthA) = (_nodes[a].Parent, depthA - 1);
        }
        else if (depthB > depthA)
        {
            if (_nodes[b].Parent == a) return true;
            (b, depthB) = (_nodes[b].Parent, depthB - 1);
        }
        while (_nodes[a].Parent != _nodes[b].Parent) (a, b) = (_nodes[a].Parent, _nodes[b].Parent);
        return _nodes[a].Id < _nodes[b].Id;
    }

    /// <summary>0 for a root, else the number of non-root levels from the group up.</summary>
    private int Depth(int slot) => _nodes[slot].Parent < 0 ? 0 : _chains[slot].Length;

    public bool IsRoot(int slot) => _nodes[slot].Parent < 0;

    public int OwnTasks(int slot) => _nodes[slot].OwnTasks;

    public bool IsPopulated(int slot) => _nodes[slot].OwnTasks > 0 || _nodes[slot].PopulatedChildren > 0;

    public bool HasLiveChildren(int slot) => _nodes[slot].LiveChildren > 0;

    /// <summary>The root of hierarchy h (roots take the first slots at Reset and are never removed).</summary>
    public static int RootSlot(int hierarchy) => hierarchy;

    /// <summary>mkdir under a live parent: the new slot (its id is IdOf), path parent's + "/g&lt;id&gt;", notify_on_release inherited.</summary>
    public int Create(int parent)
    {
        ref var p = ref _nodes[parent];
        p.LiveChildren++;
        string path = (p.Parent < 0 ? "" : _paths[parent]) + "/g" + NextId;
        return AddSlot(parent, p.Hierarchy, path, p.NotifyOnRelease);
    }

    /// <summary>rmdir of a live non-root group with no task in its subtree and no live child; then the parent's release check.</summary>
    public void Remove(int slot)
    {
        ref var node = ref _nodes[slot];
        int parent = node.Parent;
        Digest -= node.Shape;
        node = default;
        _paths[slot] = null;
        _chains[slot] = null!;
        _pool.Free(slot);
        _nodes[parent].LiveChildren--;
        CheckForRelease(parent);
    }

    /// <summary>pids.max of a non-root group of the pids hierarchy (PidsMaxValue stands for "max").</summary>
    public void SetPidsMax(int slot, long max)
    {
        _nodes[slot].PidsMax = max;
        Reshape(slot);
    }

    public void SetNotifyOnRelease(int slot, bool on)
    {
        _nodes[slot].NotifyOnRelease = on;
        Reshape(slot);
    }

    /// <summary>True when the group has pids files: a non-root group of the pids hierarchy.</summary>
    public bool HasPidsFiles(int slot) => _nodes[slot].Parent >= 0 && _nodes[slot].Hierarchy == _pidsHierarchy;

    /// <summary>The snapshot entry of a live slot.</summary>
    public CgroupInfo Info(int slot)
    {
        ref var n = ref _nodes[slot];
        return new CgroupInfo(n.Hierarchy, n.Id, n.Parent < 0 ? 0 : _nodes[n.Parent].Id, _paths[slot]!, n.OwnTasks, IsPopulated(slot),
            n.PidsCurrent, n.PidsMax, n.EventsMax, n.EventsLocalMax, n.NotifyOnRelease);
    }

    /// <summary>Every live group, in id order (a pass over the ids given so far).</summary>
    public List<CgroupInfo> Infos()
    {
        var list = new List<CgroupInfo>(_pool.LiveCount);
        for (long id = 1; id < NextId; id++)
            if (SlotOf(id) is var slot and >= 0) list.Add(Info(slot));
        return list;
    }

    private int AddSlot(int parent, int hierarchy, string path, bool notifyOnRelease)
    {
        int slot = _pool.Allocate();
        if (slot >= _nodes.Length)
        {
            Array.Resize(ref _nodes, _nodes.Length * 2);
            Array.Resize(ref _paths, _paths.Length * 2);
            Array.Resize(ref _chains, _chains.Length * 2);
        }
        long id = NextId++;
        if (id >= _slotOfId.Length) Array.Resize(ref _slotOfId, _slotOfId.Length * 2);
        _slotOfId[id] = slot;
        _nodes[slot] = new Node
        {
            Id = id, Parent = parent, Hierarchy = hierarchy, PidsMax = PidsMaxValue, NotifyOnRelease = notifyOnRelease,
            PidsUnit = StateDigest.PidsUnit(id), TasksUnit = StateDigest.TasksUnit(id),
        };
        _paths[slot] = path;
        if (parent < 0) _chains[slot] = [];
        else
        {
            var above = _chains[parent];
            var chain = new int[above.Length + 1];
            chain[0] = slot;
            above.CopyTo(chain, 1);
            _chains[slot] = chain;
            _nodes[slot].ChainUnits = _nodes[slot].PidsUnit + _nodes[parent].ChainUnits;
        }
        _nodes[slot].Shape = ShapeOf(slot);
        Digest += _nodes[slot].Shape;
        return slot;
    }

    /// <summary>StateDigest.Cgroup of the slot's fields now.</summary>
    private ulong ShapeOf(int slot)
    {
        ref var n = ref _nodes[slot];
        return StateDigest.Cgroup(n.Id, n.Parent < 0 ? 0 : _nodes[n.Parent].Id, n.Hierarchy, IsPopulated(slot), n.PidsMax, n.EventsMax, n.EventsLocalMax, n.NotifyOnRelease);
    }

    /// <summary>Replaces the slot's Cgroup term in the digest after one of its fields changed.</summary>
    private void Reshape(int slot)
    {
        ref var n = ref _nodes[slot];
        Digest -= n.Shape;
        n.Shape = ShapeOf(slot);
        Digest += n.Shape;
    }
}
