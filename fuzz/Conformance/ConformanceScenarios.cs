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
///     per mmap (SLAB_ACCOUNT, freed after an RCU grace period), upper page-table levels (PMD, PUD)
///     for a new region, one more PTE page when a region does not start on a 2 MiB boundary: 8
///     pages bound them;
///   FreedSlack: a page unmapped (or freed by exit) while it still sits in a per-CPU LRU batch (a
///     folio_batch holds up to 31) keeps its charge until that batch drains;
///   TcpSlack: a receive queue is charged by the truesize of its skbs (the data plus sk_buff and
///     skb_shared_info, about 768 bytes each, for up to 16 skbs of 4 KiB) in whole pages through
///     sk_forward_alloc: 4 pages per connection bound what the model's data pages leave out;
///   GroupSlack, a documented departure: mkdir charges the new group's own mem_cgroup and per-CPU
///     data to its parent (mem_cgroup_css_alloc runs under set_active_memcg(parent)), kernel memory
///     the model does not have; 3 pages measured with 2 CPUs, 8 allowed.
/// Anonymous pages (memory.stat rss, total_rss) are charged one per page with huge pages off (the
/// agent's madvise), so they compare exactly, once the kernel has flushed its stat deltas (StatRow).
/// </summary>
public static class ConformanceScenarios
{
    public const long StockSlack = 63, AgentSlack = 8, UsageSlack = StockSlack + AgentSlack, FreedSlack = 31, GroupSlack = 8;

    public const long TcpSlack = 4;

    /// <summary>Reclaim frees page cache in rounds of up to SWAP_CLUSTER_MAX (32) pages on both sides, so what is left may differ by a round.</summary>
    public const long ReclaimSlack = 32;

    /// <summary>The model's machine: v1, 256 MiB (the cap of every group the driver makes), 2 CPUs.</summary>
    public static readonly MachineConfig ModelMachine = new((int)(KernelSide.GroupLimitBytes / PageSizeBytes), 2, CgroupLayout.V1);

    /// <summary>A scenario: its name, the kernel behaviour it checks, and the run that compares the two sides.</summary>
    public sealed record Scenario(string Name, string Checks, Func<KernelSide, List<ConformanceRow>> Run);

    public static readonly IReadOnlyList<Scenario> All =
    [
        new("anon-usage", "usage rises by the pages touched and falls when they are unmapped, and when the task exits", AnonUsage),
        new("hierarchy", "a child's charges appear in its parent (total_rss, usage); the child's own structures are charged to the parent (a departure)", Hierarchy),
        new("limit-below-usage", "v1 memory.limit_in_bytes below usage with nothing reclaimable (no swap) is EBUSY and leaves the limit", LimitBelowUsage),
        new("pids-max", "pids.max stops fork with EAGAIN and counts pids.events max once", PidsMax),
        new("rmdir-busy", "rmdir of a group with a child or a task is EBUSY", RmdirBusy),
        new("cache-reclaim", "a charge over memory.limit_in_bytes reclaims page cache first", CacheReclaim),
        new("oom-kill", "a charge over memory.limit_in_bytes with nothing to reclaim OOM-kills in the group (memory.oom_control oom_kill, failcnt)", OomKill),
        new("move-leaves-charges", "a task that moves leaves its charges behind; new ones go to its new group", MoveLeavesCharges),
        new("tcp", "v1 socket buffers charge memory.kmem.tcp.usage_in_bytes, not memory.usage_in_bytes, once a tcp limit was written", Tcp),
        new("tcp-limit", "sending over a full memory.kmem.tcp.limit_in_bytes: the kernel forces the charges past it (a departure from the model's refused allocation)", TcpLimit),
        new("pids-hierarchy", "a parent's pids.max stops a fork in its child; v1 counts pids.events max in the forking task's group, not in the ancestor whose limit was hit", PidsHierarchy),
        new("notify-on-release", "notify_on_release is per group, inherited at mkdir; release_agent is a file of the hierarchy's root only", NotifyOnRelease),
        new("kmem", "kernel objects charge memory.kmem.usage_in_bytes and memory.usage_in_bytes both; memory.kmem.limit_in_bytes is accepted and ignored (a departure)", Kmem),
    ];

