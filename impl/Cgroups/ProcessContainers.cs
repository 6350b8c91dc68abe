using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Impl.Cgroups;

/// <summary>
/// Process containers, optimized: the calls' checks and errnos in the model's order over the
/// impl structures: GroupTable (cgroups in slots, hierarchical pids and populated counters),
/// TaskTable (tasks in slots, pid lookup, intrusive task and children lists) and PidAllocator (the
/// pid cursor). Every call is O(1) plus O(depth) walks, except exit's O(children) and the
/// snapshots; fork and exit allocate nothing in steady state. Digest is O(1): the tables keep their
/// parts up to date, this class the current task's term. Reset reuses all storage.
/// </summary>
public sealed class ProcessContainers
{
    private readonly GroupTable _groups;
    private readonly TaskTable _tasks;
    private CgroupLayout _layout;
    private int _pidsHierarchy, _cpus;

    /// <summary>The pids hierarchy's index, for planted bugs (test code only).</summary>
    internal int PidsHierarchy => _pidsHierarchy;
    private long _currentTask = InitPid;
    private int _currentCpu;
    private ulong _currentTerm;

    public ProcessContainers(EffectLog effects)
    {
        _groups = new GroupTable(effects);
        _tasks = new TaskTable(_groups);
        Reset(MachineConfig.Default);
    }

    public void Reset(MachineConfig machine)
    {
        _layout = machine.Layout;
        _pidsHierarchy = _layout.PidsHierarchy();
        _cpus = machine.Cpus;
        _groups.Reset(_layout);
        _tasks.Reset(machine);
        SetCurrent(InitPid, 0);
    }

    public ulong Digest => _groups.Digest + _tasks.Digest + _currentTerm;

    public long CurrentTask => _currentTask;

    public int CurrentCpu => _currentCpu;

    public List<CgroupInfo> Cgroups() => _groups.Infos();

    public List<TaskInfo> Tasks() => _tasks.Infos();

    /// <summary>S8 (pids and populated counters), S9 (task and children lists), S10 (slots, lookups, pid bitmap, digest).</summary>
    public void CheckConsistency(SelfCheckReport report)
    {
        _groups.CheckConsistency(report);
        _tasks.CheckConsistency(report);
        if (_tasks.SlotOf(_currentTask) < 0) report.Fail(StructureInvariant.IdTables, $"the current task {_currentTask} is not live");
        if (_currentTerm != StateDigest.Current(_currentTask, _currentCpu)) report.Fail(StructureInvariant.IdTables, "the current task's digest term is stale");
    }

    public Outcome Fork(long pid)
    {
        int parent = _tasks.SlotOf(pid);
        if (parent < 0) return Outcome.Fail(Errno.ESRCH);
        int childPid = _tasks.NextPid();
        if (childPid < 0) return Outcome.Fail(Errno.EAGAIN);
        if (_groups.TryCharge(_tasks.GroupOf(parent, _pidsHierarchy)) >= 0) return Outcome.Fail(Errno.EAGAIN); // the cursor stays moved
        _tasks.Fork(parent, childPid);
        return Outcome.Ok(childPid);
    }

    public Outcome Exit(long pid)
    {
        int slot = _tasks.SlotOf(pid);
        if (slot < 0) return Outcome.Fail(Errno.ESRCH);
        if (slot == TaskTable.InitSlot) return Outcome.Fail(Errno.EINVAL);
        if (_currentTask == pid) SetCurrent(InitPid, _currentCpu);
        _tasks.Exit(slot);
        return Outcome.Ok(0);
    }

    public Outcome SetOomScoreAdj(long pid, int value)
    {
        int slot = _tasks.SlotOf(pid);
        if (slot < 0) return Outcome.Fail(Errno.ESRCH);
        if (value < KernelConstants.OomScoreAdjMin || value > KernelConstants.OomScoreAdjMax) return Outcome.Fail(Errno.EINVAL);
        _tasks.SetOomScoreAdj(slot, value);
        return Outcome.Ok(0);
    }

    public Outcome Exec(long pid)
    {
        int slot = _tasks.SlotOf(pid);
        if (slot < 0) return Outcome.Fail(Errno.ESRCH);
        _tasks.Exec(slot);
        return Outcome.Ok(0);
    }

