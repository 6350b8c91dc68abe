using Verify.Fuzz.Formats;
using Verify.Model.Alphabet;
using Verify.Model.Contract;

namespace Verify.Fuzz.Harness;

/// <summary>
/// One way to reach one errno return of the model: the return is the Site-th
/// "return Outcome.Fail(Errno)" of that errno in Function of File (or, when Propagated, the
/// Site-th "if (!x.IsOk) return x;" that passes a failed call's outcome on). Several rows may name
/// one return when its condition has several parts. Steps is a scenario, "; " between trace lines,
/// whose last operation reaches the return; Form is the operation and argument form that does.
/// </summary>
public sealed record ErrorPath(
    string Id, string File, string Function, Errno Errno, int Site, bool Propagated, string Condition, string Form, string Steps)
{
    public Scenario Scenario => TraceFormat.Parse(Steps.Replace("; ", "\n", StringComparison.Ordinal), $"error path {Id}");
}

/// <summary>
/// The catalogue of the model's error paths: every errno return in model/ with an operation of the
/// alphabet that reaches it. properties/ErrorPathTests checks that it names every return in the
/// source and that each row's scenario ends in its errno on model and impl alike; the README's
/// "Error paths" table lists it. Ids are never reused; append new rows.
/// </summary>
public static class ErrorPaths
{
    private const string Buddy = "model/Buddy/BuddyAllocator.cs";
    private const string Kernel = "model/ModelKernel.cs";
    private const string Slab = "model/Slab/SlabAllocator.cs";
    private const string Dentry = "model/Slab/DentryCache.cs";
    private const string Vmalloc = "model/Slab/VmallocAllocator.cs";
    private const string Containers = "model/Cgroups/ProcessContainers.cs";
    private const string Memcg = "model/Memcg/MemoryCgroups.cs";
    private const string MemcgKernel = "model/Memcg/MemoryCgroups.Kernel.cs";
    private const string MemcgTables = "model/Memcg/MemoryCgroups.PageTables.cs";
    private const string TaskMemory = "model/Memcg/TaskKernelMemory.cs";
    private const string Forkbomb = "model/Oom/ForkbombTracker.cs";
    private const string Pools = "model/Slab/PoolAllocator.cs";

    private const string Small = "machine pages=16 cpus=1";
    private const string Cache64 = "cache_create size=64 align_log2=0 flags=0";
    private const string V1 = "machine pages=16 cpus=1 cgroups=v1";