    private const long MemoryRoot = 1, PidsRoot = 2;

    /// <summary>The model side: a v1 machine, groups capped as the driver caps them, tasks forked from init.</summary>
    private sealed class ModelSide(KernelSide kernelSide)
    {
        public ModelKernel Kernel { get; } = new(ModelMachine);

        /// <summary>A memory group capped as the driver caps its kernel twin.</summary>
        public long MemoryGroup(long parent = MemoryRoot)
        {
            long id = Kernel.CgroupCreate(parent).Value;
            Kernel.CgroupSetLimit(id, MemcgCounter.Memory, kernelSide.CapBytes / PageSizeBytes);
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

        /// <summary>Forks by the task until one is refused or count are done, answered as the agent answers "fork N".</summary>
        public string Forks(long pid, int count)
        {
            for (int forked = 0; forked < count; forked++)
                if (Kernel.TaskFork(pid) is { IsOk: false } refused) return $"{refused.Errno} after {forked}";
            return $"ok {count}";
        }

        public CgroupMemoryInfo Memory(long id) => Kernel.TakeSnapshot().Memory.Single(m => m.Id == id);

        public CgroupInfo Group(long id) => Kernel.TakeSnapshot().Cgroups.Single(g => g.Id == id);
    }

    /// <summary>A memory group on each side (the counter's limit written as limitPages on both when given) with the agent in one and a task in the other.</summary>
    private static (string Group, long ModelGroup, NativeAgent Agent, long Pid) AgentInGroup(KernelSide kernel, ModelSide model, long? limitPages = null, MemcgCounter counter = MemcgCounter.Memory)
    {
        string group = kernel.MemoryGroup();
        long modelGroup = model.MemoryGroup();
        if (limitPages is { } pages)
        {
            CgroupFs.Write(LimitFile(group, counter), Bytes(pages));
            model.Kernel.CgroupSetLimit(modelGroup, counter, pages);
        }
        return (group, modelGroup, kernel.Agent(group), model.Task(modelGroup));
    }

    /// <summary>The v1 file of a limit counter.</summary>
    private static string LimitFile(string group, MemcgCounter counter) => Path.Combine(group, counter switch
    {
        MemcgCounter.Memory => "memory.limit_in_bytes",
        MemcgCounter.Kmem => "memory.kmem.limit_in_bytes",
        MemcgCounter.Tcp => "memory.kmem.tcp.limit_in_bytes",
        _ => throw new ArgumentOutOfRangeException(nameof(counter), counter, "v1 has no such limit file"),
    });

    /// <summary>Pages as the bytes a v1 limit file takes.</summary>
    private static string Bytes(long pages) => (pages * PageSizeBytes).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Errno(Outcome outcome) => outcome.IsOk ? "ok" : outcome.Errno.ToString();

    private static long Usage(string group) => CgroupFs.ReadNumber(Path.Combine(group, "memory.usage_in_bytes"));