    public Outcome Attach(long pid, long cgroupId)
    {
        int slot = _tasks.SlotOf(pid);
        if (slot < 0) return Outcome.Fail(Errno.ESRCH);
        int target = _groups.SlotOf(cgroupId);
        if (target < 0) return Outcome.Fail(Errno.ENOENT);
        if (_tasks.GroupOf(slot, _groups.HierarchyOf(target)) != target) _tasks.Attach(slot, target);
        return Outcome.Ok(0);
    }

    public Outcome Create(long parentId)
    {
        int parent = _groups.SlotOf(parentId);
        if (parent < 0) return Outcome.Fail(Errno.ENOENT);
        return Outcome.Ok(_groups.IdOf(_groups.Create(parent)));
    }

    public Outcome Remove(long cgroupId)
    {
        int slot = _groups.SlotOf(cgroupId);
        if (slot < 0) return Outcome.Fail(Errno.ENOENT);
        if (_groups.IsRoot(slot)) return Outcome.Fail(Errno.EINVAL);
        if (_groups.IsPopulated(slot) || _groups.HasLiveChildren(slot)) return Outcome.Fail(Errno.EBUSY);
        _groups.Remove(slot);
        return Outcome.Ok(0);
    }

    public Outcome SetPidsMax(long cgroupId, long max)
    {
        int slot = _groups.SlotOf(cgroupId);
        if (slot < 0 || !_groups.HasPidsFiles(slot)) return Outcome.Fail(Errno.ENOENT);
        if (max == PidsMaxWord) max = PidsMaxValue;
        else if (max < 0 || max > PidMaxLimit) return Outcome.Fail(Errno.EINVAL);
        _groups.SetPidsMax(slot, max);
        return Outcome.Ok(0);
    }

    public Outcome SetNotifyOnRelease(long cgroupId, bool on)
    {
        int slot = _groups.SlotOf(cgroupId);
        if (slot < 0) return Outcome.Fail(Errno.ENOENT);
        if (_layout != CgroupLayout.V1) return Outcome.Fail(Errno.EINVAL);
        _groups.SetNotifyOnRelease(slot, on);
        return Outcome.Ok(0);
    }

    public Outcome RunOn(long pid, int cpu)
    {
        if (_tasks.SlotOf(pid) < 0) return Outcome.Fail(Errno.ESRCH);
        if (cpu < 0 || cpu >= _cpus) return Outcome.Fail(Errno.EINVAL);
        SetCurrent(pid, cpu);
        return Outcome.Ok(0);
    }

    /// <summary>The task's group id in the memory hierarchy (0 on both layouts); -1 for no live task.</summary>
    public long MemoryGroupOf(long pid)
    {
        int slot = _tasks.SlotOf(pid);
        return slot < 0 ? -1 : _groups.IdOf(_tasks.GroupOf(slot, 0));
    }

    /// <summary>The task's slot (dense, reused after it exits); -1 for no live task.</summary>
    public int TaskSlotOf(long pid) => _tasks.SlotOf(pid);

    /// <summary>The hierarchy of a live group; -1 for no live group.</summary>
    public int HierarchyOfGroup(long cgroupId)
    {
        int slot = _groups.SlotOf(cgroupId);
        return slot < 0 ? -1 : _groups.HierarchyOf(slot);
    }

    /// <summary>The parent id of a live group (0 for a root); -1 for no live group.</summary>
    public long ParentIdOf(long cgroupId)
    {
        int slot = _groups.SlotOf(cgroupId);
        return slot < 0 ? -1 : _groups.IsRoot(slot) ? 0 : _groups.IdOf(_groups.ParentOf(slot));
    }

    /// <summary>The tables, for planted bugs that emulate a slip and for properties (test code only).</summary>
    internal GroupTable Groups => _groups;

    internal TaskTable TaskSlots => _tasks;

    private void SetCurrent(long pid, int cpu)
    {
        (_currentTask, _currentCpu) = (pid, cpu);
        _currentTerm = StateDigest.Current(pid, cpu);
    }
}