    public static readonly IReadOnlyList<ErrorPath> All =
    [
        new("EP01", Buddy, "AllocPages", Errno.EINVAL, 1, false, "order above MAX_PAGE_ORDER (10)",
            "alloc_pages order=11..12", $"{Small}; alloc_pages order=11"),
        new("EP02", Buddy, "AllocPages", Errno.ENOMEM, 1, false, "no free block of the order or above",
            "alloc_pages (memory too small or full)", $"{Small}; alloc_pages order=5"),
        new("EP03", Buddy, "FreePages", Errno.EINVAL, 1, false, "order outside 0..10",
            "free_pages_order order=11..12", $"{Small}; alloc_pages order=0; free_pages_order ref=0 order=11"),
        new("EP04", Buddy, "FreePages", Errno.EINVAL, 2, false, "no live allocation starts at the pfn (double free, never allocated)",
            "free_pages_stale (a block)", $"{Small}; alloc_pages order=0; free_pages ref=0; free_pages_stale ref=0"),
        new("EP05", Buddy, "FreePages", Errno.EINVAL, 2, false, "the pfn starts an alloc_pages_exact run",
            "free_pages_order ref=<exact run>", $"{Small}; alloc_pages_exact bytes=4096; free_pages_order ref=0 order=0"),
        new("EP06", Buddy, "FreePages", Errno.EINVAL, 2, false, "the pfn starts a block of another order",
            "free_pages_order order=<not the block's>", $"{Small}; alloc_pages order=1; free_pages_order ref=0 order=0"),
        new("EP07", Buddy, "AllocPagesExact", Errno.EINVAL, 1, false, "size 0",
            "alloc_pages_exact bytes=0", $"{Small}; alloc_pages_exact bytes=0"),
        new("EP08", Buddy, "AllocPagesExact", Errno.EINVAL, 1, false, "size above 4 MiB",
            "alloc_pages_exact bytes=4194305..4198400", $"{Small}; alloc_pages_exact bytes=4194305"),
        new("EP09", Buddy, "AllocPagesExact", Errno.ENOMEM, 1, false, "no free block of get_order(size) or above",
            "alloc_pages_exact (memory too small or full)", $"{Small}; alloc_pages_exact bytes=65537"),
        new("EP10", Buddy, "FreePagesExact", Errno.EINVAL, 1, false, "no live exact run starts at the pfn (double free)",
            "free_pages_stale (an exact run)", $"{Small}; alloc_pages_exact bytes=4096; free_pages ref=0; free_pages_stale ref=0"),
        new("EP11", Buddy, "FreePagesExact", Errno.EINVAL, 1, false, "the pfn starts an alloc_pages block",
            "free_pages_exact_size ref=<block>", $"{Small}; alloc_pages order=0; free_pages_exact_size ref=0 bytes=4096"),
        new("EP12", Buddy, "FreePagesExact", Errno.EINVAL, 1, false, "an exact run of another page count",
            "free_pages_exact_size bytes=<not the run's pages>", $"{Small}; alloc_pages_exact bytes=8192; free_pages_exact_size ref=0 bytes=4096"),

        new("EP13", Kernel, "FreePages", Errno.EINVAL, 1, false, "the pfn starts a slab",
            "free_pages_stale (page reused by a slab)", $"{Small}; alloc_pages order=0; free_pages ref=0; kmalloc bytes=8 flags=0; free_pages_stale ref=0"),
        new("EP14", Kernel, "FreePages", Errno.EINVAL, 1, false, "the pfn starts a large kmalloc",
            "free_pages_stale (page reused by kmalloc > 8 KiB)", $"{Small}; alloc_pages order=0; free_pages ref=0; kmalloc bytes=8193 flags=0; free_pages_stale ref=0"),
        new("EP15", Kernel, "FreePages", Errno.EINVAL, 1, false, "the pfn is a vmalloc page",
            "free_pages_stale (page reused by vmalloc)", $"{Small}; alloc_pages order=0; free_pages ref=0; vmalloc bytes=4096; free_pages_stale ref=0"),
        new("EP16", Kernel, "Kfree", Errno.EINVAL, 1, false, "the address is a dentry's name buffer",
            "kfree_stale (address reused by a dentry name)", $"{Small}; kmalloc bytes=40 flags=2; kfree obj=0; dentry_alloc name_len=40; kfree_stale obj=0"),

        new("EP17", Slab, "CacheCreate", Errno.EINVAL, 1, false, "size 0",
            "cache_create size=0", $"{Small}; cache_create size=0 align_log2=0 flags=0"),
        new("EP18", Slab, "CacheCreate", Errno.EINVAL, 1, false, "size above 32768 (one object per order-3 slab)",
            "cache_create size=32769", $"{Small}; cache_create size=32769 align_log2=0 flags=0"),
        new("EP19", Slab, "CacheCreate", Errno.EINVAL, 1, false, "align above PAGE_SIZE",
            "cache_create align_log2=13", $"{Small}; cache_create size=24 align_log2=13 flags=0"),
        new("EP20", Slab, "CacheCreate", Errno.EINVAL, 1, false, "align not 0 or a power of two",
            "cache_create_raw align=<not a power of two>", $"{Small}; cache_create_raw size=64 align=24 flags=0"),
        new("EP21", Slab, "CacheCreate", Errno.EINVAL, 1, false, "a flag outside HWCACHE_ALIGN, ACCOUNT, RECLAIM_ACCOUNT",
            "cache_create_raw flags=8..15", $"{Small}; cache_create_raw size=64 align=0 flags=8"),
        new("EP22", Slab, "CacheDestroy", Errno.EINVAL, 1, false, "the cache was destroyed (double destroy)",
            "cache_destroy_stale", $"{Small}; {Cache64}; cache_destroy cache=0; cache_destroy_stale cache=0"),
        new("EP23", Slab, "CacheDestroy", Errno.EINVAL, 1, false, "a cache the machine setup made (kmalloc, dentry)",
            "setup_cache_destroy cache=0..39", $"{Small}; setup_cache_destroy cache=39"),
        new("EP24", Slab, "CacheDestroy", Errno.EBUSY, 1, false, "the cache holds objects",
            "cache_destroy (objects live)", $"{Small}; {Cache64}; cache_alloc cache=0; cache_destroy cache=0"),
        new("EP25", Slab, "CacheSetAccount", Errno.EINVAL, 1, false, "no such cache (destroyed)",
            "cache_set_account_stale", $"{Small}; {Cache64}; cache_destroy cache=0; cache_set_account_stale cache=0 on=1"),
        new("EP26", Slab, "CacheSetAccount", Errno.EINVAL, 2, false, "a kmalloc cache",
            "setup_cache_set_account cache=0..38", $"{Small}; setup_cache_set_account cache=5 on=1"),
        new("EP27", Slab, "CacheSetAccount", Errno.EBUSY, 1, false, "accounting off while the cache holds objects",
            "cache_set_account on=0 (objects live)", $"{Small}; cache_create size=64 align_log2=0 flags=2; cache_alloc cache=0; cache_set_account cache=0 on=0"),
        new("EP28", Slab, "CacheAlloc", Errno.EINVAL, 1, false, "no such created cache (destroyed)",
            "cache_alloc_stale", $"{Small}; {Cache64}; cache_destroy cache=0; cache_alloc_stale cache=0"),
        new("EP29", Slab, "CacheFree", Errno.EINVAL, 1, false, "the object's cache was destroyed",
            "cache_free_stale (cache destroyed)", $"{Small}; {Cache64}; cache_alloc cache=0; cache_free obj=0; cache_destroy cache=0; cache_free_stale obj=0"),
        new("EP30", Slab, "CacheFree", Errno.EINVAL, 1, false, "a cache the machine setup made (the dentry cache)",
            "cache_free_wrong cache=<the object's own>", $"{Small}; {Cache64}; cache_alloc cache=0; cache_free_wrong obj=0 cache=0"),
        new("EP31", Slab, "Kmalloc", Errno.EINVAL, 1, false, "size above 4 MiB",
            "kmalloc bytes=4194305..4198400", $"{Small}; kmalloc bytes=4194305 flags=0"),
        new("EP32", Slab, "Kmalloc", Errno.ENOMEM, 1, true, "above 8 KiB: no free block of get_order(size)",
            "kmalloc bytes=8193.. (memory too small or full)", $"{Small}; kmalloc bytes=65537 flags=0"),
        new("EP33", Slab, "Kfree", Errno.EINVAL, 1, false, "the address is in no slab and starts no large kmalloc (never allocated)",
            "kfree_stale (nothing freed yet)", $"{Small}; kfree_stale obj=0"),
        new("EP34", Slab, "Kfree", Errno.EINVAL, 1, false, "an address inside a large kmalloc",
            "kfree_inside (kmalloc > 8 KiB)", $"{Small}; kmalloc bytes=8193 flags=0; kfree_inside obj=0 offset=1"),
        new("EP35", Slab, "Kfree", Errno.EINVAL, 1, false, "the address is in a slab of a created cache or the dentry cache",
            "kfree_stale (address reused by a cache object)", $"{Small}; kmalloc bytes=8193 flags=0; kfree obj=0; {Cache64}; cache_alloc cache=0; kfree_stale obj=0"),
        new("EP36", Slab, "Allocate", Errno.ENOMEM, 1, true, "no free block for a new slab",
            "cache_alloc, kmalloc bytes=1..8192, dentry_alloc (memory full)", $"machine pages=1 cpus=1; alloc_pages order=0; {Cache64}; cache_alloc cache=0"),
        new("EP37", Slab, "FreeObject", Errno.EINVAL, 1, false, "the address is in no slab (its slab went back past min_partial)",
            "cache_free_stale (slab released)",
            "machine pages=128 cpus=1; cache_create size=32768 align_log2=0 flags=0; "
            + string.Concat(Enumerable.Repeat("cache_alloc cache=0; ", 9)) + string.Concat(Enumerable.Repeat("cache_free obj=0; ", 9))
            + "cache_free_stale obj=7"),
        new("EP38", Slab, "FreeObject", Errno.EINVAL, 1, false, "the address is in a slab of another cache",
            "cache_free_wrong", $"{Small}; {Cache64}; cache_create size=128 align_log2=0 flags=0; cache_alloc cache=0; cache_free_wrong obj=0 cache=1"),
        new("EP39", Slab, "FreeObject", Errno.EINVAL, 2, false, "not an object start",
            "cache_free_inside, kfree_inside", $"{Small}; {Cache64}; cache_alloc cache=0; cache_free_inside obj=0 offset=3"),
        new("EP40", Slab, "FreeObject", Errno.EINVAL, 3, false, "the object is free (double free)",
            "cache_free_stale, kfree_stale (slab kept)", $"{Small}; {Cache64}; cache_alloc cache=0; cache_free obj=0; cache_free_stale obj=0"),

        new("EP41", Dentry, "Alloc", Errno.EINVAL, 1, false, "name longer than 255 bytes",
            "dentry_alloc name_len=256", $"{Small}; dentry_alloc name_len=256"),
        new("EP42", Dentry, "Alloc", Errno.ENOMEM, 1, true, "no memory for the dentry object",
            "dentry_alloc (memory full)", "machine pages=1 cpus=1; alloc_pages order=0; dentry_alloc name_len=0"),
        new("EP43", Dentry, "Alloc", Errno.ENOMEM, 2, true, "no memory for the name buffer (the dentry object is given back)",
            "dentry_alloc name_len=33..255 (memory full)", "machine pages=2 cpus=1; dentry_alloc name_len=0; alloc_pages order=0; dentry_alloc name_len=100"),
        new("EP44", Dentry, "Shrink", Errno.EINVAL, 1, false, "a negative count",
            "shrink_negative", $"{Small}; shrink_negative count=-1"),
        new("EP45", Dentry, "ChangePins", Errno.EINVAL, 1, false, "the dentry was shrunk",
            "dentry_pin, dentry_unpin (dentry shrunk)", $"{Small}; dentry_alloc name_len=0; shrink count=1; dentry_pin dentry=0"),
        new("EP46", Dentry, "ChangePins", Errno.EINVAL, 1, false, "unpin of a dentry with no pins",
            "dentry_unpin (not pinned)", $"{Small}; dentry_alloc name_len=0; dentry_unpin dentry=0"),

        new("EP47", Vmalloc, "Vmalloc", Errno.EINVAL, 1, false, "size 0",
            "vmalloc bytes=0", $"{Small}; vmalloc bytes=0"),
        new("EP48", Vmalloc, "Vmalloc", Errno.EINVAL, 1, false, "size above 1 MiB",
            "vmalloc bytes=1048577..1052672", $"{Small}; vmalloc bytes=1048577"),
        new("EP49", Vmalloc, "Vmalloc", Errno.ENOMEM, 1, true, "a page runs out part way (every page taken is given back)",
            "vmalloc (memory too small or full)", "machine pages=4 cpus=1; vmalloc bytes=20480"),
        new("EP50", Vmalloc, "Vfree", Errno.EINVAL, 1, false, "no live area (double vfree, never allocated)",
            "vfree_stale", $"{Small}; vmalloc bytes=4096; vfree area=0; vfree_stale area=0"),

        new("EP51", Containers, "Fork", Errno.EAGAIN, 1, false,
            "one more task would take a level above its pids.max (the max event is counted); the other part, no free pid below pid_max, is unreachable by design (pid_max is at least 32768, a sequence at most 1024 operations)",
            "task_fork (a group at its pids.max)", $"{Small}; cgroup_create parent=0; cgroup_set_pids_max cgroup=1 value=0; task_attach task=0 cgroup=1; task_fork task=0"),
        new("EP53", Containers, "Exit", Errno.EINVAL, 1, false, "init (task 1) cannot exit",
            "task_exit task=<init>", $"{Small}; task_exit task=0"),
        new("EP54", Containers, "Remove", Errno.EINVAL, 1, false, "a root cannot be removed",
            "cgroup_remove cgroup=<a root>", $"{Small}; cgroup_remove cgroup=0"),
        new("EP55", Containers, "Remove", Errno.EBUSY, 1, false, "a task is in the group or below it",
            "cgroup_remove (populated)", $"{Small}; cgroup_create parent=0; task_attach task=0 cgroup=1; cgroup_remove cgroup=1"),
        new("EP56", Containers, "Remove", Errno.EBUSY, 1, false, "the group has a live child",
            "cgroup_remove (a child left)", $"{Small}; cgroup_create parent=0; cgroup_create parent=1; cgroup_remove cgroup=1"),
        new("EP57", Containers, "SetPidsMax", Errno.ENOENT, 1, false, "a root has no pids.max file",
            "cgroup_set_pids_max cgroup=<a root>", $"{Small}; cgroup_set_pids_max cgroup=0 value=5"),
        new("EP58", Containers, "SetPidsMax", Errno.ENOENT, 1, false, "a group of the v1 memory hierarchy has no pids.max file",
            "cgroup_set_pids_max cgroup=<a memory group>", $"{V1}; cgroup_create parent=0; cgroup_set_pids_max cgroup=2 value=5"),
        new("EP59", Containers, "SetPidsMax", Errno.EINVAL, 1, false, "a negative value other than the word max",
            "cgroup_set_pids_max value=-2", $"{Small}; cgroup_create parent=0; cgroup_set_pids_max cgroup=1 value=-2"),
        new("EP60", Containers, "SetPidsMax", Errno.EINVAL, 1, false, "a value above PID_MAX_LIMIT",
            "cgroup_set_pids_max value=4194305", $"{Small}; cgroup_create parent=0; cgroup_set_pids_max cgroup=1 value=4194305"),
        new("EP61", Containers, "SetNotifyOnRelease", Errno.EINVAL, 1, false, "notify_on_release exists on v1 only",
            "cgroup_set_notify_on_release (v2)", $"{Small}; cgroup_set_notify_on_release cgroup=0 on=1"),
        new("EP62", Containers, "RunOn", Errno.EINVAL, 1, false, "a CPU the machine does not have",
            "run_on cpu=<cpus or above>", $"{Small}; run_on task=0 cpu=1"),
        new("EP63", Containers, "NoSuchTask", Errno.ESRCH, 1, false, "no live task has the pid (every task operation looks it up here)",
            "task_exit_stale", $"{Small}; task_fork task=0; task_exit task=1; task_exit_stale task=0"),
        new("EP64", Containers, "NoSuchGroup", Errno.ENOENT, 1, false, "no live cgroup has the id (every cgroup operation looks it up here)",
            "task_attach_stale, cgroup_remove_stale", $"{Small}; cgroup_create parent=0; cgroup_remove cgroup=1; task_attach_stale task=0 cgroup=0"),

        new("EP65", Memcg, "Charge", Errno.ENOMEM, 1, false, "a level of the chain stays at its memory.max after a reclaim round frees nothing, and the OOM killer does not help (more than 8 pages, nothing killable, or the charging task was the one killed)",
            "task_touch_anon, task_touch_file (a group at its limit, no page cache left)", $"{Small}; {LimitedGroup}; task_touch_anon task=1 pages=3"),
        new("EP66", Memcg, "SetLimit", Errno.EBUSY, 1, false, "v1 memory.limit_in_bytes below usage, and reclaim frees nothing",
            "cgroup_set_limit counter=0 (v1, anonymous pages above the new limit)", $"{V1}; cgroup_create parent=0; task_fork task=0; task_attach task=1 cgroup=2; task_touch_anon task=1 pages=3; cgroup_set_limit cgroup=2 counter=0 pages=2"),
        new("EP67", Memcg, "SetLimit", Errno.EINVAL, 1, false, "pages below -1 or above LimitPagesMax, or a counter other than 0..3",
            "cgroup_set_limit pages=-2, pages=4294967297, counter=4", $"{Small}; cgroup_create parent=0; cgroup_set_limit cgroup=1 counter=0 pages=-2"),
        new("EP68", Memcg, "SetLimit", Errno.ENOENT, 1, false, "a root has no limit files (nor has a removed group)",
            "cgroup_set_limit cgroup=<a root>", $"{Small}; cgroup_set_limit cgroup=0 counter=0 pages=5"),
        new("EP69", Memcg, "SetLimit", Errno.ENOENT, 1, false, "a group of the v1 pids hierarchy has no memory files",
            "cgroup_set_limit cgroup=<a pids group>", $"{V1}; cgroup_create parent=1; cgroup_set_limit cgroup=2 counter=0 pages=5"),
        new("EP70", Memcg, "SetLimit", Errno.ENOENT, 2, false, "memory.high on v1, kmem or tcp on v2",
            "cgroup_set_limit counter=1 (v1), counter=2..3 (v2)", $"{Small}; cgroup_create parent=0; cgroup_set_limit cgroup=1 counter=2 pages=5"),
        new("EP71", Memcg, "Touch", Errno.ENOMEM, 1, true, "a page of the touch fails: the call stops there, the pages before stay",
            "task_touch_anon, task_touch_file pages=2.. (fails part way)", $"{Small}; {LimitedGroup}; task_set_oom_score_adj task=1 value=-1000; task_touch_anon task=1 pages=2"),
        new("EP72", Memcg, "TouchOne", Errno.ENOMEM, 2, true, "the machine has no free page, no page cache or dentry to reclaim, and the global OOM killer kills nothing (or the touching task)",
            "task_touch_anon (memory full)", "machine pages=1 cpus=1; alloc_pages order=0; task_touch_anon task=0 pages=1"),
        new("EP73", Memcg, "TouchOne", Errno.ENOMEM, 3, true, "the page's charge fails (the page goes back to the machine, and so does a page table taken for it)",
            "task_touch_anon, task_touch_file (a group at its limit)", $"{Small}; {LimitedGroup}; task_touch_anon task=1 pages=1; task_touch_file task=1 pages=1"),
        new("EP74", Memcg, "ChargeTcp", Errno.ENOMEM, 1, false, "v1: the socket's pages do not fit a tcp limit of the chain (the group's tcp pressure is set)",
            "sock_alloc (v1, a tcp limit written and full)", $"{V1}; cgroup_create parent=0; cgroup_set_limit cgroup=2 counter=3 pages=1; task_attach task=0 cgroup=2; sock_alloc task=0 bytes=8192"),
        new("EP75", Memcg, "SetLimit", Errno.EBUSY, 3, false, "v1 memory.kmem.tcp.limit_in_bytes below the tcp usage (no reclaim)",
            "cgroup_set_limit counter=3 (v1, sockets above the new limit)", $"{V1}; cgroup_create parent=0; cgroup_set_limit cgroup=2 counter=3 pages=-1; task_attach task=0 cgroup=2; sock_alloc task=0 bytes=8192; cgroup_set_limit cgroup=2 counter=3 pages=1"),
        new("EP76", Memcg, "SockAlloc", Errno.ENOMEM, 1, true, "the machine has no page for the socket buffer, nothing to reclaim and nothing the global OOM killer can kill (the pages taken go back)",
            "sock_alloc (memory full)", "machine pages=1 cpus=1; alloc_pages order=0; sock_alloc task=0 bytes=1"),
        new("EP77", Memcg, "SockAlloc", Errno.ENOMEM, 2, true, "the socket's charge fails: v2 memory after reclaim, v1 tcp (the pages go back)",
            "sock_alloc (v2, a group at its memory.max)", $"{Small}; {LimitedGroup}; sock_alloc task=1 bytes=12288"),
        new("EP78", Memcg, "SockFree", Errno.EINVAL, 1, false, "no live socket has the id (a double close)",
            "sock_free_stale", $"{Small}; sock_alloc task=0 bytes=1; sock_free sock=0; sock_free_stale sock=0"),
        new("EP79", MemcgKernel, "ChargeKernel", Errno.ENOMEM, 1, true, "a kernel charge's new pages do not fit memory after reclaim",
            "kmalloc flags=1, cache_alloc of an accounted cache (the current task's group at its memory.max)", $"{Small}; {FullGroup}; kmalloc bytes=8 flags=1"),
        new("EP80", Kernel, "ChargeNewObject", Errno.ENOMEM, 1, true, "the new object's charge fails: the object is freed again",
            "kmalloc flags=1, cache_alloc of an accounted cache (the current task's group at its memory.max)", $"{Small}; {FullGroup}; cache_create size=64 align_log2=0 flags=2; cache_alloc cache=0"),
        new("EP81", MemcgKernel, "ChargeKernel", Errno.ENOMEM, 1, false, "v1: the kernel charge fits memory but not a kmem limit of the chain (no reclaim; the memory charge is cancelled)",
            "kmalloc flags=1 (v1, memory.kmem.limit_in_bytes full)", $"{V1}; cgroup_create parent=0; cgroup_set_limit cgroup=2 counter=2 pages=0; task_attach task=0 cgroup=2; kmalloc bytes=8 flags=1"),
        new("EP82", Memcg, "SetLimit", Errno.EBUSY, 2, false, "v1 memory.kmem.limit_in_bytes below the kernel memory charged (no reclaim)",
            "cgroup_set_limit counter=2 (v1, kernel objects above the new limit)", $"{V1}; cgroup_create parent=0; task_attach task=0 cgroup=2; kmalloc bytes=8 flags=1; cgroup_set_limit cgroup=2 counter=2 pages=0"),
        new("EP83", Kernel, "AllocPagesAccount", Errno.ENOMEM, 1, true, "the machine has no block of the order (nothing is charged)",
            "alloc_pages_account (memory too small or full)", $"{Small}; alloc_pages_account order=5"),
        new("EP84", Vmalloc, "Vmalloc", Errno.ENOMEM, 1, true, "an accounted area's page charge fails part way (the pages taken are uncharged and given back)",
            "vmalloc_account (the current task's group at its memory.max)", $"{Small}; {FullGroup}; vmalloc_account bytes=8192"),
        new("EP88", Slab, "CacheFreeBulk", Errno.EINVAL, 1, false, "no live user cache has the id, or the address is in no slab of it",
            "cache_free_bulk (its cache destroyed)", $"{Small}; {Cache64}; cache_alloc cache=0; cache_alloc cache=0; cache_free_bulk obj=0 count=2; cache_destroy cache=0; cache_free_bulk obj=0 count=1"),
        new("EP89", Slab, "CacheFreeBulk", Errno.EINVAL, 2, false, "the first object is not a live object start, or count is outside 1..16",
            "cache_free_bulk of an object a batch freed", $"{Small}; {Cache64}; cache_alloc cache=0; cache_alloc cache=0; cache_free_bulk obj=0 count=2; cache_free_bulk obj=0 count=1"),
        new("EP90", Containers, "SetOomScoreAdj", Errno.EINVAL, 1, false, "a value outside -1000..1000",
            "task_set_oom_score_adj value=-1001, value=1001", $"{Small}; task_set_oom_score_adj task=0 value=1001"),
        new("EP91", Memcg, "SetOomGroup", Errno.ENOENT, 1, false, "a root has no memory.oom.group (nor has a group of the v1 pids hierarchy)",
            "cgroup_set_oom_group cgroup=<a root>", $"{Small}; cgroup_set_oom_group cgroup=0 value=1"),
        new("EP92", Memcg, "SetOomGroup", Errno.EINVAL, 1, false, "a value other than 0 and 1, or any write on v1",
            "cgroup_set_oom_group value=2 (or on v1)", $"{Small}; cgroup_create parent=0; cgroup_set_oom_group cgroup=1 value=2"),
        new("EP93", Forkbomb, "Tick", Errno.EINVAL, 1, false, "a negative tick, or one above TickMaxMs",
            "tick ms=-1", $"{Small}; tick ms=-1"),
        new("EP94", Forkbomb, "Enable", Errno.EINVAL, 1, false, "a value other than 0 and 1",
            "forkbomb_enable value=2", $"{Small}; forkbomb_enable value=2"),
        new("EP95", Forkbomb, "SetInterval", Errno.EINVAL, 1, false, "an interval outside 1000..600000 ms",
            "forkbomb_set_interval ms=999, ms=600001", $"{Small}; forkbomb_set_interval ms=999"),
        new("EP96", Memcg, "TouchOne", Errno.ENOMEM, 1, true, "an anonymous page needs one more page table and none can be had (EP97, EP98)",
            "task_touch_anon (memory full, or a group at its limit)", "machine pages=1 cpus=1; alloc_pages order=0; task_touch_anon task=0 pages=1"),
        new("EP97", MemcgTables, "GrowPageTables", Errno.ENOMEM, 1, true, "the machine has no page for the page table, nothing to reclaim and nothing the global OOM killer can kill (or it killed the touching task)",
            "task_touch_anon (memory full)", "machine pages=1 cpus=1; alloc_pages order=0; task_touch_anon task=0 pages=1"),
        new("EP98", MemcgTables, "GrowPageTables", Errno.ENOMEM, 2, true, "the page table's charge fails (the touching task's group at its memory.max, the OOM killer took the task or nothing; the page goes back)",
            "task_touch_anon (a group at its limit)", $"{Small}; cgroup_create parent=0; cgroup_set_limit cgroup=1 counter=0 pages=0; task_fork task=0; task_attach task=1 cgroup=1; task_touch_anon task=1 pages=1"),
        new("EP99", Kernel, "FreePages", Errno.EINVAL, 1, false, "the pfn is a page table",
            "free_pages_stale (page reused by a page table)", $"{Small}; alloc_pages order=0; free_pages ref=0; task_touch_anon task=0 pages=1; free_pages_stale ref=0"),
        new("EP85", Kernel, "TaskFork", Errno.ENOMEM, 1, true, "dup_task_struct fails: the machine or the forking task's group cannot hold the task_struct or the kernel stack (no pid is taken)",
            "task_fork (memory too small or full, or the group at its memory.max)", "machine pages=4 cpus=1; task_fork task=0"),
        new("EP86", TaskMemory, "Allocate", Errno.ENOMEM, 1, true, "no slab page for the task_struct (an order-3 slab)",
            "task_fork (memory too small or full)", "machine pages=4 cpus=1; task_fork task=0"),
        new("EP87", TaskMemory, "Allocate", Errno.ENOMEM, 2, true, "the task_struct's charge fails (the forking task's group at its memory.max; the object is freed)",
            "task_fork (the forking task's group at its memory.max)", $"{Small}; {FullGroup}; task_fork task=0"),
        new("EP100", Pools, "Create", Errno.EINVAL, 1, false, "flags outside rare write and account",
            "pool_create flags=4", $"{Small}; pool_create flags=4"),
        new("EP101", Pools, "Alloc", Errno.EINVAL, 1, false, "bytes 0 or above PoolObjectBytesMax (65536)",
            "pool_alloc bytes=0 or 65537", $"{Small}; pool_create flags=0; pool_alloc pool=0 bytes=0"),
        new("EP102", Pools, "Alloc", Errno.ENOMEM, 1, true, "the pool needs a new area and vmalloc cannot have it (memory full, or an accounted pool's group at its limit; every page taken goes back)",
            "pool_alloc (memory too small or full)", "machine pages=8 cpus=1; pool_create flags=0; pool_alloc pool=0 bytes=65536"),
        new("EP103", Pools, "Write", Errno.EPERM, 1, false, "the object's area is protected",
            "pool_write after pool_protect", $"{Small}; pool_create flags=0; pool_alloc pool=0 bytes=8; pool_protect pool=0; pool_write obj=0 value=1"),
        new("EP104", Pools, "RareWrite", Errno.EPERM, 1, false, "the object's pool was not created with rare write",
            "pool_rare_write (pool flags 0 or 2)", $"{Small}; pool_create flags=0; pool_alloc pool=0 bytes=8; pool_rare_write obj=0 value=1"),
        new("EP105", Pools, "NoSuchPool", Errno.EINVAL, 1, false, "no live pool has the id (alloc, protect and destroy look it up here; only a stale destroy can name one)",
            "pool_destroy_stale", $"{Small}; pool_create flags=0; pool_destroy pool=0; pool_destroy_stale pool=0"),
        new("EP106", Pools, "NoSuchObject", Errno.EINVAL, 1, false, "the object's pool was destroyed (write and rare write look it up here)",
            "pool_write or pool_rare_write after pool_destroy", $"{Small}; pool_create flags=0; pool_alloc pool=0 bytes=8; pool_destroy pool=0; pool_write obj=0 value=1"),
        new("EP107", Slab, "CacheCreateMinOrder", Errno.EINVAL, 1, false, "size 0 or above 2 MiB (one object per order-9 slab)",
            "cache_create_min_order size=0 or 2097153", $"{Small}; cache_create_min_order size=2097153 flags=0 min_order=9"),
        new("EP108", Slab, "CacheCreateMinOrder", Errno.EINVAL, 1, false, "min order above 9",
            "cache_create_min_order min_order=10", $"{Small}; cache_create_min_order size=655360 flags=0 min_order=10"),
    ];

    /// <summary>A group (cgroup ref 1) with memory.max 0 and init (the current task) in it.</summary>
    private const string FullGroup = "cgroup_create parent=0; cgroup_set_limit cgroup=1 counter=0 pages=0; task_attach task=0 cgroup=1";

    /// <summary>A group (cgroup ref 1) with memory.max 2 pages and a child of init (task ref 1) in it.</summary>
    private const string LimitedGroup = "cgroup_create parent=0; cgroup_set_limit cgroup=1 counter=0 pages=2; task_fork task=0; task_attach task=1 cgroup=1";
}
