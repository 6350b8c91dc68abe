namespace Verify.Model.Contract;

/// <summary>Constants of the modelled kernel (see KERNEL-FACTS.md).</summary>
public static class KernelConstants
{
    public const int PageSizeBytes = 4096;
    public const int PageShift = 12;

    /// <summary>MAX_PAGE_ORDER, inclusive: there are OrderCount free lists.</summary>
    public const int MaxPageOrder = 10;
    public const int OrderCount = MaxPageOrder + 1;

    public const int MachinePagesMin = 1;
    public const int MachinePagesMax = 1 << 20;
    public const int CpusMin = 1;
    public const int CpusMax = 64;

    /// <summary>PID_MAX_LIMIT on 64-bit: the largest pids.max value; PidsMaxValue (PIDS_MAX) stands for "max".</summary>
    public const long PidMaxLimit = 4L * 1024 * 1024;

    /// <summary>PIDS_MAX: the limit "max" is stored as.</summary>
    public const long PidsMaxValue = PidMaxLimit + 1;

    /// <summary>The argument of CgroupSetPidsMax that writes the word "max".</summary>
    public const long PidsMaxWord = -1;

    /// <summary>RESERVED_PIDS: after the cursor has passed it, pids wrap around to it, not to 1.</summary>
    public const int ReservedPids = 300;

    /// <summary>pid_max: max(PID_MAX_DEFAULT 32768, 1024 per possible CPU); pids are below it.</summary>
    public static int PidMax(int cpus) => Math.Max(32 * 1024, 1024 * cpus);

    /// <summary>The argument of CgroupSetLimit that writes the word "max".</summary>
    public const long LimitMaxWord = -1;

    /// <summary>The largest limit in pages a write accepts; "max" is stored as LimitUnlimited.</summary>
    public const long LimitPagesMax = 1L << 32;

    /// <summary>PAGE_COUNTER_MAX: what "max" is stored as.</summary>
    public const long LimitUnlimited = long.MaxValue / PageSizeBytes;

    /// <summary>A reclaim round frees up to max(charge, SWAP_CLUSTER_MAX) pages.</summary>
    public const int ReclaimBatchPages = 32;

    /// <summary>MEMCG_CHARGE_BATCH: a charge that misses the stock charges this many pages and stocks the surplus.</summary>
    public const int MemcgChargeBatch = 64;

    /// <summary>NR_MEMCG_STOCK (6.16+): page stock slots per CPU.</summary>
    public const int MemcgStockSlots = 7;

    /// <summary>How far a raw counter (watermark) may be above the logical one: every stock slot full, plus one batch charged on the way to a failure.</summary>
    public static long MemcgStockBound(int cpus) => (long)MemcgChargeBatch * (MemcgStockSlots * cpus + 1);

    /// <summary>
    /// A memcg reclaim round that frees fewer page-cache pages than it wants shrinks up to this many
    /// unpinned dentries charged in the subtree per page short (a dentry costs 200 bytes charged: about
    /// 20 fill a page). Our rule, simpler than the kernel's proportional slab shrinking.
    /// </summary>
    public const int ReclaimDentriesPerPage = 20;

    /// <summary>THREAD_SIZE_ORDER on x86-64: a kernel stack is 4 pages (16 KiB).</summary>
    public const int KernelStackOrder = 2;

    /// <summary>PTRS_PER_PTE on x86-64: one page-table page maps 512 pages.</summary>
    public const int PtesPerTable = 512;

    /// <summary>The page-table pages a task with that many anonymous pages holds: ceil(pages / PtesPerTable) (the upper levels are not modelled).</summary>
    public static long PageTablesFor(long anonPages) => (anonPages + PtesPerTable - 1) / PtesPerTable;

    /// <summary>obj_full_size: a slab object charged through an obj_cgroup costs its s->size plus the obj_cgroup pointer kept for it.</summary>
    public static long ObjcgFullSize(int sizeBytes) => sizeBytes + 8L;

    /// <summary>The largest socket buffer sock_alloc makes (bytes).</summary>
    public const long SockBytesMax = 64 * 1024;

    /// <summary>OOM_SCORE_ADJ_MIN and OOM_SCORE_ADJ_MAX: the range /proc/pid/oom_score_adj accepts (-1000: never chosen by the OOM killer).</summary>
    public const int OomScoreAdjMin = -1000, OomScoreAdjMax = 1000;

    /// <summary>
    /// PAGE_ALLOC_COSTLY_ORDER: the memcg OOM killer runs only for charges of at most 1 &lt;&lt; 3 = 8
    /// pages, the global one only for allocations of at most this order; larger ones just fail.
    /// </summary>
    public const int OomMaxOrder = 3;

    /// <summary>The forkbomb tracker's default reset interval and the range mm_tracking_reset_interval_msecs accepts.</summary>
    public const long ForkbombIntervalDefaultMs = 30_000, ForkbombIntervalMinMs = 1_000, ForkbombIntervalMaxMs = 600_000;

    /// <summary>The longest tick.</summary>
    public const long TickMaxMs = 65_536;

    /// <summary>A bomb's family (its live, killable tasks) must be at least this large for the forkbomb killer to act.</summary>
    public const int ForkbombFamilyMin = 10;

    /// <summary>The init task every machine starts with.</summary>
    public const long InitPid = 1;

    /// <summary>The largest request alloc_pages_exact can serve: one block of MaxPageOrder.</summary>
    public const long ExactBytesMax = (long)PageSizeBytes << MaxPageOrder;

    /// <summary>get_order(size): the smallest order whose block holds size bytes (size >= 1).</summary>
    public static int GetOrder(long sizeBytes)
    {
        int order = 0;
        while (((long)PageSizeBytes << order) < sizeBytes) order++;
        return order;
    }

    /// <summary>Number of whole pages that hold size bytes.</summary>
    public static long PagesFor(long sizeBytes) => (sizeBytes + PageSizeBytes - 1) / PageSizeBytes;
}
