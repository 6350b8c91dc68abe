using Verify.Model;
using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Fuzz.Conformance;

/// <summary>
/// The scenarios run on the real kernel (cgroup v1, through the native agent) and on the model (a
/// v1 machine of 256 MiB, the same steps through IKernel), compared row by row.
/// Tolerances, derived from the kernel (mm/memcontrol.c, 6.18) and stated once here:
///   StockSlack: a charge takes MEMCG_CHARGE_BATCH (64) pages when it can and keeps the surplus in
///     the per-CPU stock, still counted in memory.usage_in_bytes; the agent is pinned to one CPU,
///     so at most 63 pages more than are used (a kernel-memory uncharge may refill it too);
///   AgentSlack: what the agent's own mappings cost beyond the pages it touches: a vm_area_struct
///     per mmap (SLAB_ACCOUNT), upper page-table levels (PMD, PUD) for a new region, one more PTE
///     page when a region does not start on a 2 MiB boundary: 8 pages bound them.
///   FreedSlack: a page unmapped (or freed by exit) while it still sits in a per-CPU LRU batch (a
///     folio_batch holds up to 31) keeps its charge until that batch drains;
///   GroupSlack, a documented departure: mkdir charges the new group's own mem_cgroup and per-CPU
///     data to its parent (mem_cgroup_css_alloc runs under set_active_memcg(parent)), kernel memory
///     the model does not have; 3 pages measured with 2 CPUs, 8 allowed.
/// Anonymous pages (memory.stat rss, total_rss) are charged one per page with huge pages off (the
/// agent's madvise), so they compare exactly.
/// </summary>
public static class ConformanceScenarios
{
    public const long StockSlack = 63, AgentSlack = 8, UsageSlack = StockSlack + AgentSlack, FreedSlack = 31, GroupSlack = 8;

    /// <summary>The model's machine: v1, 256 MiB (the cap of every group the driver makes), 2 CPUs.</summary>
    public static readonly MachineConfig ModelMachine = new((int)(KernelSide.GroupLimitBytes / PageSizeBytes), 2, CgroupLayout.V1);

    public sealed record Scenario(string Name, string Mirrors, Func<KernelSide, List<ConformanceRow>> Run);

    public static readonly IReadOnlyList<Scenario> All =
    [
        new("anon-usage", "usage rises by the pages touched and falls when they are unmapped, and when the task exits", AnonUsage),
        new("hierarchy", "a child's charges appear in its parent (total_rss, usage); the child's own structures are charged to the parent (a departure)", Hierarchy),
        new("limit-below-usage", "v1 memory.limit_in_bytes below usage with nothing reclaimable (no swap) is EBUSY and leaves the limit", LimitBelowUsage),
        new("pids-max", "pids.max stops fork with EAGAIN and counts pids.events max once", PidsMax),
        new("rmdir-busy", "rmdir of a group with a child or a task is EBUSY", RmdirBusy),
    ];

    private const long MemoryRoot = 1, PidsRoot = 2;

    /// <summary>The model side: a v1 machine, groups capped as the driver caps them, tasks forked from init.</summary>
    private sealed class ModelSide
    {
        public ModelKernel Kernel { get; } = new(ModelMachine);

        public long MemoryGroup(long parent = MemoryRoot)
        {
            long id = Kernel.CgroupCreate(parent).Value;
            Kernel.CgroupSetLimit(id, MemcgCounter.Memory, KernelSide.GroupLimitBytes / PageSizeBytes);
            return id;
        }

        public long PidsGroup(long parent = PidsRoot) => Kernel.CgroupCreate(parent).Value;

        /// <summary>The agent: a child of init attached to each group.</summary>
        public long Task(params long[] groups)
        {
            long pid = Kernel.TaskFork(InitPid).Value;
            foreach (long group in groups) Kernel.TaskAttach(pid, group);
            return pid;
        }

        public CgroupMemoryInfo Memory(long id) => Kernel.TakeSnapshot().Memory.Single(m => m.Id == id);

        public CgroupInfo Group(long id) => Kernel.TakeSnapshot().Cgroups.Single(g => g.Id == id);
    }

    private static string Errno(Outcome outcome) => outcome.IsOk ? "ok" : outcome.Errno.ToString();

    private static long Usage(string group) => CgroupFs.ReadNumber(Path.Combine(group, "memory.usage_in_bytes"));

    private static long Kmem(string group) => CgroupFs.ReadNumber(Path.Combine(group, "memory.kmem.usage_in_bytes"));

    private static long Stat(string group, string key) => CgroupFs.ReadKey(Path.Combine(group, "memory.stat"), key);

    private static List<ConformanceRow> AnonUsage(KernelSide kernel)
    {
        const string name = "anon-usage";
        var rows = new List<ConformanceRow>();
        var model = new ModelSide();
        string group = kernel.MemoryGroup();
        long modelGroup = model.MemoryGroup();
        var agent = kernel.Agent(group);
        long pid = model.Task(modelGroup);

        agent.Do("touch 1000");
        model.Kernel.TaskTouchAnon(pid, 1000);
        rows.Add(ConformanceRow.Pages(name, "rss after touching 1000 pages", Stat(group, "rss"), model.Memory(modelGroup).Anon));
        rows.Add(ConformanceRow.Pages(name, "usage after touching 1000 pages (with page tables)", Usage(group), model.Memory(modelGroup).Current, 0, UsageSlack));

        agent.Do("unmap 600");
        model.Kernel.TaskUnmap(pid, 600);
        rows.Add(ConformanceRow.Pages(name, "rss after unmapping 600", Stat(group, "rss"), model.Memory(modelGroup).Anon));
        rows.Add(ConformanceRow.Pages(name, "usage after unmapping 600", Usage(group), model.Memory(modelGroup).Current, 0, UsageSlack + FreedSlack));

        kernel.End(agent);
        model.Kernel.TaskExit(pid);
        rows.Add(ConformanceRow.Pages(name, "usage after the task exits", Usage(group), model.Memory(modelGroup).Current, 0, StockSlack + FreedSlack));
        return rows;
    }

