using Verify.Impl;
using Verify.Impl.Cgroups;
using Verify.Model.Contract;
using Verify.Properties.Support;
using static Verify.Properties.Support.Corrupt;

namespace Verify.Properties.Corruption;

/// <summary>
/// S8, S9 and S10 see each fact they guard break: every row builds the same small v1 machine, breaks
/// one fact of the process containers' private state and asserts the self-check names it. A row
/// that passes with the corruption left out would mean the check never looks (each is checked clean
/// first).
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class CgroupCorruptionTests
{
    private const string S8 = StructureInvariant.PidsCounters, S9 = StructureInvariant.TaskLists, S10 = StructureInvariant.IdTables;

    /// <summary>The machine: in the memory hierarchy (root 1) group A; in the pids hierarchy (root 2) B and its child C; task T1 in A and C with child T2, T3 forked and exited, group D removed.</summary>
    private sealed class Machine
    {
        public readonly ImplKernel Impl;
        public readonly long A, B, C, T1, T2;
        public readonly int FreeTaskSlot, RemovedGroupSlot;

        /// <param name="cpus">33 gives a pid bitmap of 528 words, whose summary's last word is partly beyond them.</param>
        public Machine(int cpus = 2)
        {
            Impl = new(new MachineConfig(256, cpus, CgroupLayout.V1));
            A = Impl.CgroupCreate(1).Value;
            B = Impl.CgroupCreate(2).Value;
            C = Impl.CgroupCreate(B).Value;
            long d = Impl.CgroupCreate(A).Value;
            T1 = Impl.TaskFork(KernelConstants.InitPid).Value;
            Must(Impl.TaskAttach(T1, A));
            Must(Impl.TaskAttach(T1, C));
            T2 = Impl.TaskFork(T1).Value;
            long t3 = Impl.TaskFork(T1).Value;
            Must(Impl.TaskAttach(t3, d));
            FreeTaskSlot = Tasks.SlotOf(t3);
            Must(Impl.TaskExit(t3));
            RemovedGroupSlot = Groups.SlotOf(d);
            Must(Impl.CgroupRemove(d));
            Assert.Empty(Violations(Impl));
        }

        public GroupTable Groups => Impl.Containers.Groups;

        public TaskTable Tasks => Impl.Containers.TaskSlots;

        public int Slot(long groupId) => Groups.SlotOf(groupId);

        public int TaskSlot(long pid) => Tasks.SlotOf(pid);

        public IntrusiveLists Members(int hierarchy) => Tasks.MembersOf(hierarchy);
    }

    /// <summary>The one case that runs on 33 CPUs (see Machine).</summary>
    private const string PartialSummaryCase = "pid summary bit beyond the words";

    private static readonly Dictionary<string, (Action<Machine> Break, string Invariant, string Fragment)> Cases = new()
    {
        // TaskTable (S9, S10)
        ["init moved"] = (m => SetInElement(m.Tasks, "_nodes", 0, "Parent", 1), S10, "does not hold init"),
        ["pid count off"] = (m => SetProperty(m.Tasks.Pids, "UsedCount", m.Tasks.Pids.UsedCount + 1), S10, "pids are in use but"),
        ["free task on a group list"] = (m => SetElement(m.Members(0), "_owner", m.FreeTaskSlot, m.Slot(m.A)), S9, "is on the task list of cgroup slot"),
        ["free task on a children list"] = (m => SetElement(m.Tasks.Children, "_owner", m.FreeTaskSlot, 0), S9, "is on a children list or has one"),
        // Init has pid 1 in slot 0, T1 pid 2 in slot 1, T2 pid 3 in slot 2 (pids and slots are handed out in order)
        ["pid looks up another slot"] = (m => SetElement(m.Tasks, "_slotOfPid", (int)m.T2, m.TaskSlot(m.T1)), S10, "task slot 2 holds pid 3, which is marked used and looks up slot 1"),
        ["pid of a live task not marked used"] = (m => m.Tasks.Pids.Release((int)m.T2), S10, "task slot 2 holds pid 3, which is not marked used and looks up slot -1"),
        ["task in a group it is not listed in"] = (m => SetInElement(m.Tasks, "_nodes", m.TaskSlot(m.T2), "Group0", 0), S9, "but on the list of cgroup slot"),
        ["task names another parent"] = (m => SetInElement(m.Tasks, "_nodes", m.TaskSlot(m.T2), "Parent", 0), S9, "but is on the children list of slot"),
        ["task term stale"] = (m => SetInElement(m.Tasks, "_nodes", m.TaskSlot(m.T2), "Term", 1UL), S10, "its digest term is stale"),
        // One disjunct of a compound condition each, the others kept true to the fact
        ["init holds another pid"] = (m => SetInElement(m.Tasks, "_nodes", 0, "Pid", 7), S10, "slot 0 does not hold init (pid 7, parent slot -1)"),
        ["init slot not live"] = (m => SetElement(m.Tasks.Pool, "_live", 0, false), S10, "slot 0 does not hold init (pid 1, parent slot -1)"),
        ["free task slot heads a children list"] = (m => SetElement(m.Tasks.Children, "_head", m.FreeTaskSlot, m.TaskSlot(m.T2)), S9, "free task slot 3 is on a children list or has one"),
        ["task in a removed group it is listed in"] = (m => // T2 (slot 2) moved to removed D's slot 5, its list entry naming slot 5 too
        {
            SetInElement(m.Tasks, "_nodes", m.TaskSlot(m.T2), "Group0", m.RemovedGroupSlot);
            SetElement(m.Members(0), "_owner", m.TaskSlot(m.T2), m.RemovedGroupSlot);
        }, S9, "task 3 is in cgroup slot 5 of hierarchy 0 but on the list of cgroup slot 5"),
        ["task in a group of the other hierarchy it is listed in"] = (m => // T2's memory group set to B (slot 3, pids hierarchy)
        {
            SetInElement(m.Tasks, "_nodes", m.TaskSlot(m.T2), "Group0", m.Slot(m.B));
            SetElement(m.Members(0), "_owner", m.TaskSlot(m.T2), m.Slot(m.B));
        }, S9, "task 3 is in cgroup slot 3 of hierarchy 0 but on the list of cgroup slot 3"),
        ["task's parent slot free"] = (m => // T2 names free slot 3 as parent and its children-list entry agrees
        {
            SetInElement(m.Tasks, "_nodes", m.TaskSlot(m.T2), "Parent", m.FreeTaskSlot);
            SetElement(m.Tasks.Children, "_owner", m.TaskSlot(m.T2), m.FreeTaskSlot);
        }, S9, "task 3 has parent slot 3 but is on the children list of slot 3"),
        ["task other than init without a parent"] = (m =>
        {
            SetInElement(m.Tasks, "_nodes", m.TaskSlot(m.T2), "Parent", -1);
            SetElement(m.Tasks.Children, "_owner", m.TaskSlot(m.T2), -1);
        }, S9, "task 3 has parent slot -1 but is on the children list of slot -1"),
        ["task lists link fewer tasks than live"] = (m => // A's list drops its head and A counts one task less: the list matches its count, the total does not
        {
            var members = m.Members(0);
            int a = m.Slot(m.A), head = Corrupt.Get<int[]>(members, "_head")[a], next = Corrupt.Get<int[]>(members, "_next")[head];
            SetElement(members, "_head", a, next);
            if (next >= 0) SetElement(members, "_prev", next, -1);
            m.Groups.OwnTasksOf(a)--;
        }, S9, "the task lists of hierarchy 0 link 2 tasks but 3 are live"),
        ["tasks digest stale"] = (m => SetProperty(m.Tasks, "Digest", m.Tasks.Digest + 1), S10, "the tasks' digest is"),
        ["removed group keeps a list"] = (m => SetElement(m.Members(0), "_head", m.RemovedGroupSlot, m.TaskSlot(m.T1)), S9, "is not a live group of hierarchy"),
        ["group counts one task too many"] = (m => m.Groups.OwnTasksOf(m.Slot(m.A))++, S9, "'s task list holds"),
        ["group never joined counts a task"] = (m =>
        {
            m.Impl.CgroupCreate(m.B); // takes the removed group's slot
            long fresh = m.Impl.CgroupCreate(m.B).Value;
            m.Groups.OwnTasksOf(m.Slot(fresh))++;
        }, S9, "but no task ever joined its slot"),
        ["children list loses a child"] = (m =>
        {
            int t2 = m.TaskSlot(m.T2), t1 = m.TaskSlot(m.T1);
            SetElement(m.Tasks.Children, "_head", t1, Corrupt.Get<int[]>(m.Tasks.Children, "_next")[t2]);
            SetElement(m.Tasks.Children, "_prev", Corrupt.Get<int[]>(m.Tasks.Children, "_next")[t2] is var n && n >= 0 ? n : t2, -1);
        }, S9, "the children lists link"),
        ["current task dead"] = (m => Set(m.Impl.Containers, "_currentTask", 999L), S10, "the current task 999 is not live"),
        ["current task term stale"] = (m => Set(m.Impl.Containers, "_currentTerm", 1UL), S10, "the current task's digest term is stale"),
        // IntrusiveLists.CheckList
        ["list member names another owner"] = (m => SetElement(m.Members(0), "_owner", m.TaskSlot(m.T1), 0), S9, "hierarchy 0: the tasks of cgroup slot … on its list names owner"),
        ["list links back wrongly"] = (m => SetElement(m.Members(1), "_prev", m.TaskSlot(m.T1), 5), S9, "hierarchy 1: the tasks of cgroup slot … links back to 5"),
        ["list runs past its members"] = (m => SetElement(m.Members(1), "_next", m.TaskSlot(m.T1), 999), S9, "the list reaches 999, past its"),
        // SlotPool and PidAllocator (S10)
        ["free slot also live"] = (m => SetElement(m.Tasks.Pool, "_live", m.FreeTaskSlot, true), S10, "is live but on the free list"),
        ["free list entry outside"] = (m => SetElement(m.Tasks.Pool, "_free", 0, 999), S10, "outside 0.."),
        ["free list entry twice"] = (m =>
        {
            m.Impl.TaskExit(m.T2);
            var free = Corrupt.Get<int[]>(m.Tasks.Pool, "_free");
            free[1] = free[0];
        }, S10, "is on the free list twice"),
        ["slot neither live nor free"] = (m => SetElement(m.Tasks.Pool, "_live", m.TaskSlot(m.T2), false), S10, "is neither live nor on the free list"),
        ["pid summary bit set"] = (m => Corrupt.Get<ulong[]>(m.Tasks.Pids, "_full")[0] |= 1, S10, "summary bit 0 is set"),
        [PartialSummaryCase] = (m => Corrupt.Get<ulong[]>(m.Tasks.Pids, "_full")[528 >> 6] |= 1UL << 63, S10, "summary bits beyond its 528 words"),
        ["pid cursor outside"] = (m => SetProperty(m.Tasks.Pids, "Cursor", 0), S10, "pid cursor 0 is outside"),
        // GroupTable (S8, S10)
        ["root in the wrong slot"] = (m => SetInElement(m.Groups, "_nodes", 0, "Hierarchy", 1), S10, "has no parent but is not the root"),
        ["parent younger"] = (m => SetInElement(m.Groups, "_nodes", m.Slot(m.B), "Parent", m.Slot(m.C)), S10, "is not a live older group"),
        ["group its own parent"] = (m => SetInElement(m.Groups, "_nodes", m.Slot(m.C), "Parent", m.Slot(m.C)), S10, "cgroup 5's parent slot 4 (id 5) is not a live older group of hierarchy 1"), // C is in slot 4
        ["root under another id"] = (m => // the memory root (slot 0) takes removed D's id 6, in its node and in the id table: right slot, wrong id
        {
            SetInElement(m.Groups, "_nodes", 0, "Id", 6L);
            SetElement(m.Groups, "_slotOfId", 6, 0);
        }, S10, "cgroup 6 in slot 0 has no parent but is not the root of hierarchy 0"),
        ["id table loses a group"] = (m => SetElement(m.Groups, "_slotOfId", (int)m.C, -1), S10, "the id table finds"),
        ["pids.current off"] = (m => m.Groups.PidsCurrentOf(m.Slot(m.C))++, S8, "pids.current is"),
        ["populated children off"] = (m => m.Groups.PopulatedChildrenOf(m.Slot(m.B))++, S8, "populated children, a recount"),
        ["live children off"] = (m => SetInElement(m.Groups, "_nodes", m.Slot(m.B), "LiveChildren", 5), S8, "live children, a recount"),
        ["own tasks negative"] = (m => m.Groups.OwnTasksOf(m.Slot(m.B)) = -1, S8, "counts -1 tasks"),
        ["chain missing"] = (m => SetElement(m.Groups, "_chains", m.Slot(m.C), null), S8, "its chain []"),
        ["chain of another group"] = (m => SetElement(m.Groups, "_chains", m.Slot(m.C), m.Groups.ChainOf(m.Slot(m.B))), S8, "its chain [3] or"), // B is in slot 3
        ["task slot live but free"] = (m => SetElement(Corrupt.Get<SlotPool>(m.Tasks, "_pool"), "_live", m.FreeTaskSlot, true), S10, "task slots: slot 3 is live but on the free list"),
        ["group slot live but free"] = (m => SetElement(Corrupt.Get<SlotPool>(m.Groups, "_pool"), "_live", m.RemovedGroupSlot, true), S10, "cgroup slots: slot 5 is live but on the free list"),
        ["chain unit sum off"] = (m => SetInElement(m.Groups, "_nodes", m.Slot(m.C), "ChainUnits", 7UL), S8, "or its unit sum"),
        ["path missing"] = (m => SetElement(m.Groups, "_paths", m.Slot(m.A), null), S10, "has no path"),
        ["group shape stale"] = (m => SetInElement(m.Groups, "_nodes", m.Slot(m.A), "Shape", 1UL), S10, "its digest term is stale"),
        ["groups digest stale"] = (m => SetProperty(m.Groups, "Digest", m.Groups.Digest + 1), S10, "the cgroups' digest is"),
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    /// <summary>T1's children list runs past its members: the list is named with its owner and member, and its broken length is not counted, so the children recount says exactly how many are linked (init's T1 alone) against the live tasks with a parent.</summary>
    [Fact]
    public void ABrokenChildrenListIsNamedAndLeftOutOfTheRecount()
    {
        var m = new Machine();
        int t1 = m.TaskSlot(m.T1), t2 = m.TaskSlot(m.T2);
        SetElement(m.Tasks.Children, "_next", t2, 999);
        var found = Violations(m.Impl);
        Assert.Contains($"{S9}: the children of task slot {t1}: after member {t2} the list reaches 999, past its {m.Tasks.Pool.HighWater} members or in a cycle", found);
        Assert.Contains($"{S9}: the children lists link 1 tasks but 2 live tasks have a parent", found);
    }

    /// <summary>B has no task of its own: counting one against its empty list is reported with both numbers (an empty list is a length like any other).</summary>
    [Fact]
    public void AnEmptyTaskListCountingATaskIsReported()
    {
        var m = new Machine();
        m.Groups.OwnTasksOf(m.Slot(m.B))++;
        Assert.Contains($"{S9}: cgroup {m.B}'s task list holds 0 tasks but it counts 1", Violations(m.Impl));
    }

    /// <summary>Init's slot marked free: its child T1 (slot 1) now names a parent slot that is not live, and is reported for it (slot 0 is a slot like any other).</summary>
    [Fact]
    public void AChildOfAFreedInitSlotIsReported()
    {
        var m = new Machine();
        SetElement(m.Tasks.Pool, "_live", 0, false);
        Assert.Contains($"{S9}: task {m.T1} has parent slot 0 but is on the children list of slot 0", Violations(m.Impl));
    }

    /// <summary>A live group no task ever joined, counting a task: the task lists' check (S9) reports it once, by the never-joined check alone (the group counters' S8 and S10 report it too) (its slot has no list to compare, so the task-list check must not run on it too).</summary>
    [Fact]
    public void ANeverJoinedGroupCountingATaskIsReportedOnce()
    {
        var m = new Machine();
        m.Impl.CgroupCreate(m.B); // takes the removed group's slot
        long fresh = m.Impl.CgroupCreate(m.B).Value;
        m.Groups.OwnTasksOf(m.Slot(fresh))++;
        Assert.Equal($"{S9}: cgroup {fresh} counts 1 tasks but no task ever joined its slot", Assert.Single(Violations(m.Impl), v => v.StartsWith(S9, StringComparison.Ordinal)));
    }

    [Fact]
    public void ARejectedParentLinkIsNotFollowedIntoTheRecount()
    {
        // B names its own child C as parent: the check reports B and does not count B
        // (and the tasks under it) as C's child, so C's own counters still match their recount.
        var m = new Machine();
        SetInElement(m.Groups, "_nodes", m.Slot(m.B), "Parent", m.Slot(m.C));
        var found = Violations(m.Impl);
        Assert.Contains(found, v => v.StartsWith($"{S10}: cgroup {m.B}'s parent slot {m.Slot(m.C)} (id {m.C}) is not a live older group", StringComparison.Ordinal));
        Assert.DoesNotContain(found, v => v.Contains($"cgroup {m.C}: counts", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void TheSelfCheckNamesTheBrokenFact(string name)
    {
        var machine = new Machine(name == PartialSummaryCase ? 33 : 2);
        AssertRow(Cases[name], machine, machine.Impl);
    }
}