    private static List<ConformanceRow> CacheReclaim(KernelSide kernel)
    {
        const string name = "cache-reclaim";
        var model = new ModelSide(kernel);
        var (group, modelGroup, agent, pid) = AgentInGroup(kernel, model, limitPages: 300);
        agent.Do("cache 200");
        model.Kernel.TaskTouchFile(pid, 200);
        var rows = new List<ConformanceRow> { StatRow(name, "page cache after reading 200 pages", group, "cache", model.Memory(modelGroup).File) };
        var answer = agent.Do("touch 200");
        var outcome = model.Kernel.TaskTouchAnon(pid, 200);
        var m = model.Memory(modelGroup);
        rows.Add(ConformanceRow.Same(name, "touching 200 anonymous pages under memory.limit_in_bytes 300", answer.ToString(), outcome.IsOk ? $"ok {outcome.Value}" : outcome.Errno.ToString()));
        rows.Add(StatRow(name, "rss after the touch", group, "rss", m.Anon));
        // The kernel's stock and the agent's own kernel memory also count against the limit, so it keeps less page cache.
        rows.Add(StatRow(name, "page cache left after the touch", group, "cache", m.File, UsageSlack + ReclaimSlack, ReclaimSlack));
        rows.Add(ConformanceRow.Same(name, "usage within memory.limit_in_bytes", Usage(group) <= 300 * PageSizeBytes ? "yes" : "no", m.Current <= m.Max ? "yes" : "no"));
        rows.Add(ConformanceRow.Same(name, "failcnt above 0 (charges met the limit)", CgroupFs.ReadNumber(Path.Combine(group, "memory.failcnt")) > 0 ? "yes" : "no",
            model.Kernel.TakeSnapshot().Watermarks.Single(w => w.Id == modelGroup).Failcnt > 0 ? "yes" : "no"));
        rows.Add(ConformanceRow.Pages(name, "max_usage_in_bytes", CgroupFs.ReadNumber(Path.Combine(group, "memory.max_usage_in_bytes")), Peak(model, modelGroup), 0, 0));
        return rows;
    }

    private static List<ConformanceRow> OomKill(KernelSide kernel)
    {
        const string name = "oom-kill";
        var model = new ModelSide(kernel);
        var (group, modelGroup, agent, pid) = AgentInGroup(kernel, model, limitPages: 256);
        var answer = agent.TryDo("touch 512");
        var outcome = model.Kernel.TaskTouchAnon(pid, 512);
        bool modelKilled = model.Kernel.TakeSnapshot().Tasks.All(t => t.Pid != pid);
        var m = model.Memory(modelGroup);
        string oomControl = Path.Combine(group, "memory.oom_control");
        long failcnt = CgroupFs.ReadNumber(Path.Combine(group, "memory.failcnt"));
        long modelFailcnt = model.Kernel.TakeSnapshot().Watermarks.Single(w => w.Id == modelGroup).Failcnt;
        return
        [
            ConformanceRow.Same(name, "touching 512 pages under memory.limit_in_bytes 256", answer is null ? "killed" : answer.Value.ToString(), modelKilled ? "killed" : $"{outcome.Errno}, not killed"),
            ConformanceRow.Same(name, "memory.oom_control oom_kill", CgroupFs.ReadKey(oomControl, "oom_kill"), m.Oom.OomKill),
            ConformanceRow.Same(name, "memory.oom_control under_oom after the kill", CgroupFs.ReadKey(oomControl, "under_oom"), 0),
            StatRow(name, "rss after the kill", group, "rss", m.Anon),
            ConformanceRow.Same(name, "failcnt above 0", failcnt > 0 ? "yes" : "no", modelFailcnt > 0 ? "yes" : "no"),
        ];
    }

