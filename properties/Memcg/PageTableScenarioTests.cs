using Verify.Properties.Support;
using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;
using static Verify.Properties.Memcg.SelftestPortTests;

namespace Verify.Properties.Memcg;

/// <summary>
/// Page tables on model and impl, with values worked out by hand from KERNEL-FACTS.md: a task with
/// n anonymous pages holds ceil(n / 512) page-table pages, charged to its group as kernel memory
/// (memory.stat pagetables, kernel, current), trimmed by unmap, freed by exit, counted in OOM
/// badness, refused by free_pages.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class PageTableScenarioTests
{
    private static void Touch(IKernel k, long pid, long pages)
    {
        for (long done = 0; done < pages; done += 64) Assert.True(k.TaskTouchAnon(pid, (int)Math.Min(64, pages - done)).IsOk);
    }

    private static long TablesOf(IKernel k, long pid) => k.TakeSnapshot().PageTables.Count(t => t.OwnerPid == pid);

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void TablesFollowTheAnonymousPagesAndAreChargedAsKernelMemory(string side)
    {
        var k = Kernel(side);
        long group = k.CgroupCreate(1).Value;
        long pid = k.TaskFork(InitPid).Value; // forked by init: its stack and task_struct are charged to the root
        Assert.True(k.TaskAttach(pid, group).IsOk);
        Touch(k, pid, 1);
        Assert.Equal(1, TablesOf(k, pid));
        Touch(k, pid, 512); // 513 pages: a second table
        var m = Memory(k, group);
        Assert.Equal((2L, 513L, 2L, 515L, 2L * PageSizeBytes), (TablesOf(k, pid), m.Anon, m.Kernel, m.Current, m.PageTables));
        Assert.Equal(2, k.TakeSnapshot().Allocations.Count(a => a.Kind == AllocationKind.PageTable));
        Assert.True(k.TaskUnmap(pid, 1).IsOk); // 512 pages fit one table: the newer goes
        Assert.Equal((1L, 513L), (TablesOf(k, pid), Memory(k, group).Current));
        Assert.True(k.TaskUnmap(pid, 511).IsOk); // one page still needs its table
        Assert.Equal((1L, 2L), (TablesOf(k, pid), Memory(k, group).Current));
        long table = k.TakeSnapshot().PageTables.Single(t => t.OwnerPid == pid).Pfn;
        Assert.Equal(Errno.EINVAL, k.FreePages(table, 0).Errno);
        Assert.True(k.TaskExit(pid).IsOk);
        m = Memory(k, group);
        Assert.Equal((0L, 0L, 0L), (m.Current, m.Kernel, m.PageTables));
        Assert.Empty(k.TakeSnapshot().PageTables);
    }

    /// <summary>
    /// memory.max 2000 written below usage 2054: totalpages / 1000 = 2. Task B (scanned first) has
    /// 1024 pages, 2 tables and adj 1: badness 1024 + 2 + 2 = 1028; task A has 1025 pages, 3 tables
    /// and adj 0: 1025 + 3 = 1028. The tie goes to A, scanned later; without its tables A would
    /// count 1025 against B's 1026 and B would die.
    /// </summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void BadnessCountsPageTables(string side)
    {
        var k = Kernel(side);
        long group = k.CgroupCreate(1).Value;
        long b = k.TaskFork(InitPid).Value, a = k.TaskFork(InitPid).Value;
        Assert.True(k.TaskAttach(b, group).IsOk && k.TaskAttach(a, group).IsOk && k.TaskSetOomScoreAdj(b, 1).IsOk);
        Touch(k, b, 1024);
        Touch(k, a, 1025);
        Assert.Equal(2054, Memory(k, group).Current);
        k.Effects.Clear();
        Assert.True(k.CgroupSetLimit(group, MemcgCounter.Memory, 2000).IsOk);
        var killed = k.Effects.Items.Where(e => e.Kind == EffectKind.OomKill).Select(e => e.Value).ToList();
        Assert.Equal([a], killed);
        Assert.Equal(1026, Memory(k, group).Current);
    }

    /// <summary>On v1 a page table is kernel memory: it counts in the kmem counter, whose limit it must fit (ENOMEM, no reclaim).</summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void OnV1ATableMustFitTheKmemLimit(string side)
    {
        var machine = new MachineConfig(1024, 1, CgroupLayout.V1);
        IKernel k = SideBySide.Kernel(side, machine);
        long memoryRoot = k.TakeSnapshot().Cgroups.Single(g => g.IsRoot && g.Hierarchy == CgroupLayout.V1.MemoryHierarchy()).Id;
        long group = k.CgroupCreate(memoryRoot).Value;
        long pid = k.TaskFork(InitPid).Value;
        Assert.True(k.TaskAttach(pid, group).IsOk);
        Assert.True(k.CgroupSetLimit(group, MemcgCounter.Kmem, 0).IsOk);
        Assert.True(k.TaskSetOomScoreAdj(pid, OomScoreAdjMin).IsOk);
        Assert.Equal(Errno.ENOMEM, k.TaskTouchAnon(pid, 1).Errno);
        Assert.Equal((0L, 0L), (Memory(k, group).Current, TablesOf(k, pid)));
        Assert.True(k.CgroupSetLimit(group, MemcgCounter.Kmem, 1).IsOk);
        Assert.True(k.TaskTouchAnon(pid, 1).IsOk);
        Assert.Equal((2L, 1L), (Memory(k, group).Current, Memory(k, group).Kernel));
    }
}
