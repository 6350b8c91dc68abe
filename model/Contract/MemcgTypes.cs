namespace Verify.Model.Contract;

/// <summary>
/// One live non-root group of the memory hierarchy as a snapshot lists it, in pages, exact on both
/// sides (logical usage: what the impl's raw counters hold minus what its per-CPU stocks hold).
/// Current counts the pages charged to the group and its descendants, removed ones included.
/// Max, High, KmemMax and TcpMax are LimitUnlimited for "max". Events are memory.events (max,
/// high: counted on the group and its non-root ancestors; v1: on the group only) and
/// memory.events.local. Anon, File and Sock are memory.stat (of the subtree) in pages. TcpUsage is
/// v1 memory.kmem.tcp.usage (of the subtree), TcpActive whether a tcp limit was ever written
/// (sockets made after it are accounted), TcpPressure the group's tcpmem_pressure flag. Kernel is
/// memory.stat kernel in pages (on v1 also memory.kmem.usage_in_bytes): per obj_cgroup whose group is
/// in the subtree, its whole pages plus ceil(its live object bytes / 4096); SlabReclaimable and
/// SlabUnreclaimable are the stat's bytes of live charged objects (obj_full_size each), KernelStack
/// the bytes of the charged kernel stacks (16 KiB per task forked in the subtree). TcpPeak is v1
/// memory.kmem.tcp.max_usage_in_bytes in pages (the tcp counter's watermark: exact, as tcp has no
/// stock), KmemPeak v1 memory.kmem.max_usage_in_bytes in pages (the kmem counter counts logical
/// kernel pages, so it is exact too; 0 on v2); the tcp and kmem failcnt stay 0 on 6.15+. OomGroup
/// is v2 memory.oom.group. Oom holds memory.events oom, oom_kill and oom_group_kill and their .local.
/// PageTables is memory.stat pagetables: the bytes of the charged page-table pages of the subtree.
/// </summary>
public readonly record struct CgroupMemoryInfo(
    long Id,
    long Current,
    long Max,
    long High,
    long EventsMax,
    long EventsHigh,
    long EventsLocalMax,
    long EventsLocalHigh,
    long Anon,
    long File,
    long KmemMax,
    long TcpMax,
    long Sock,
    long TcpUsage,
    bool TcpActive,
    bool TcpPressure,
    long Kernel,
    long SlabReclaimable,
    long SlabUnreclaimable,
    long KernelStack,
    long TcpPeak,
    long KmemPeak,
    bool OomGroup,
    OomEvents Oom,
    long PageTables)
{
    public override string ToString() =>
        $"[memcg {Id} current {Current} max {Word(Max)} high {Word(High)} events max {EventsMax}/{EventsLocalMax} high {EventsHigh}/{EventsLocalHigh} anon {Anon} file {File} kmem.max {Word(KmemMax)} tcp.max {Word(TcpMax)} sock {Sock} tcp {TcpUsage}{(TcpActive ? " tcp-accounted" : "")}{(TcpPressure ? " tcp-pressure" : "")} kernel {Kernel} slab {SlabReclaimable}/{SlabUnreclaimable} kernel_stack {KernelStack}{(PageTables > 0 ? $" pagetables {PageTables}" : "")}{(TcpPeak > 0 ? $" tcp.peak {TcpPeak}" : "")}{(KmemPeak > 0 ? $" kmem.peak {KmemPeak}" : "")}{(OomGroup ? " oom.group" : "")}{(Oom != default ? $" {Oom}" : "")}]";

    private static string Word(long pages) => pages == KernelConstants.LimitUnlimited ? "max" : pages.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// memory.events oom (the group was the OOM domain: mem_over_limit), oom_kill (a task of its subtree
/// was killed by the OOM or forkbomb killer) and oom_group_kill (its subtree was killed whole through
/// memory.oom.group), each counted on the group and its non-root ancestors on v2 (on the group only on
/// v1), and the same three in memory.events.local (the group itself).
/// </summary>
public readonly record struct OomEvents(long Oom, long OomKill, long OomGroupKill, long LocalOom, long LocalOomKill, long LocalOomGroupKill)
{
    /// <summary>The counters after one more event of the kind: local too when the group is the one it happened to.</summary>
    public OomEvents Counted(MemcgOomEvent kind, bool local) => kind switch
    {
        MemcgOomEvent.Oom => this with { Oom = Oom + 1, LocalOom = LocalOom + (local ? 1 : 0) },
        MemcgOomEvent.OomKill => this with { OomKill = OomKill + 1, LocalOomKill = LocalOomKill + (local ? 1 : 0) },
        _ => this with { OomGroupKill = OomGroupKill + 1, LocalOomGroupKill = LocalOomGroupKill + (local ? 1 : 0) },
    };

    public override string ToString() => $"oom {Oom}/{LocalOom} oom_kill {OomKill}/{LocalOomKill} oom_group_kill {OomGroupKill}/{LocalOomGroupKill}";
}

/// <summary>The memory.events counters the OOM killer raises.</summary>
public enum MemcgOomEvent
{
    Oom,
    OomKill,
    OomGroupKill,
}

/// <summary>
/// The counters that include what per-CPU stocks hold and so are compared within the stock bound,
/// not exactly: the raw usage counter, memory.peak (the watermark) and the v1 memory failcnt. The
/// model reports them for logical usage; the impl for its raw counters.
/// </summary>
public readonly record struct MemcgWatermark(long Id, long RawCurrent, long Peak, long Failcnt);

/// <summary>A page a task touched: its pfn, page cache or anonymous, the task that touched it (anonymous pages are freed with it) and the group it is charged to (its memory group when it touched it).</summary>
/// <summary>One page-table page of a task (its /proc/pid/status VmPTE counts them): a snapshot lists them by pfn.</summary>
public readonly record struct PageTableInfo(long Pfn, long OwnerPid)
{
    public override string ToString() => $"[page table {Pfn} of task {OwnerPid}]";
}

public readonly record struct UserPageInfo(long Pfn, bool File, long OwnerPid, long CgroupId)
{
    public override string ToString() => $"[{(File ? "file" : "anon")} page {Pfn} of task {OwnerPid} charged to {CgroupId}]";
}

/// <summary>
/// A removed memory group that user pages or charged sockets of its subtree still reference (a dying
/// memcg: counted in cgroup.stat nr_dying_descendants); it goes when the last of them does. Kernel
/// memory does not keep it: its obj_cgroups moved to the parent. Current is its counter: those pages
/// plus the kernel pages charged through it before it was removed (never uncharged from it after).
/// </summary>
public readonly record struct DyingMemcgInfo(long Id, long ParentId, long Current)
{
    public override string ToString() => $"[dying memcg {Id} parent {ParentId} current {Current}]";
}

/// <summary>A live socket: the group it was made in (its memory group then), its buffer pages, and whether they are charged (v2: to memory; v1: to tcp, once a tcp limit was written; never in a root).</summary>
public readonly record struct SocketInfo(long Id, long CgroupId, int Pages, bool Charged)
{
    public override string ToString() => $"[socket {Id} of {CgroupId}, {Pages} pages{(Charged ? " charged" : "")}]";
}
