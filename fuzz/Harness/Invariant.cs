namespace Verify.Fuzz.Harness;

/// <summary>
/// The invariant catalogue: numbered, named, each with its meaning. README.md lists the same
/// entries; a test keeps the two in step.
/// </summary>
public static class Invariant
{
    public const string ConservationPages = "I4.conservation.pages";
    public const string ConservationBuddyInfo = "I4.conservation.buddyinfo";
    public const string BuddyAligned = "I5.buddy-shape.aligned";
    public const string BuddyInside = "I5.buddy-shape.inside-machine";
    public const string BuddyDisjoint = "I5.buddy-shape.disjoint";
    public const string BuddyCoalesced = "I5.buddy-shape.coalesced";
    public const string BuddyAllocationLive = "I5.buddy-shape.allocation-not-free";
    public const string SlabInsideSlab = "I6.slab-shape.inside-slab";
    public const string SlabDisjoint = "I6.slab-shape.disjoint";
    public const string SlabInUseCount = "I6.slab-shape.inuse-count";
    public const string SlabPagesAllocated = "I6.slab-shape.pages-allocated";
    public const string SlabInfoCounts = "I6.slab-shape.slabinfo";
    public const string SlabObjectPageAllocated = "I6.slab-shape.object-page-allocated";
    public const string UnaccountingOnlyWhenEmpty = "I2.unaccounting.only-when-empty";
    public const string KmallocAccountingFixed = "I2.unaccounting.kmalloc-fixed";
    public const string ConservationReclaimable = "I4.conservation.reclaimable";
    public const string ConservationReparenting = "I4.conservation.reparenting";
    public const string LimitsPidsAfterFork = "I3.limits.pids-after-fork";
    public const string NoDoubleChargePages = "I1.no-double-charge.user-pages";
    public const string NoDoubleChargeUsage = "I1.no-double-charge.usage";
    public const string NoDoubleChargeKernel = "I1.no-double-charge.kernel";
    public const string UnaccountingChargesFollowAccounting = "I2.unaccounting.charges-follow-accounting";
    public const string LimitsKmemAfterCharge = "I3.limits.kmem-after-charge";
    public const string LimitsRawCounters = "I3.limits.raw-counters";
    public const string LimitsMemoryAfterCharge = "I3.limits.memory-after-charge";
    public const string LimitsMemoryHigh = "I3.limits.memory-high";
    public const string IsolationMemory = "I7.isolation.memory";
    public const string IsolationDosFreedom = "I7.isolation.dos-freedom";
    public const string IsolationPids = "I7.isolation.pids";
    public const string OomDomain = "I9.oom.domain";
    public const string OomNeverProtected = "I9.oom.never-protected";
    public const string OomOnlyWhenNeeded = "I9.oom.only-when-needed";
    public const string OomForkbombSubtree = "I9.oom.forkbomb-subtree";
    public const string ConservationOomKill = "I4.conservation.oom-kill";
    public const string ConservationPageTables = "I4.conservation.page-tables";
    public const string ConservationPools = "I4.conservation.pools";
    public const string PoolsProtectedWrite = "I10.pools.protected-write";
    public const string PoolsProtectedPages = "I10.pools.protected-pages";
    public const string CgroupTree = "I8.cgroup-shape.tree";
    public const string CgroupMembership = "I8.cgroup-shape.membership";
    public const string CgroupTasksCount = "I8.cgroup-shape.tasks-count";
    public const string CgroupPidsCount = "I8.cgroup-shape.pids-count";
    public const string CgroupPopulated = "I8.cgroup-shape.populated";
    public const string CgroupReleaseOnce = "I8.cgroup-shape.release-once";
    public const string CgroupPopulatedEvents = "I8.cgroup-shape.populated-events";

    /// <summary>Not invariants of one side but of the pair: the contract of equivalence.</summary>
    public const string EquivalenceOutcome = "E1.equivalence.outcome";
    public const string EquivalenceSnapshot = "E2.equivalence.snapshot";
    public const string NoException = "E3.no-exception";
    public const string EquivalenceEffects = "E4.equivalence.effects";
    public const string EquivalenceWatermarks = "E5.equivalence.watermarks";

