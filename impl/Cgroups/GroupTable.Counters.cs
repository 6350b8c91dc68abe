using System.Runtime.CompilerServices;
using Verify.Model.Contract;

namespace Verify.Impl.Cgroups;

/// <summary>
/// The hierarchical counters of GroupTable, kept as the kernel keeps them instead of recounting.
/// Guarantees: PidsCurrent of a non-root group of the pids hierarchy is the number of tasks in
/// its subtree (0 elsewhere): a fork charges each level from the forking group up to, not
/// including, the root, and on the first level whose new count exceeds its pids.max rolls back
/// that level and every level below it (pids_try_charge), so a call is O(depth); the levels come
/// from the group's chain (independent loads, no parent chasing) and the digest changes by the
/// chain's unit sum. Each group counts its own tasks and its populated children, so populated is
/// "own > 0 or a populated child", and a task joining or leaving walks up only while a level's
/// populated state flips, emitting the release check and the v2 event at each flip in the model's
/// order (cgroup_update_populated).
/// </summary>
public sealed partial class GroupTable
{
    /// <summary>
    /// Charges one pid to the forking group's non-root levels; the slot of the first level that
    /// would go above its pids.max (everything charged is rolled back and the max event counted),
    /// or -1 when every level took it.
    /// </summary>
    public int TryCharge(int forking)
    {
        var nodes = _nodes;
        var chain = _chains[forking];
        for (int i = 0; i < chain.Length; i++)
        {
            ref var n = ref nodes[chain[i]];
            if (++n.PidsCurrent <= n.PidsMax) continue;
            for (int undo = 0; undo <= i; undo++) nodes[chain[undo]].PidsCurrent--;
            CountMaxEvent(forking, chain[i]);
            return chain[i];
        }
        Digest += nodes[forking].ChainUnits;
        return -1;
    }

    /// <summary>Charges one pid to every non-root level unconditionally (attach: current may exceed max).</summary>
    public void Charge(int slot)
    {
        var nodes = _nodes;
        foreach (int level in _chains[slot]) nodes[level].PidsCurrent++;
        Digest += nodes[slot].ChainUnits;
    }

    /// <summary>Uncharges one pid from every non-root level (exit, attach away).</summary>
    public void Uncharge(int slot)
    {
        var nodes = _nodes;
        foreach (int level in _chains[slot]) nodes[level].PidsCurrent--;
        Digest -= nodes[slot].ChainUnits;
    }

    /// <summary>A task joins the group itself: its task count, then populated up while it flips (v2 events).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Join(int slot)
    {
        ref var n = ref _nodes[slot];
        Digest += n.TasksUnit;
        if (n.OwnTasks++ == 0 && n.PopulatedChildren == 0) PopulateUp(slot);
    }

    /// <summary>The group just became populated: flips from it up to the first level that was populated already.</summary>
    private void PopulateUp(int slot)
    {
        for (int level = slot; ; )
        {
            Flipped(level, populated: true);
            int parent = _nodes[level].Parent;
            if (parent < 0) return;
            ref var p = ref _nodes[parent];
            if (p.PopulatedChildren++ > 0 || p.OwnTasks > 0) return;
            level = parent;
        }
    }

    /// <summary>A task leaves the group itself: its task count, then unpopulated up while it flips (release checks, v2 events).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Leave(int slot)
    {
        ref var n = ref _nodes[slot];
        Digest -= n.TasksUnit;
        if (--n.OwnTasks == 0 && n.PopulatedChildren == 0) UnpopulateUp(slot);
    }

    /// <summary>The group just became empty: flips from it up to the first level that stays populated.</summary>
    private void UnpopulateUp(int slot)
    {
        for (int level = slot; ; )
        {
            Flipped(level, populated: false);
            int parent = _nodes[level].Parent;
            if (parent < 0) return;
            ref var p = ref _nodes[parent];
            if (--p.PopulatedChildren > 0 || p.OwnTasks > 0) return;
            level = parent;
        }
    }

    /// <summary>One level's populated state flipped: its digest term, the release check when it emptied, the v2 event on a non-root group.</summary>
    private void Flipped(int slot, bool populated)
    {
        Reshape(slot);
        if (!populated) CheckForRelease(slot);
        if (_layout == CgroupLayout.V2 && _nodes[slot].Parent >= 0) effects.Add(Effect.Populated(_nodes[slot].Id, populated));
    }

    /// <summary>cgroup1_check_for_release: notify_on_release, no task in the subtree and no live child.</summary>
    private void CheckForRelease(int slot)
    {
        ref var n = ref _nodes[slot];
        if (n.NotifyOnRelease && n.OwnTasks == 0 && n.PopulatedChildren == 0 && n.LiveChildren == 0) effects.Add(Effect.Release(n.Id));
    }

    /// <summary>pids_event: v2 counts max on the group over its limit and its non-root ancestors (events.local on it); v1 on the forking group.</summary>
    private void CountMaxEvent(int forking, int overLimit)
    {
        if (_layout == CgroupLayout.V1)
        {
            _nodes[forking].EventsMax++;
            Reshape(forking);
            return;
        }
        _nodes[overLimit].EventsLocalMax++;
        for (int level = overLimit; _nodes[level].Parent >= 0; level = _nodes[level].Parent)
        {
            _nodes[level].EventsMax++;
            Reshape(level);
        }
    }
}
