using Verify.Impl;
using Verify.Model;
using Verify.Model.Contract;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;
using static Verify.Properties.Support.Corrupt;

namespace Verify.Properties.Memcg;

/// <summary>
/// The impl's page-table stacks (S19) at their edges: a table at pfn 0 is freed at exit like any
/// other; a task that never touched a page exits, and is scored, from a task slot past the ones
/// the page-table arrays have seen (the 16 they start with all in use); the fuzz reach's "most
/// tables per task" reads every slot; and the self-check and PageTables() on hand-broken stacks
/// (a table owned by another task, a stack that cycles, a count off by one) report exactly what
/// is wrong, the cycle cut after more tables than the machine has pages, and PageTables() lists
/// no more tables than the machine has pages even when a stack links on past them. Expectations come from
/// KERNEL-FACTS.md (ceil(n / 512) tables, freed at exit) and the S19 messages.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class PageTableEdgeTests
{
    private const string S19 = StructureInvariant.PageTables;
    private const int MachinePages = 512;

    private static void AssertSameTables(ModelKernel model, ImplKernel impl)
    {
        Assert.Equal(model.TakeSnapshot().PageTables, impl.TakeSnapshot().PageTables);
        Assert.Empty(Violations(impl));
    }

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void ATableAtPfnZeroIsFreedAtExit(string side)
    {
        var k = SideBySide.Kernel(side, new MachineConfig(MachinePages, 1));
        var held = k.AllocPages(0); // pfn 0, held until the task's table can take it
        Assert.Equal(0, held.Value);
        long pid = k.TaskFork(InitPid).Value;
        Assert.True(k.FreePages(0, 0).IsOk);
        Assert.True(k.TaskTouchAnon(pid, 1).IsOk);
        Assert.Equal([new PageTableInfo(0, pid)], k.TakeSnapshot().PageTables);
        Assert.True(k.TaskExit(pid).IsOk);
        var after = k.TakeSnapshot();
        Assert.Empty(after.PageTables);
        Assert.DoesNotContain(after.Allocations, a => a.Kind == AllocationKind.PageTable);
        if (k is ImplKernel impl) Assert.Empty(Violations(impl));
    }

    /// <summary>
    /// Children 1 to 16 of init take task slots 1 to 16. Child 15 touches 513 pages (two tables),
    /// child 14 one page (one table), so the page-table arrays know slots 0 to 15, their initial
    /// 16; child 16 never touches a page: it scores 0 and exits from slot 16, past them.
    /// </summary>
    [Fact]
    public void ATaskPastTheSlotsTheTablesKnowScoresNothingAndExitsCleanly()
    {
        var machine = new MachineConfig(4096, 1);
        var (model, impl) = (new ModelKernel(machine), new ImplKernel(machine));
        var children = new List<long>();
        for (int i = 1; i <= 16; i++)
        {
            long child = impl.TaskFork(InitPid).Value;
            Assert.Equal(child, model.TaskFork(InitPid).Value);
            Assert.Equal(i, impl.Containers.TaskSlotOf(child));
            children.Add(child);
        }
        foreach (IKernel k in new IKernel[] { model, impl })
        {
            for (int done = 0; done < 513; done += 64) Assert.True(k.TaskTouchAnon(children[14], Math.Min(64, 513 - done)).IsOk);
            Assert.True(k.TaskTouchAnon(children[13], 1).IsOk);
        }
        AssertSameTables(model, impl);
        Assert.Equal(3, impl.TakeSnapshot().PageTables.Count);
        Assert.Equal(2, impl.Memcg.MostPageTablesPerTask());
        Assert.Equal((513L + 2, 1L + 1, 0L), (impl.Memcg.BadnessPages(15), impl.Memcg.BadnessPages(14), impl.Memcg.BadnessPages(16)));
        Assert.True(model.TaskExit(children[15]).IsOk);
        Assert.True(impl.TaskExit(children[15]).IsOk);
        AssertSameTables(model, impl);
        Assert.Equal(2, impl.Memcg.MostPageTablesPerTask());
    }

    /// <summary>
    /// A task in slot 1 with one resident page and its one table; init (pid 1) has no table. The
    /// kernel first ran a machine of twice the pages where init touched a page, so its per-pfn
    /// arrays reach past this machine's pages.
    /// </summary>
    private static (ImplKernel Impl, long Pid, int Slot, int Table) OneTable()
    {
        var impl = new ImplKernel(new MachineConfig(2 * MachinePages, 1));
        Must(impl.TaskTouchAnon(InitPid, 1));
        impl.Reset(new MachineConfig(MachinePages, 1));
        long pid = impl.TaskFork(InitPid).Value;
        Must(impl.TaskTouchAnon(pid, 1));
        int table = (int)impl.TakeSnapshot().PageTables.Single().Pfn;
        Assert.Empty(Violations(impl));
        return (impl, pid, impl.Containers.TaskSlotOf(pid), table);
    }

    [Fact]
    public void ATableOwnedByAnotherLiveTaskIsReported()
    {
        var (impl, _, slot, table) = OneTable();
        Get<long[]>(impl.Memcg, "_owner")[table] = InitPid;
        Assert.Contains($"{S19}: pfn {table} is on task slot {slot}'s page-table stack but is not a page table of its task", Violations(impl));
    }

    /// <summary>The stack's page is the task's and charged, but marked anonymous (kind 1), not a table.</summary>
    [Fact]
    public void APageOfAnotherKindOnAStackIsReported()
    {
        var (impl, _, slot, table) = OneTable();
        Get<byte[]>(impl.Memcg, "_kind")[table] = 1;
        Assert.Contains($"{S19}: pfn {table} is on task slot {slot}'s page-table stack but is not a page table of its task", Violations(impl));
    }

    [Fact]
    public void AStackThatCyclesIsCutAfterMoreTablesThanTheMachineHasPages()
    {
        var (impl, _, slot, table) = OneTable();
        Get<int[]>(impl.Memcg, "_next")[table] = table;
        var found = Violations(impl);
        Assert.Contains($"{S19}: task slot {slot} counts 1 page tables for 1 resident pages but its stack holds {MachinePages + 1}", found);
        Assert.Contains($"{S19}: 1 pages are marked as page tables but the stacks hold {MachinePages + 1}", found);
    }

    /// <summary>The stack is linked on through every other pfn of the arrays (past the machine's): more than the machine can hold.</summary>
    [Fact]
    public void PageTablesListsNoMoreTablesThanTheMachineHasPages()
    {
        var (impl, _, _, table) = OneTable();
        var next = Get<int[]>(impl.Memcg, "_next");
        Assert.True(next.Length > MachinePages + 1, $"setup: the per-pfn arrays hold {next.Length} entries");
        int last = table;
        for (int pfn = 0; pfn <= MachinePages; pfn++)
        {
            if (pfn == table) continue;
            next[last] = pfn;
            last = pfn;
        }
        next[last] = -1;
        Assert.Equal(MachinePages, impl.Memcg.PageTables().Count);
    }

    [Fact]
    public void ACountThatDisagreesWithItsStackIsReported()
    {
        var (impl, _, slot, _) = OneTable();
        Get<long[]>(impl.Memcg, "_tableCount")[slot]++;
        Assert.Equal([$"{S19}: task slot {slot} counts 2 page tables for 1 resident pages but its stack holds 1"], Violations(impl));
    }
}
