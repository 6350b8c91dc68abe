using Verify.Model.Contract;

namespace Verify.Impl.Cgroups;

/// <summary>TaskTable's self-check (S9 and the tasks' part of S10), O(slots + pid words), no allocation when clean.</summary>
public sealed partial class TaskTable
{
    /// <summary>The name of hierarchy h's task lists in messages. A method, not a static table: a static initializer runs outside every test, so a mutation tool would count its strings as covered by all tests.</summary>
    private static string MemberListName(int hierarchy) => hierarchy == 0 ? "hierarchy 0: the tasks of cgroup slot" : "hierarchy 1: the tasks of cgroup slot";

    /// <summary>The structures, for planted bugs that emulate a slip and for properties (test code only).</summary>
    internal IntrusiveLists MembersOf(int hierarchy) => _members[hierarchy];

    internal IntrusiveLists Children => _children;

    internal PidAllocator Pids => _pids;

    internal SlotPool Pool => _pool;

    /// <summary>
    /// S9: per hierarchy, every live cgroup's task list is well linked, holds live tasks whose
    /// group it is and is as long as the cgroup's task count; no free cgroup slot has a list; every
    /// live task's children list likewise, each child naming its parent. S10: the slot pool, the pid
    /// bitmap, the pid table for every live task, init in slot 0, and Digest against a recomputation.
    /// </summary>
    public void CheckConsistency(SelfCheckReport report)
    {
        const string S9 = StructureInvariant.TaskLists, S10 = StructureInvariant.IdTables;
        _pool.CheckConsistency(report, S10, "task slots");
        _pids.CheckConsistency(report, S10);
        int slots = _pool.HighWater;
        if (!_pool.IsLive(InitSlot) || _nodes[InitSlot].Pid != KernelConstants.InitPid || _nodes[InitSlot].Parent != -1)
            report.Fail(S10, $"slot {InitSlot} does not hold init (pid {_nodes[InitSlot].Pid}, parent slot {_nodes[InitSlot].Parent})");
        if (_pids.UsedCount != _pool.LiveCount) report.Fail(S10, $"{_pids.UsedCount} pids are in use but {_pool.LiveCount} task slots are live");
        ulong digest = 0;
        int childrenLinked = 0;
        for (int slot = 0; slot < slots && !report.IsFull; slot++)
        {
            ref var task = ref _nodes[slot];
            if (!_pool.IsLive(slot))
            {
                for (int h = 0; h < _hierarchies; h++)
                    if (_members[h].Owner(slot) != -1) report.Fail(S9, $"free task slot {slot} is on the task list of cgroup slot {_members[h].Owner(slot)} (hierarchy {h})");
                if (_children.Owner(slot) != -1 || !_children.IsEmpty(slot)) report.Fail(S9, $"free task slot {slot} is on a children list or has one");
                continue;
            }
            if (!_pids.IsUsed(task.Pid) || _slotOfPid[task.Pid] != slot)
                report.Fail(S10, $"task slot {slot} holds pid {task.Pid}, which is {(_pids.IsUsed(task.Pid) ? "" : "not ")}marked used and looks up slot {(_pids.IsUsed(task.Pid) ? _slotOfPid[task.Pid] : -1)}");
            for (int h = 0; h < _hierarchies; h++)
            {
                int group = GroupOf(slot, h);
                if (!_groups.IsLive(group) || _groups.HierarchyOf(group) != h || _members[h].Owner(slot) != group)
                    report.Fail(S9, $"task {task.Pid} is in cgroup slot {group} of hierarchy {h} but on the list of cgroup slot {_members[h].Owner(slot)}");
            }
            if (_children.Owner(slot) != task.Parent || (task.Parent >= 0 && !_pool.IsLive(task.Parent)) || (task.Parent < 0) != (slot == InitSlot))
                report.Fail(S9, $"task {task.Pid} has parent slot {task.Parent} but is on the children list of slot {_children.Owner(slot)}");
            int children = _children.CheckList(report, S9, "the children of task slot", slot, slots);
            if (children > 0) childrenLinked += children;
            ulong term = StateDigest.Task(task.Pid, task.Parent < 0 ? 0 : _nodes[task.Parent].Pid, _groups.IdOf(task.Group0),
                _hierarchies > 1 ? _groups.IdOf(task.Group1) : 0, task.Execs, task.OomScoreAdj);
            if (term != task.Term) report.Fail(S10, $"task {task.Pid}: its digest term is stale");
            digest += term;
        }
        if (!report.IsFull && childrenLinked != _pool.LiveCount - 1)
            report.Fail(S9, $"the children lists link {childrenLinked} tasks but {_pool.LiveCount - 1} live tasks have a parent");
        for (int h = 0; h < _hierarchies && !report.IsFull; h++)
        {
            int linked = 0;
            for (int group = 0; group < Math.Max(_groupSlotsSeen, _groups.SlotCount) && !report.IsFull; group++)
            {
                bool live = _groups.IsLive(group) && _groups.HierarchyOf(group) == h; // IsLive is false past the slots handed out
                if (group >= _groupSlotsSeen)
                {
                    if (live && _groups.OwnTasks(group) != 0) report.Fail(S9, $"cgroup {_groups.IdOf(group)} counts {_groups.OwnTasks(group)} tasks but no task ever joined its slot");
                    continue;
                }
                if (!live)
                {
                    if (!_members[h].IsEmpty(group)) report.Fail(S9, $"cgroup slot {group} is not a live group of hierarchy {h} but has a task list");
                    continue;
                }
                int length = _members[h].CheckList(report, S9, MemberListName(h), group, slots);
                if (length >= 0 && length != _groups.OwnTasks(group))
                    report.Fail(S9, $"cgroup {_groups.IdOf(group)}'s task list holds {length} tasks but it counts {_groups.OwnTasks(group)}");
                if (length > 0) linked += length;
            }
            if (!report.IsFull && linked != _pool.LiveCount) report.Fail(S9, $"the task lists of hierarchy {h} link {linked} tasks but {_pool.LiveCount} are live");
        }
        if (!report.IsFull && digest != Digest) report.Fail(S10, $"the tasks' digest is 0x{Digest:x16} but a recomputation gives 0x{digest:x16}");
    }
}
