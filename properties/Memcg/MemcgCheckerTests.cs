using Verify.Properties.Support;
using Verify.Fuzz.Harness;
using Verify.Model;
using Verify.Model.Alphabet;
using Verify.Model.Contract;

namespace Verify.Properties.Memcg;

/// <summary>The per-step memcg checker fires on the states it must reject (the sides never produce them, so only hand-made steps show it can fail).</summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class MemcgCheckerTests
{
    private static List<string> Check(Snapshot before, Snapshot after, Op op, Handle task, Outcome outcome)
    {
        var args = new OpArgs();
        args.SetRef(0, task);
        args.SetInt(1, op.A1);
        var found = new List<string>();
        MemcgInvariants.CheckStep(before, after, op, args, outcome, (invariant, _) => found.Add(invariant));
        return found;
    }

    [Fact]
    public void AnEnomemWithRoomBelowLimitsThatFitTheMachineBreaksDosFreedom()
    {
        var k = new ModelKernel(new MachineConfig(32, 1));
        long group = k.CgroupCreate(1).Value;
        Assert.True(k.CgroupSetLimit(group, MemcgCounter.Memory, 8).IsOk);
        long pid = k.TaskFork(KernelConstants.InitPid).Value;
        Assert.True(k.TaskAttach(pid, group).IsOk);
        var snapshot = k.TakeSnapshot();
        var touch = Op.Of("task_touch_anon", 1, 1);
        var handle = new Handle(HandleKind.Task, pid, 0, 0);
        // 8 pages of limit and the child's task_struct slab and stack (12 pages, charged to the root) fit in 32 pages: an ENOMEM here is another group's doing.
        Assert.Contains(Invariant.IsolationDosFreedom, Check(snapshot, snapshot, touch, handle, Outcome.Fail(Errno.ENOMEM)));
        Assert.DoesNotContain(Invariant.IsolationDosFreedom, Check(snapshot, snapshot, touch, handle, Outcome.Ok(1)));

        // Without a limit the premise does not hold: the group may take the whole machine itself.
        Assert.True(k.CgroupSetLimit(group, MemcgCounter.Memory, KernelConstants.LimitMaxWord).IsOk);
        var unlimited = k.TakeSnapshot();
        Assert.DoesNotContain(Invariant.IsolationDosFreedom, Check(unlimited, unlimited, touch, handle, Outcome.Fail(Errno.ENOMEM)));
    }

    [Fact]
    public void AChargeThatSucceedsAboveMaxBreaksTheLimitInvariant()
    {
        var k = new ModelKernel(new MachineConfig(16, 1));
        long group = k.CgroupCreate(1).Value;
        long pid = k.TaskFork(KernelConstants.InitPid).Value;
        Assert.True(k.TaskAttach(pid, group).IsOk);
        Assert.True(k.TaskTouchAnon(pid, 3).IsOk);
        Assert.True(k.TaskSetOomScoreAdj(pid, KernelConstants.OomScoreAdjMin).IsOk); // nothing for the OOM killer
        Assert.True(k.CgroupSetLimit(group, MemcgCounter.Memory, 2).IsOk); // v2: accepted, usage stays 3
        var snapshot = k.TakeSnapshot();
        var handle = new Handle(HandleKind.Task, pid, 0, 0);
        Assert.Contains(Invariant.LimitsMemoryAfterCharge, Check(snapshot, snapshot, Op.Of("task_touch_anon", 1, 1), handle, Outcome.Ok(1)));
    }

    /// <summary>A v1 group with a kernel object charged by init (the current task), and its snapshot.</summary>
    private static (ModelKernel Kernel, long Group, Snapshot Snapshot) KernelObjectInGroup()
    {
        var k = new ModelKernel(new MachineConfig(64, 1, CgroupLayout.V1));
        long group = k.CgroupCreate(1).Value;
        Assert.True(k.TaskAttach(KernelConstants.InitPid, group).IsOk);
        Assert.True(k.Kmalloc(100, Verify.Model.Slab.KmallocFlags.Account).IsOk);
        return (k, group, k.TakeSnapshot());
    }

    private static List<string> CheckSnapshot(Snapshot snapshot)
    {
        var found = new List<string>();
        MemcgInvariants.Check(snapshot, (invariant, _) => found.Add(invariant));
        return found;
    }

    [Fact]
    public void AKernelChargeListedTwiceOrOnNothingBreaksNoDoubleCharge()
    {
        var (_, _, snapshot) = KernelObjectInGroup();
        Assert.Empty(CheckSnapshot(snapshot));
        var charge = Assert.Single(snapshot.KernelCharges);
        var twice = Rebuilt(snapshot, [charge, charge]);
        Assert.Contains(Invariant.NoDoubleChargeKernel, CheckSnapshot(twice));
        var onNothing = Rebuilt(snapshot, [charge with { Key = charge.Key + 4096 }]);
        Assert.Contains(Invariant.NoDoubleChargeKernel, CheckSnapshot(onNothing));
        // A group's kernel stat that the charges do not explain.
        var group = snapshot.Memory[0];
        var wrongStat = Rebuilt(snapshot, snapshot.KernelCharges, [group with { Kernel = group.Kernel + 1, Current = group.Current + 1 }]);
        Assert.Contains(Invariant.NoDoubleChargeUsage, CheckSnapshot(wrongStat));
    }

    [Fact]
    public void AChargedObjectOfACacheWithAccountingOffBreaksChargesFollowAccounting()
    {
        var k = new ModelKernel(new MachineConfig(64, 1));
        long group = k.CgroupCreate(1).Value;
        Assert.True(k.TaskAttach(KernelConstants.InitPid, group).IsOk);
        long cache = k.CacheCreate(64, 0, Verify.Model.Slab.SlabFlags.Account).Value;
        Assert.True(k.CacheAlloc(cache).IsOk);
        var snapshot = k.TakeSnapshot();
        Assert.Empty(CheckSnapshot(snapshot));
        var switchedOff = new Snapshot
        {
            Machine = snapshot.Machine, BuddyInfo = snapshot.BuddyInfo, FreeBlocks = snapshot.FreeBlocks, Allocations = snapshot.Allocations,
            SlabCaches = snapshot.SlabCaches.Select(c => c.Id == cache ? c with { Accounted = false } : c).ToList(), SlabObjects = snapshot.SlabObjects,
            Cgroups = snapshot.Cgroups, Tasks = snapshot.Tasks, Memory = snapshot.Memory, KernelCharges = snapshot.KernelCharges, CurrentTask = snapshot.CurrentTask,
        };
        Assert.Contains(Invariant.UnaccountingChargesFollowAccounting, CheckSnapshot(switchedOff));
    }

    [Fact]
    public void AKernelChargeThatSucceedsAboveTheKmemLimitBreaksTheKmemInvariant()
    {
        var (k, group, before) = KernelObjectInGroup();
        var after = Rebuilt(before, before.KernelCharges, before.Memory.Select(m => m with { KmemMax = 0 }).ToList());
        var kmalloc = Op.Of("kmalloc", 100, 1);
        var args = new OpArgs();
        var found = new List<string>();
        MemcgInvariants.CheckStep(before, after, kmalloc, args, Outcome.Ok(0), (invariant, _) => found.Add(invariant));
        Assert.Contains(Invariant.LimitsKmemAfterCharge, found);
        found.Clear();
        MemcgInvariants.CheckStep(before, before, kmalloc, args, Outcome.Ok(0), (invariant, _) => found.Add(invariant));
        Assert.Empty(found);
    }

    private static Snapshot Rebuilt(Snapshot s, IReadOnlyList<KernelChargeInfo> charges, IReadOnlyList<CgroupMemoryInfo>? memory = null, IReadOnlyList<PageTableInfo>? pageTables = null) => new()
    {
        Machine = s.Machine, BuddyInfo = s.BuddyInfo, FreeBlocks = s.FreeBlocks, Allocations = s.Allocations, SlabCaches = s.SlabCaches, Slabs = s.Slabs,
        SlabObjects = s.SlabObjects, LargeKmallocs = s.LargeKmallocs, Cgroups = s.Cgroups, Tasks = s.Tasks, Memory = memory ?? s.Memory,
        UserPages = s.UserPages, Sockets = s.Sockets, DyingMemcgs = s.DyingMemcgs, KernelCharges = charges, CurrentTask = s.CurrentTask, CurrentCpu = s.CurrentCpu,
        PageTables = pageTables ?? s.PageTables,
    };

    [Fact]
    public void AMissingExtraOrStrayPageTableBreaksThePageTableInvariant()
    {
        var k = new ModelKernel(new MachineConfig(64, 1));
        long group = k.CgroupCreate(1).Value;
        long pid = k.TaskFork(KernelConstants.InitPid).Value;
        Assert.True(k.TaskAttach(pid, group).IsOk);
        Assert.True(k.TaskTouchAnon(pid, 2).IsOk);
        var snapshot = k.TakeSnapshot();
        Assert.Empty(CheckSnapshot(snapshot));
        var table = snapshot.PageTables.Single();
        // The task's one table gone (its allocation and charge stay), a second one for 2 pages, a table of a task that is not live.
        Assert.Contains(Invariant.ConservationPageTables, CheckSnapshot(Rebuilt(snapshot, snapshot.KernelCharges, pageTables: [])));
        Assert.Contains(Invariant.ConservationPageTables, CheckSnapshot(Rebuilt(snapshot, snapshot.KernelCharges, pageTables: [table, table with { Pfn = table.Pfn + 1 }])));
        Assert.Contains(Invariant.ConservationPageTables, CheckSnapshot(Rebuilt(snapshot, snapshot.KernelCharges, pageTables: [table with { OwnerPid = 99 }])));
    }

    [Fact]
    public void ARawCounterAboveMaxOrAPeakThatFallsBreaksTheRawCounterInvariant()
    {
        var (_, _, before) = KernelObjectInGroup();
        var op = Op.Of("task_touch_anon", 1, 1);
        var args = new OpArgs();
        var found = new List<string>();
        MemcgInvariants.CheckStep(before, before, op, args, Outcome.Ok(1), (invariant, _) => found.Add(invariant));
        Assert.DoesNotContain(Invariant.LimitsRawCounters, found);
        var w = before.Watermarks[0];
        var fallen = new Snapshot
        {
            Machine = before.Machine, BuddyInfo = before.BuddyInfo, FreeBlocks = before.FreeBlocks, Allocations = before.Allocations, Cgroups = before.Cgroups,
            Tasks = before.Tasks, Memory = before.Memory.Select(m => m with { Max = m.Current }).ToList(), CurrentTask = before.CurrentTask,
            Watermarks = [w with { Peak = w.Peak - 1, RawCurrent = w.RawCurrent + 1 }],
        };
        found.Clear();
        MemcgInvariants.CheckStep(before, fallen, op, args, Outcome.Ok(1), (invariant, message) => found.Add(message));
        Assert.Equal(2, found.Count);
    }

    [Fact]
    public void ARemovalThatChangesAnAncestorsUsageBreaksReparentingConservation()
    {
        var k = new ModelKernel(new MachineConfig(64, 1));
        long parent = k.CgroupCreate(1).Value;
        long child = k.CgroupCreate(parent).Value;
        Assert.True(k.TaskAttach(KernelConstants.InitPid, child).IsOk);
        Assert.True(k.Kmalloc(100, Verify.Model.Slab.KmallocFlags.Account).IsOk);
        Assert.True(k.TaskAttach(KernelConstants.InitPid, 1).IsOk);
        var before = k.TakeSnapshot();
        var remove = Op.Of("cgroup_remove", 2);
        Assert.True(k.CgroupRemove(child).IsOk);
        var after = k.TakeSnapshot();
        var found = new List<string>();
        MemcgInvariants.CheckStep(before, after, remove, new OpArgs(), Outcome.Ok(0), (invariant, _) => found.Add(invariant));
        Assert.DoesNotContain(Invariant.ConservationReparenting, found);
        var lost = Rebuilt(after, after.KernelCharges, after.Memory.Select(m => m with { Current = m.Current - 1, Kernel = m.Kernel - 1 }).ToList());
        MemcgInvariants.CheckStep(before, lost, remove, new OpArgs(), Outcome.Ok(0), (invariant, _) => found.Add(invariant));
        Assert.Contains(Invariant.ConservationReparenting, found);
    }
}