    /// <summary>Every invariant with its meaning: the ones below and the structure family (S*, Verify.Model.Contract.StructureInvariant).</summary>
    public static readonly IReadOnlyDictionary<string, string> Meanings = WithStructureInvariants(new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        [ConservationPages] = "free pages plus allocated pages equal the machine's pages",
        [ConservationBuddyInfo] = "/proc/buddyinfo counts exactly the free blocks of each order",
        [BuddyAligned] = "every free block and every Block allocation starts at a multiple of its size",
        [BuddyInside] = "every block lies wholly inside the machine",
        [BuddyDisjoint] = "no two blocks (free or allocated) share a page",
        [BuddyCoalesced] = "no free block has its buddy free at the same order (maximal coalescing)",
        [BuddyAllocationLive] = "a page just allocated lies in no free block; a page just freed lies in one",
        [SlabInsideSlab] = "every live object starts at slab start + k * s->size (k < objects per slab) of a slab of its own cache",
        [SlabDisjoint] = "no two slabs share a page and no two live objects share an address",
        [SlabInUseCount] = "a slab's in-use count equals the number of live objects in it",
        [SlabPagesAllocated] = "every slab is exactly one Slab allocation of the buddy allocator (same first page and size) and every Slab allocation is one slab",
        [SlabInfoCounts] = "each slabinfo line matches the slabs and objects listed, and its geometry (objects per slab, pages per slab, min_partial) is SlabGeometry's for its s->size and the machine's CPUs",
        [SlabObjectPageAllocated] = "a slab or kmalloc object just allocated lies on an allocated page of the machine (checked per step)",
        [UnaccountingOnlyWhenEmpty] = "no cache with accounting off holds an object allocated accounted; each cache's accounted-object count is right",
        [KmallocAccountingFixed] = "kmalloc-N and kmalloc-rcl-N caches are never accounted, kmalloc-cg-N caches always are",
        [ConservationReclaimable] = "reclaimable bytes equal the live objects of SLAB_RECLAIM_ACCOUNT caches, dentries and their name buffers included; each dentry and name buffer is such a live object",
        [LimitsPidsAfterFork] = "after a successful fork no group on the child's chain is above its pids.max (attach and a lowered pids.max are the kernel's exceptions: they may leave a group above it; fuzz reach counts them)",
        [NoDoubleChargePages] = "every anonymous and page-cache page is listed once, charged to one group: a live one, a dying one (removed, still holding charges) or the root; socket pages are exactly the live sockets' pages, each charged socket to one such group",
        [NoDoubleChargeUsage] = "each memory group's current, anon, file, sock, kernel, slab, kernel_stack and pagetables stats equal what is charged to it and its descendants (dying ones included; v2 sockets count in current and sock, v1 ones in tcp usage; kernel: per obj_cgroup now charging in the subtree, its whole pages plus ceil(its object bytes / 4096)); a dying group is referenced by at least one page or tcp page of its subtree and counts at least those",
        [NoDoubleChargeKernel] = "every kernel charge is listed once and names a live thing (a slab object of the size it is charged for, or a large kmalloc, an alloc_pages block or a vmalloc page of as many pages), charged through a live group's or a removed group's obj_cgroup that now charges a live group or the root",
        [UnaccountingChargesFollowAccounting] = "no object of a cache created by cache_create is charged while its cache has accounting off (turning accounting off never strands a charge)",
        [ConservationReparenting] = "removing a memory group changes no live ancestor's usage or kernel stat: its user pages stay charged to it (dying) and its kernel objects move to the parent (per step, full checks)",
        [LimitsRawCounters] = "on each side, per step: a group's peak (watermark) and failcnt never go down, and its raw usage (the impl's counter, stocks included) is above memory.max only while its logical usage is (a lowered v2 memory.max) (per step, full checks)",
        [LimitsKmemAfterCharge] = "on v1, after a successful kernel charge no level of the current task's chain has kernel memory above memory.kmem.limit_in_bytes (per step, full checks)",
        [LimitsMemoryAfterCharge] = "after a successful charge no level of the charging group's chain is above memory.max (a v2 memory.max lowered below usage stays exceeded until the OOM killer; no charge succeeds meanwhile; checked per step under full checks)",
        [LimitsMemoryHigh] = "on v2, after a successful charge no level of the chain is above memory.high while page cache below it is left to reclaim (per step, full checks)",
        [IsolationMemory] = "a step raises the usage of no memory group outside the chain of the task it charges (reclaim may lower others) (per step, full checks)",
        [IsolationDosFreedom] = "when the top-level memory limits plus the memory no group is charged for fit in the machine, a touch by a task whose every level has room (for a page table too when the page needs one, and on v1 kmem room for it) never fails with ENOMEM because of another group (per step, full checks)",
        [IsolationPids] = "a fork, exit or attach changes the pids count of no group outside the ancestors of the groups the task was and is in; any other step changes none (checked per step under full checks)",
        [OomDomain] = "every task the OOM killer kills follows an OOM and was live before the step in that OOM's domain (the memcg's subtree, or anywhere for a global OOM), and its kill names its memory group (per step, full checks)",
        [OomNeverProtected] = "the OOM killer never kills init or a task with oom_score_adj -1000, not even in a memory.oom.group sweep (per step, full checks)",
        [OomOnlyWhenNeeded] = "a memcg OOM happens only when the domain's usage plus the pages asked for is above its memory.max (a memory.max write: usage alone), and only for at most 8 pages; a global OOM only for allocations of order 3 or less (per step, full checks)",
        [OomForkbombSubtree] = "the forkbomb killer names a record that existed before the step with a family of at least 10, and kills only tasks whose record is strictly under it (never the bomb's own task) (per step, full checks)",
        [ConservationOomKill] = "a task the OOM killer killed is gone after the step and owns no anonymous page and no page table: its memory was returned entirely (per step, full checks)",
        [ConservationPools] = "every area of a live pool is a live vmalloc area of the same size (so its pages are Vmalloc allocations of the buddy allocator, which hold exactly the vmalloc areas' pages) handing out at most its pages; every pool object lies, 8-byte aligned and disjoint from the others, inside the bytes its own pool's area handed out",
        [PoolsProtectedWrite] = "a pool_write succeeds only on an object whose area is unprotected, a pool_rare_write only on a rare-write pool, and a protected object's value changes only by a rare write on it (per step, full checks)",
        [PoolsProtectedPages] = "a protected pool area stays, protected, until its pool is destroyed: protected memory is freed only by pool_destroy (per step, full checks)",
        [ConservationPageTables] = "each live task holds exactly ceil(its anonymous pages / 512) page-table pages and no other task holds any; the page tables are exactly the PageTable allocations, and every PageTable kernel charge is on one of them",
        [CgroupTree] = "each hierarchy has its root (id h+1, path /); every other group has a live parent in its hierarchy and the path parent/g<id>; notify_on_release is off on v2",
        [CgroupMembership] = "every live task is in exactly one live group of each hierarchy; init is live; a task's parent is live (children of an exited task go to init); the current task is live on a CPU of the machine",
        [CgroupTasksCount] = "a group's task count equals the live tasks in it",
        [CgroupPidsCount] = "pids.current of each non-root group of the pids hierarchy equals the live tasks of its subtree (0 elsewhere)",
        [CgroupPopulated] = "a group is populated exactly when its subtree holds a task",
        [CgroupReleaseOnce] = "a step raises one release notification for each v1 group with notify_on_release that it left empty (no task in the subtree, no live child) and none other (checked per step under full checks)",
        [CgroupPopulatedEvents] = "on v2 a step raises one populated event, with the new value, for each non-root group whose populated state it flipped, and none other (checked per step under full checks)",
        [EquivalenceOutcome] = "model and impl return the same outcome at every step",
        [EquivalenceSnapshot] = "model and impl have the same snapshot (and digest) after every step",
        [NoException] = "no call throws: expected failures are errno outcomes",
        [EquivalenceWatermarks] = "raw usage, memory.peak and failcnt, which count what per-CPU stocks hold, agree within the stock bound: the impl's raw usage and watermark are at least the model's usage and peak and at most 64 x (7 x CPUs + 1) pages above them, its failcnt at least the model's",
        [EquivalenceEffects] = "model and impl have the same side effects (release notifications, populated events, OOMs and the tasks they kill), in the same order, at every step",
    });

    private static SortedDictionary<string, string> WithStructureInvariants(SortedDictionary<string, string> meanings)
    {
        foreach (var (name, meaning) in Verify.Model.Contract.StructureInvariant.Meanings) meanings.Add(name, meaning);
        return meanings;
    }
}

/// <summary>One broken invariant on one side ("model" or "impl", or "pair" for equivalence).</summary>
public sealed record Violation(string Invariant, string Side, string Message)
{
    public override string ToString() => $"{Invariant} on {Side}: {Message}";
}