    private static List<ConformanceRow> MoveLeavesCharges(KernelSide kernel)
    {
        const string name = "move-leaves-charges";
        var model = new ModelSide(kernel);
        string first = kernel.MemoryGroup("first"), second = kernel.MemoryGroup("second");
        long top = model.MemoryGroup(), modelFirst = model.MemoryGroup(top), modelSecond = model.MemoryGroup(top);
        var agent = kernel.Agent(first);
        long pid = model.Task(modelFirst);
        agent.Do("touch 100");
        model.Kernel.TaskTouchAnon(pid, 100);
        CgroupFs.Write(Path.Combine(second, "cgroup.procs"), agent.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        model.Kernel.TaskAttach(pid, modelSecond);
        var rows = new List<ConformanceRow>
        {
            StatRow(name, "first group's rss after the move", first, "rss", model.Memory(modelFirst).Anon),
            StatRow(name, "second group's rss after the move", second, "rss", model.Memory(modelSecond).Anon),
        };
        agent.Do("touch 50");
        model.Kernel.TaskTouchAnon(pid, 50);
        rows.Add(StatRow(name, "first group's rss after 50 more pages", first, "rss", model.Memory(modelFirst).Anon));
        rows.Add(StatRow(name, "second group's rss after 50 more pages", second, "rss", model.Memory(modelSecond).Anon));
        return rows;
    }

    private static List<ConformanceRow> Tcp(KernelSide kernel)
    {
        const string name = "tcp";
        var model = new ModelSide(kernel);
        var (group, modelGroup, agent, pid) = AgentInGroup(kernel, model, kernel.CapBytes / PageSizeBytes, MemcgCounter.Tcp);
        model.Kernel.RunOn(pid, 0);
        var (kmem, usage) = (Kmem(group), Usage(group));
        var before = model.Memory(modelGroup);
        var answer = agent.Do("tcp 65536");
        var socket = model.Kernel.SockAlloc(pid, 65536);
        var after = model.Memory(modelGroup);
        string tcpUsage = Path.Combine(group, "memory.kmem.tcp.usage_in_bytes");
        var rows = new List<ConformanceRow>
        {
            ConformanceRow.Same(name, "64 KiB sent over loopback and left unread", answer.ToString(), socket.IsOk ? "ok 65536" : socket.Errno.ToString()),
            ConformanceRow.Pages(name, "memory.kmem.tcp.usage_in_bytes", CgroupFs.ReadNumber(tcpUsage), after.TcpUsage, 0, TcpSlack),
            // The socket objects themselves are kernel memory (kmem and memory both); their buffers are not charged to memory.
            ConformanceRow.Pages(name, "usage rise minus kmem rise", Usage(group) - usage - (Kmem(group) - kmem), (after.Current - before.Current) - (after.Kernel - before.Kernel), 0, StockSlack),
        };
        kernel.End(agent);
        model.Kernel.SockFree(socket.Value);
        rows.Add(ConformanceRow.Pages(name, "memory.kmem.tcp.usage_in_bytes after the sockets close", CgroupFs.ReadNumber(tcpUsage), model.Memory(modelGroup).TcpUsage));
        return rows;
    }

    private static List<ConformanceRow> TcpLimit(KernelSide kernel)
    {
        const string name = "tcp-limit";
        const long limitPages = 4;
        var model = new ModelSide(kernel);
        var (group, modelGroup, agent, pid) = AgentInGroup(kernel, model, limitPages, MemcgCounter.Tcp);
        var answer = agent.Do("tcp 65536");
        var socket = model.Kernel.SockAlloc(pid, 65536);
        long usage = CgroupFs.ReadNumber(Path.Combine(group, "memory.kmem.tcp.usage_in_bytes")) / PageSizeBytes;
        var m = model.Memory(modelGroup);
        return
        [
            ConformanceRow.Departure(name, "64 KiB sent under memory.kmem.tcp.limit_in_bytes 4 pages",
                $"{(answer.IsOk && answer.Value > 0 ? "sent" : "refused")}, tcp usage {(usage > limitPages ? "above" : "within")} the limit",
                $"{(socket.IsOk ? "sent" : socket.Errno.ToString())}, tcp usage {(m.TcpUsage > limitPages ? "above" : "within")} the limit, pressure {(m.TcpPressure ? "set" : "clear")}",
                "sent, tcp usage above the limit", "ENOMEM, tcp usage within the limit, pressure set",
                "TCP forces its charges (__GFP_NOFAIL) once a socket is under its sndbuf; the model's sock_alloc is one allocation that a full tcp counter refuses (EP74), setting pressure as the kernel does"),
        ];
    }

    private static List<ConformanceRow> PidsHierarchy(KernelSide kernel)
    {
        const string name = "pids-hierarchy";
        var model = new ModelSide(kernel);
        string parent = kernel.PidsGroup(), child = kernel.PidsGroup("child");
        long modelParent = model.PidsGroup(), modelChild = model.PidsGroup(modelParent);
        CgroupFs.Write(Path.Combine(parent, "pids.max"), "2");
        model.Kernel.CgroupSetPidsMax(modelParent, 2);
        var agent = kernel.Agent(child);
        long pid = model.Task(modelChild);
        var answer = agent.Do("fork 3");
        string modelForks = model.Forks(pid, 3);
        var (p, c) = (model.Group(modelParent), model.Group(modelChild));
        var rows = new List<ConformanceRow>
        {
            ConformanceRow.Same(name, "3 forks in the child under the parent's pids.max 2", answer.ToString(), modelForks),
            ConformanceRow.Same(name, "parent pids.current", PidsCurrent(parent), p.PidsCurrent),
            ConformanceRow.Same(name, "parent pids.events max", PidsEventsMax(parent), p.PidsEventsMax),
            ConformanceRow.Same(name, "child pids.events max", PidsEventsMax(child), c.PidsEventsMax),
        };
        agent.Do("reap");
        return rows;
    }

    private static List<ConformanceRow> NotifyOnRelease(KernelSide kernel)
    {
        const string name = "notify-on-release";
        var model = new ModelSide(kernel);
        string parent = kernel.PidsGroup();
        long modelParent = model.PidsGroup();
        string before = File.ReadAllText(Path.Combine(parent, "notify_on_release")).Trim();
        CgroupFs.Write(Path.Combine(parent, "notify_on_release"), "1");
        model.Kernel.CgroupSetNotifyOnRelease(modelParent, true);
        string child = kernel.PidsGroup("child");
        long modelChild = model.PidsGroup(modelParent);
        static string Flag(bool on) => on ? "1" : "0";
        return
        [
            ConformanceRow.Same(name, "notify_on_release of a new group under a group without it", before, "0"),
            ConformanceRow.Same(name, "notify_on_release after writing 1", File.ReadAllText(Path.Combine(parent, "notify_on_release")).Trim(), Flag(model.Group(modelParent).NotifyOnRelease)),
            ConformanceRow.Same(name, "notify_on_release of a child made after it", File.ReadAllText(Path.Combine(child, "notify_on_release")).Trim(), Flag(model.Group(modelChild).NotifyOnRelease)),
            // The model has no release agent; the kernel keeps it in the root only, which the driver never writes.
            ConformanceRow.Same(name, "release_agent in a group below the root", File.Exists(Path.Combine(parent, "release_agent")) ? "present" : "absent", "absent"),
        ];
    }

    private static List<ConformanceRow> Kmem(KernelSide kernel)
    {
        const string name = "kmem";
        var model = new ModelSide(kernel);
        var (group, modelGroup, agent, pid) = AgentInGroup(kernel, model);
        model.Kernel.RunOn(pid, 0);
        var (kmem, usage) = (Kmem(group), Usage(group));
        var before = model.Memory(modelGroup);
        agent.Do("pipes 200");
        for (int i = 0; i < 200; i++) model.Kernel.Kmalloc(256, Verify.Model.Slab.KmallocFlags.Account);
        var after = model.Memory(modelGroup);
        long kmemRise = Kmem(group) - kmem, usageRise = Usage(group) - usage;
        string limitFile = LimitFile(group, MemcgCounter.Kmem);
        long limitBefore = CgroupFs.ReadNumber(limitFile);
        int errno = CgroupFs.TryWrite(limitFile, Bytes(1));
        var outcome = model.Kernel.CgroupSetLimit(modelGroup, MemcgCounter.Kmem, 1);
        var more = agent.Do("pipes 100");
        return
        [
            ConformanceRow.Same(name, "kmem usage rose with 200 kernel objects", kmemRise > 0 ? "yes" : "no", after.Kernel > before.Kernel ? "yes" : "no"),
            // v1 counts kernel memory in memory.usage_in_bytes too; the kernel's memory counter also holds the stock's surplus.
            ConformanceRow.Pages(name, "usage rise minus kmem rise", usageRise - kmemRise, (after.Current - before.Current) - (after.Kernel - before.Kernel), 0, StockSlack),
            ConformanceRow.Departure(name, "writing memory.kmem.limit_in_bytes = 1 page above usage",
                $"{CgroupFs.Errno.Name(errno)}, limit {(CgroupFs.ReadNumber(limitFile) == limitBefore ? "unchanged" : "changed")}, 100 more objects {(more.IsOk ? "ok" : more.Result)}",
                outcome.IsOk ? "ok" : outcome.Errno.ToString(),
                "ok, limit unchanged, 100 more objects ok", "EBUSY",
                "6.18 accepts and ignores the kmem limit; the model enforces it as 3.8-5.15 did (the 2007 kmem container seed)"),
        ];
    }

    private static long Peak(ModelSide model, long group) => model.Kernel.TakeSnapshot().Watermarks.Single(w => w.Id == group).Peak;

    private static long PidsCurrent(string group) => CgroupFs.ReadNumber(Path.Combine(group, "pids.current"));

    private static long PidsEventsMax(string group) => CgroupFs.ReadKey(Path.Combine(group, "pids.events"), "max");

    private static long Kmem(string group) => CgroupFs.ReadNumber(Path.Combine(group, "memory.kmem.usage_in_bytes"));

    private static long Stat(string group, string key) => CgroupFs.ReadKey(Path.Combine(group, "memory.stat"), key);

    /// <summary>
    /// A memory.stat row. The kernel flushes its per-CPU stat deltas when 64 x CPUs of them are
    /// pending or every 2 s (flush_memcg_stats_dwork), so a read may lag what was done: the stat is
    /// read again every 100 ms until it lies within the tolerance or 3 s have passed, and the last
    /// read is the row's kernel value.
    /// </summary>
    private static ConformanceRow StatRow(string name, string quantity, string group, string key, long modelPages, long below = 0, long above = 0)
    {
        var row = ConformanceRow.Pages(name, quantity, Stat(group, key), modelPages, below, above);
        for (int polls = 0; !row.Agrees && polls < 30; polls++)
        {
            Thread.Sleep(100);
            row = ConformanceRow.Pages(name, quantity, Stat(group, key), modelPages, below, above);
        }
        return row;
    }

    private static List<ConformanceRow> AnonUsage(KernelSide kernel)
    {
        const string name = "anon-usage";
        var rows = new List<ConformanceRow>();
        var model = new ModelSide(kernel);
        var (group, modelGroup, agent, pid) = AgentInGroup(kernel, model);

        agent.Do("touch 1000");
        model.Kernel.TaskTouchAnon(pid, 1000);
        rows.Add(StatRow(name, "rss after touching 1000 pages", group, "rss", model.Memory(modelGroup).Anon));
        rows.Add(ConformanceRow.Pages(name, "usage after touching 1000 pages (with page tables)", Usage(group), model.Memory(modelGroup).Current, 0, UsageSlack));

        agent.Do("unmap 600");
        model.Kernel.TaskUnmap(pid, 600);
        rows.Add(StatRow(name, "rss after unmapping 600", group, "rss", model.Memory(modelGroup).Anon));
        rows.Add(ConformanceRow.Pages(name, "usage after unmapping 600", Usage(group), model.Memory(modelGroup).Current, 0, UsageSlack + FreedSlack));
        rows.Add(ConformanceRow.Pages(name, "max_usage_in_bytes after unmapping 600", CgroupFs.ReadNumber(Path.Combine(group, "memory.max_usage_in_bytes")), Peak(model, modelGroup), 0, UsageSlack));

        kernel.End(agent);
        model.Kernel.TaskExit(pid);
        // Exit frees the agent's VMAs after an RCU grace period: AgentSlack too.
        rows.Add(ConformanceRow.Pages(name, "usage after the task exits", Usage(group), model.Memory(modelGroup).Current, 0, UsageSlack + FreedSlack));
        return rows;
    }

    private static List<ConformanceRow> Hierarchy(KernelSide kernel)
    {
        const string name = "hierarchy";
        var model = new ModelSide(kernel);
        string parent = kernel.MemoryGroup(), child = kernel.MemoryGroup("child");
        long modelParent = model.MemoryGroup(), modelChild = model.MemoryGroup(modelParent);
        var agent = kernel.Agent(child);
        long pid = model.Task(modelChild);
        agent.Do("touch 300");
        model.Kernel.TaskTouchAnon(pid, 300);
        var (p, c) = (model.Memory(modelParent), model.Memory(modelChild));
        return
        [
            StatRow(name, "child rss", child, "rss", c.Anon),
            StatRow(name, "parent rss (its own pages)", parent, "rss", 0),
            StatRow(name, "parent total_rss", parent, "total_rss", p.Anon),
            ConformanceRow.Pages(name, "parent kmem minus child kmem (the child's mem_cgroup: a departure)", Kmem(parent) - Kmem(child), p.Kernel - c.Kernel, 0, GroupSlack),
            ConformanceRow.Pages(name, "parent usage minus child usage", Usage(parent) - Usage(child), p.Current - c.Current, 0, StockSlack + GroupSlack),
        ];
    }

    private static List<ConformanceRow> LimitBelowUsage(KernelSide kernel)
    {
        const string name = "limit-below-usage";
        var model = new ModelSide(kernel);
        var (group, modelGroup, agent, pid) = AgentInGroup(kernel, model);
        agent.Do("touch 200");
        model.Kernel.TaskTouchAnon(pid, 200);
        string limitFile = LimitFile(group, MemcgCounter.Memory);
        int errno = CgroupFs.TryWrite(limitFile, Bytes(100));
        var outcome = model.Kernel.CgroupSetLimit(modelGroup, MemcgCounter.Memory, 100);
        return
        [
            ConformanceRow.Same(name, "writing memory.limit_in_bytes = 100 pages over 200 anonymous", CgroupFs.Errno.Name(errno), Errno(outcome)),
            ConformanceRow.Pages(name, "memory.limit_in_bytes after the refused write", CgroupFs.ReadNumber(limitFile), model.Memory(modelGroup).Max),
            StatRow(name, "rss after the refused write", group, "rss", model.Memory(modelGroup).Anon),
        ];
    }

    private static List<ConformanceRow> PidsMax(KernelSide kernel)
    {
        const string name = "pids-max";
        var model = new ModelSide(kernel);
        string group = kernel.PidsGroup();
        long modelGroup = model.PidsGroup();
        CgroupFs.Write(Path.Combine(group, "pids.max"), "3");
        model.Kernel.CgroupSetPidsMax(modelGroup, 3);
        var agent = kernel.Agent(group);
        long pid = model.Task(modelGroup);
        var answer = agent.Do("fork 5");
        string modelForks = model.Forks(pid, 5);
        var info = model.Group(modelGroup);
        var rows = new List<ConformanceRow>
        {
            ConformanceRow.Same(name, "5 forks under pids.max 3 (the forker is 1)", answer.ToString(), modelForks),
            ConformanceRow.Same(name, "pids.current", PidsCurrent(group), info.PidsCurrent),
            ConformanceRow.Same(name, "pids.events max", PidsEventsMax(group), info.PidsEventsMax),
        };
        agent.Do("reap");
        return rows;
    }

    private static List<ConformanceRow> RmdirBusy(KernelSide kernel)
    {
        const string name = "rmdir-busy";
        var model = new ModelSide(kernel);
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
