using Verify.Model.Contract;

namespace Verify.Impl.Cgroups;

/// <summary>
/// GroupTable's self-check (S8 and the groups' part of S10), O(ids given + slots): the counters
/// are recounted from the own task counts in one pass over the ids downwards (children before
/// parents) into scratch arrays the table owns, so a clean check allocates nothing.
/// </summary>
public sealed partial class GroupTable
{
    private long[] _subtreeScratch = [];
    private int[] _childrenScratch = [], _populatedScratch = [];

    /// <summary>Slot storage, for planted bugs that emulate a slip and for properties (test code only).</summary>
    internal ref long PidsCurrentOf(int slot) => ref _nodes[slot].PidsCurrent;

    internal ref int PopulatedChildrenOf(int slot) => ref _nodes[slot].PopulatedChildren;

    internal ref int OwnTasksOf(int slot) => ref _nodes[slot].OwnTasks;

    internal SlotPool Pool => _pool;

    /// <summary>The slot's chain lists the slot and its non-root ancestors in order, and its unit sum is theirs.</summary>
    private bool ChainIsAncestry(int slot)
    {
        var chain = _chains[slot];
        if (chain is null) return false;
        int i = 0;
        ulong units = 0;
        for (int level = slot; _nodes[level].Parent >= 0; level = _nodes[level].Parent, i++)
        {
            if (i >= chain.Length || chain[i] != level) return false;
            units += StateDigest.PidsUnit(_nodes[level].Id);
        }
        return i == chain.Length && units == _nodes[slot].ChainUnits;
    }

    /// <summary>
    /// S10 (groups): the slot pool, the id table for every live slot, each non-root's parent live,
    /// older and of its hierarchy, and Digest against a recomputation from the fields. S8: pids.current
    /// of every group with pids files is its subtree's task count (0 elsewhere), populated children
    /// and live children are what a recount gives, and each chain is the group's non-root ancestry.
    /// </summary>
    public void CheckConsistency(SelfCheckReport report)
    {
        const string S8 = StructureInvariant.PidsCounters, S10 = StructureInvariant.IdTables;
        _pool.CheckConsistency(report, S10, "cgroup slots");
        int slots = _pool.HighWater;
        if (_subtreeScratch.Length < slots)
        {
            _subtreeScratch = new long[_nodes.Length];
            _childrenScratch = new int[_nodes.Length];
            _populatedScratch = new int[_nodes.Length];
        }
        Array.Clear(_subtreeScratch, 0, slots);
        Array.Clear(_childrenScratch, 0, slots);
        Array.Clear(_populatedScratch, 0, slots);
        int found = 0;
        for (long id = NextId - 1; id >= 1 && !report.IsFull; id--)
        {
            int slot = SlotOf(id);
            if (slot < 0) continue;
            found++;
            ref var n = ref _nodes[slot];
            _subtreeScratch[slot] += n.OwnTasks;
            if (n.Parent < 0)
            {
                if (slot != RootSlot(n.Hierarchy) || id != n.Hierarchy + 1)
                    report.Fail(S10, $"cgroup {id} in slot {slot} has no parent but is not the root of hierarchy {n.Hierarchy}");
                continue;
            }
            ref var p = ref _nodes[n.Parent];
            if (!_pool.IsLive(n.Parent) || p.Id >= id || p.Hierarchy != n.Hierarchy || SlotOf(p.Id) != n.Parent)
            {
                report.Fail(S10, $"cgroup {id}'s parent slot {n.Parent} (id {p.Id}) is not a live older group of hierarchy {n.Hierarchy}");
                continue;
            }
            _subtreeScratch[n.Parent] += _subtreeScratch[slot];
            _childrenScratch[n.Parent]++;
            if (_subtreeScratch[slot] > 0) _populatedScratch[n.Parent]++;
        }
        if (found != _pool.LiveCount) report.Fail(S10, $"the id table finds {found} live cgroups but {_pool.LiveCount} slots are live");
        ulong digest = 0;
        for (int slot = 0; slot < slots && !report.IsFull; slot++)
        {
            if (!_pool.IsLive(slot)) continue;
            ref var n = ref _nodes[slot];
            long subtree = _subtreeScratch[slot];
            long expected = HasPidsFiles(slot) ? subtree : 0;
            if (n.PidsCurrent != expected) report.Fail(S8, $"cgroup {n.Id}: pids.current is {n.PidsCurrent} but {expected} tasks are charged to it ({subtree} in its subtree)");
            if (n.PopulatedChildren != _populatedScratch[slot]) report.Fail(S8, $"cgroup {n.Id}: counts {n.PopulatedChildren} populated children, a recount {_populatedScratch[slot]}");
            if (n.LiveChildren != _childrenScratch[slot]) report.Fail(S8, $"cgroup {n.Id}: counts {n.LiveChildren} live children, a recount {_childrenScratch[slot]}");
            if (n.OwnTasks < 0) report.Fail(S8, $"cgroup {n.Id}: counts {n.OwnTasks} tasks");
            if (!ChainIsAncestry(slot)) report.Fail(S8, $"cgroup {n.Id}: its chain [{string.Join(' ', _chains[slot] ?? [])}] or its unit sum is not that of its non-root levels");
            if (_paths[slot] is null) report.Fail(S10, $"cgroup {n.Id} in slot {slot} has no path");
            ulong shape = StateDigest.Cgroup(n.Id, n.Parent < 0 ? 0 : _nodes[n.Parent].Id, n.Hierarchy, subtree > 0, n.PidsMax, n.EventsMax, n.EventsLocalMax, n.NotifyOnRelease);
            if (shape != n.Shape) report.Fail(S10, $"cgroup {n.Id}: its digest term is stale");
            digest += shape + (ulong)n.PidsCurrent * StateDigest.PidsUnit(n.Id) + (ulong)n.OwnTasks * StateDigest.TasksUnit(n.Id);
        }
        if (!report.IsFull && digest != Digest) report.Fail(S10, $"the cgroups' digest is 0x{Digest:x16} but a recomputation gives 0x{digest:x16}");
    }
}
