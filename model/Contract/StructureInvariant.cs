namespace Verify.Model.Contract;

/// <summary>
/// The S* family of the invariant catalogue: internal invariants of the impl's clever structures,
/// each checked against the structure's own redundant state by its CheckConsistency. They hold
/// whatever the outcomes say, so a corruption is caught at the step it happens, not at the rare
/// later step where it would change a placement.
/// </summary>
public static class StructureInvariant
{
    public const string LowestSetBitmap = "S1.structure.lowest-set-bitmap";
    public const string BuddyIndex = "S2.structure.buddy-index";
    public const string PartialHeap = "S3.structure.partial-heap";
    public const string SlabRecords = "S4.structure.slab-records";
    public const string Reciprocal = "S5.structure.reciprocal";
    public const string DentryLru = "S6.structure.dentry-lru";
    public const string VmallocChains = "S7.structure.vmalloc-chains";
    public const string PidsCounters = "S8.structure.pids-counters";
    public const string TaskLists = "S9.structure.task-lists";
    public const string IdTables = "S10.structure.id-tables";
    public const string PageCounters = "S11.structure.page-counters";
    public const string PageStocks = "S12.structure.page-stocks";
    public const string ByteStocks = "S13.structure.byte-stocks";
    public const string LruLists = "S14.structure.lru-lists";
    public const string MemcgPages = "S15.structure.memcg-pages";
    public const string MemcgKernel = "S16.structure.memcg-kernel";
    public const string MmRecords = "S17.structure.mm-records";
    public const string ResidentCounts = "S18.structure.resident-counts";
    public const string PageTables = "S19.structure.page-tables";
    public const string Pools = "S20.structure.pools";

    public static readonly IReadOnlyDictionary<string, string> Meanings = new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        [LowestSetBitmap] = "a LowestSetBitmap's summary bit is set exactly when the word below it is non-zero, and no bit lies beyond its capacity",
        [BuddyIndex] = "the buddy allocator's page-state arrays, per-order bitmaps, per-order counts, non-empty-order mask and page counters describe the same free blocks and allocations",
        [PartialHeap] = "each partial-slab heap is min-ordered, its position index names every member's slot, and no other pfn has a position",
        [SlabRecords] = "every slab's owner entries, in-use count, summary word, free and accounted bitmaps, heap membership and its cache's counters agree",
        [Reciprocal] = "each cache's obj_to_index multiplier gives offset / s->size exactly for every offset inside its slabs, and its stored geometry is its s->size's with its min order",
        [DentryLru] = "the dentry LRU is a doubly linked list of exactly the live dentries in id order, and the name-buffer set holds exactly their external names",
        [VmallocChains] = "each vmalloc area's page chain has exactly its page count of distinct owned pages, and no other page is marked owned",
        [PidsCounters] = "each cgroup's pids counter equals the tasks in its subtree (0 without pids files), and its populated-children and live-children counts are what a recount gives",
        [TaskLists] = "each cgroup's intrusive task list per hierarchy is well linked and holds exactly the live tasks in it, as many as it counts; each task is on its parent's children list",
        [IdTables] = "the slot free lists hold exactly the unused slots, the pid and cgroup-id lookups map back to their slots, the pid bitmap marks exactly the live pids, and the digest equals a recomputation",
        [PageCounters] = "each page counter's usage is its own net charges plus its live children's usages, never negative and never above its watermark; failcnt counts only where enabled; each chain is the counter's ancestry up to its root",
        [PageStocks] = "each CPU's page stock caches a counter in at most one of its 7 slots, every cached counter is live, no slot holds more than 64 pages or pages without a counter, and the per-counter held pages and the total equal a recount",
        [ByteStocks] = "for every obj_cgroup, 4096 x pages charged equals live object bytes plus its per-CPU stock bytes plus nr_charged_bytes; no count is negative, a CPU without a cached obj_cgroup holds no bytes, and the bytes held equal a recount",
        [LruLists] = "each group's LRU list is well linked from oldest to newest, holds exactly the pages whose group resolves to it, as many as it counts, and every spliced list forwards to a live list without a cycle",
        [MemcgPages] = "each memory group's usage counter, less what the page and byte stocks hold for it, equals the user pages, socket pages and kernel pages (whole pages plus ceil(live object bytes / 4096) per obj_cgroup) charged in its subtree (dying descendants included), every owned page is on exactly one list, and the user pages' digest equals a recomputation",
        [MmRecords] = "the forkbomb tracker's creation list is well linked from oldest to newest, with ids increasing and births never decreasing along it, and holds exactly the live record slots; every parent is live and older, every child count equals a recount, a record's task slot holds a live task with its pid and points back to it (and no other task slot points at a record), and the records' digest equals a recomputation",
        [ResidentCounts] = "each task slot's resident-page count, which OOM badness reads, equals the length of its anonymous page list, and a slot without a live task has none",
        [PageTables] = "each task slot's page-table stack is well linked and holds exactly its count of pages, ceil(its resident pages / 512), each marked as a page table; no other page is marked, and the page tables' digest equals a recomputation",
        [Pools] = "each live pool's area chain holds exactly its area count, sequences counting down from the newest, each a live vmalloc area of its pages handing out no more than them; no more areas are protected than it has; its object chain holds live objects of its own areas inside their used bytes, and no other slot is live; the pools' digest equals a recomputation",
        [MemcgKernel] = "every obj_cgroup's live object bytes and whole pages, recounted from the per-slab obj_exts and the whole-page charges, equal its counts and the byte stocks' ledger; each live group's kmem counter equals the logical kernel pages of its subtree's obj_cgroups (whole pages plus ceil(live bytes / 4096)); the kernel charges' digest equals a recomputation",
    };
}