    private static List<ConformanceRow> Hierarchy(KernelSide kernel)
    {
        const string name = "hierarchy";
        var model = new ModelSide();
        string parent = kernel.MemoryGroup(), child = kernel.MemoryGroup("child");
        long modelParent = model.MemoryGroup(), modelChild = model.MemoryGroup(modelParent);
        var agent = kernel.Agent(child);
        long pid = model.Task(modelChild);
        agent.Do("touch 300");
        model.Kernel.TaskTouchAnon(pid, 300);
        var (p, c) = (model.Memory(modelParent), model.Memory(modelChild));
        return
        [
            ConformanceRow.Pages(name, "child rss", Stat(child, "rss"), c.Anon),
            ConformanceRow.Pages(name, "parent rss (its own pages)", Stat(parent, "rss"), 0),
            ConformanceRow.Pages(name, "parent total_rss", Stat(parent, "total_rss"), p.Anon),
            ConformanceRow.Pages(name, "parent kmem minus child kmem (the child's mem_cgroup: a departure)", Kmem(parent) - Kmem(child), p.Kernel - c.Kernel, 0, GroupSlack),
            ConformanceRow.Pages(name, "parent usage minus child usage", Usage(parent) - Usage(child), p.Current - c.Current, 0, StockSlack + GroupSlack),
        ];
    }

    private static List<ConformanceRow> LimitBelowUsage(KernelSide kernel)
    {
        const string name = "limit-below-usage";
        var model = new ModelSide();
        string group = kernel.MemoryGroup();
        long modelGroup = model.MemoryGroup();
        var agent = kernel.Agent(group);
        long pid = model.Task(modelGroup);
        agent.Do("touch 200");
        model.Kernel.TaskTouchAnon(pid, 200);
        string limitFile = Path.Combine(group, "memory.limit_in_bytes");
        int errno = CgroupFs.TryWrite(limitFile, (100 * PageSizeBytes).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var outcome = model.Kernel.CgroupSetLimit(modelGroup, MemcgCounter.Memory, 100);
        return
        [
            ConformanceRow.Same(name, "writing memory.limit_in_bytes = 100 pages over 200 anonymous", CgroupFs.Errno.Name(errno), Errno(outcome)),
            ConformanceRow.Pages(name, "memory.limit_in_bytes after the refused write", CgroupFs.ReadNumber(limitFile), model.Memory(modelGroup).Max),
            ConformanceRow.Pages(name, "rss after the refused write", Stat(group, "rss"), model.Memory(modelGroup).Anon),
        ];
    }

    private static List<ConformanceRow> PidsMax(KernelSide kernel)
    {
        const string name = "pids-max";
        var model = new ModelSide();
        string group = kernel.PidsGroup();
        long modelGroup = model.PidsGroup();
        CgroupFs.Write(Path.Combine(group, "pids.max"), "3");
        model.Kernel.CgroupSetPidsMax(modelGroup, 3);
        var agent = kernel.Agent(group);
        long pid = model.Task(modelGroup);
        var answer = agent.Do("fork 5");
        long forked = 0;
        var outcome = Outcome.Ok(0);
        for (int i = 0; i < 5 && outcome.IsOk; i++)
        {
            outcome = model.Kernel.TaskFork(pid);
            if (outcome.IsOk) forked++;
        }
        var info = model.Group(modelGroup);
        var rows = new List<ConformanceRow>
        {
            ConformanceRow.Same(name, "5 forks under pids.max 3 (the forker is 1)", answer.ToString(), outcome.IsOk ? $"ok {forked}" : $"{outcome.Errno} after {forked}"),
            ConformanceRow.Same(name, "pids.current", CgroupFs.ReadNumber(Path.Combine(group, "pids.current")), info.PidsCurrent),
            ConformanceRow.Same(name, "pids.events max", CgroupFs.ReadKey(Path.Combine(group, "pids.events"), "max"), info.PidsEventsMax),
        };
        agent.Do("reap");
        return rows;
    }

    private static List<ConformanceRow> RmdirBusy(KernelSide kernel)
    {
        const string name = "rmdir-busy";
        var model = new ModelSide();
        string parent = kernel.MemoryGroup(), child = kernel.MemoryGroup("child");
        long modelParent = model.MemoryGroup(), modelChild = model.MemoryGroup(modelParent);
        var rows = new List<ConformanceRow>
        {
            ConformanceRow.Same(name, "rmdir of a group with a child", CgroupFs.Errno.Name(CgroupFs.TryRemoveDirectory(parent)), Errno(model.Kernel.CgroupRemove(modelParent))),
        };
        kernel.Agent(child);
        model.Task(modelChild);
        rows.Add(ConformanceRow.Same(name, "rmdir of a group with a task", CgroupFs.Errno.Name(CgroupFs.TryRemoveDirectory(child)), Errno(model.Kernel.CgroupRemove(modelChild))));
        return rows;
    }
}
