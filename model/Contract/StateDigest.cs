using Verify.Model.Slab;

namespace Verify.Model.Contract;

/// <summary>
/// A commutative digest of observable state: each element contributes Mix(element) by wrapping
/// addition, so both sides can maintain it incrementally (add on insert, subtract on removal)
/// and the result does not depend on the order elements were inserted or are stored in.
/// Equal states give equal digests; different digests prove different states.
/// </summary>
public static class StateDigest
{
    public static ulong FreeBlock(long pfn, int order) => Mix(((ulong)pfn << 8) | (uint)order | Kind(Tag.FreeBlock));

    public static ulong Allocation(long pfn, long pages, AllocationKind kind) =>
        Mix(((ulong)pfn << 24) ^ ((ulong)pages << 2) ^ (ulong)kind ^ Kind(Tag.Allocation));

    /// <summary>
    /// A cache: its id, what it was created with (object size, flags), everything its geometry
    /// decides (s->size, order, objects per slab, min_partial, the min order it was created with; the waste per slab follows from
    /// these) and its accounting switch. Every field enters, so a cache whose geometry differs
    /// gives a different digest at the step that creates it, and the cheap check sees it there.
    /// </summary>
    public static ulong SlabCache(int id, int objectSizeBytes, SlabFlags flags, CacheGeometry geometry, bool accounted)
    {
        ulong created = Mix(((ulong)(uint)id << 32) ^ ((ulong)(uint)objectSizeBytes << 8) ^ (ulong)flags ^ Kind(Tag.SlabCache));
        ulong shape = Mix(created ^ ((ulong)(uint)geometry.SizeBytes << 40) ^ ((ulong)(uint)geometry.ObjectsPerSlab << 8) ^ (uint)geometry.Order);
        return Mix(shape ^ ((ulong)(uint)geometry.MinPartial << 1) ^ ((ulong)(uint)geometry.MinOrder << 40) ^ (accounted ? 1UL : 0));
    }

    public static ulong Slab(long pfn, int cacheId) => Mix(((ulong)pfn << 20) ^ (uint)cacheId ^ Kind(Tag.Slab));

    public static ulong SlabObject(long address, int cacheId, bool accounted) =>
        Mix(((ulong)address << 12) ^ ((ulong)(uint)cacheId << 1) ^ (accounted ? 1UL : 0) ^ Kind(Tag.SlabObject));

    public static ulong LargeKmalloc(long pfn, int order) => Mix(((ulong)pfn << 8) ^ (uint)order ^ Kind(Tag.LargeKmalloc));

    public static ulong VmallocArea(long id, int pages) => Mix(((ulong)id << 32) ^ (uint)pages ^ Kind(Tag.VmallocArea));

    public static ulong Dentry(long id, long address, long nameAddress, int pins) =>
        Mix(((ulong)id << 40) ^ ((ulong)address << 4) ^ ((ulong)nameAddress * 31) ^ (uint)pins ^ Kind(Tag.Dentry));

    /// <summary>
    /// A cgroup's fields other than its pids count and task count, which enter linearly (PidsUnit,
    /// TasksUnit): a charge, an uncharge or a task joining then changes the digest by one addition
    /// per group touched, in any order.
    /// </summary>
    public static ulong Cgroup(long id, long parentId, int hierarchy, bool populated, long pidsMax, long eventsMax, long eventsLocalMax, bool notifyOnRelease)
    {
        ulong shape = Mix(((ulong)id << 32) ^ ((ulong)parentId << 2) ^ (ulong)hierarchy ^ Kind(Tag.Cgroup));
        return Mix(shape ^ ((ulong)pidsMax << 20) ^ ((ulong)eventsMax << 8) ^ ((ulong)eventsLocalMax << 40) ^ (notifyOnRelease ? 2UL : 0) ^ (populated ? 1UL : 0));
    }

    /// <summary>What one pid charged to a cgroup adds to the digest (pids.current times this; odd, so no count wraps to zero before 2^64).</summary>
    public static ulong PidsUnit(long id) => Mix((ulong)id ^ Kind(Tag.PidsUnit)) | 1;

    /// <summary>What one task in a cgroup itself adds to the digest (its task count times this).</summary>
    public static ulong TasksUnit(long id) => Mix((ulong)id ^ Kind(Tag.TasksUnit)) | 1;

    public static ulong Task(long pid, long parentPid, long cgroup0, long cgroup1, int execs, int oomScoreAdj) =>
        Mix(Mix(Mix(((ulong)pid << 32) ^ (ulong)parentPid ^ Kind(Tag.Task)) ^ ((ulong)cgroup0 << 24) ^ ((ulong)cgroup1 << 4) ^ ((ulong)(uint)execs << 44)) ^ (ulong)(uint)oomScoreAdj);

    /// <summary>A group's memory limits and events (its usage enters linearly through MemoryUnit).</summary>
    public static ulong Memcg(long id, long max, long high, long eventsMax, long eventsHigh, long eventsLocalMax, long eventsLocalHigh, long kmemMax, long tcpMax, bool tcpActive, bool tcpPressure, bool oomGroup)
    {
        ulong limits = Mix(((ulong)id << 20) ^ ((ulong)max * 31) ^ ((ulong)high << 7) ^ Kind(Tag.Memcg));
        ulong events = Mix(limits ^ ((ulong)eventsMax << 40) ^ ((ulong)eventsHigh << 20) ^ ((ulong)eventsLocalMax << 8) ^ (ulong)eventsLocalHigh);
        return Mix(events ^ ((ulong)kmemMax * 17) ^ ((ulong)tcpMax << 3) ^ (tcpActive ? 1UL : 0) ^ (tcpPressure ? 2UL : 0) ^ (oomGroup ? 1UL << 62 : 0));
    }

    /// <summary>One mm_record of the forkbomb tracker.</summary>
    public static ulong MmRecord(long id, long parentId, long pid, long birthMs) =>
        Mix(Mix(((ulong)id << 32) ^ ((ulong)parentId << 12) ^ (ulong)pid ^ Kind(Tag.MmRecord)) ^ (ulong)birthMs);

    /// <summary>The forkbomb tracker's knobs and clock.</summary>
    public static ulong Forkbomb(in ForkbombInfo f) =>
        Mix(Mix(((ulong)f.IntervalMs << 24) ^ (f.Enabled ? 1UL : 0) ^ (f.ReclaimSinceCheck ? 2UL : 0) ^ Kind(Tag.Forkbomb))
            ^ (ulong)f.NowMs ^ ((ulong)f.LastCheckMs << 28) ^ ((ulong)f.TasksAtLastCheck << 52));

    /// <summary>A live memory group's OOM events (added beside its Memcg term).</summary>
    public static ulong MemcgOom(long id, OomEvents e) =>
        Mix(Mix(((ulong)id << 24) ^ ((ulong)e.Oom << 48) ^ ((ulong)e.OomKill << 32) ^ ((ulong)e.OomGroupKill << 16) ^ Kind(Tag.MemcgOom))
            ^ ((ulong)e.LocalOom << 48) ^ ((ulong)e.LocalOomKill << 32) ^ ((ulong)e.LocalOomGroupKill << 16));

    /// <summary>A live socket: its id, group, page count and whether it is charged; each of its pages adds SocketPage.</summary>
    public static ulong Socket(long id, long cgroupId, int pages, bool charged) =>
        Mix(((ulong)id << 32) ^ ((ulong)cgroupId << 8) ^ ((ulong)(uint)pages << 1) ^ (charged ? 1UL : 0) ^ Kind(Tag.Socket));

    public static ulong SocketPage(long pfn, long socketId) => Mix(((ulong)pfn << 24) ^ (ulong)socketId ^ Kind(Tag.SocketPage));

    /// <summary>What one live kernel-memory charge adds.</summary>
    public static ulong KernelCharge(KernelChargeKind kind, long key, long objcg, long amount) =>
        Mix(Mix(((ulong)key << 8) ^ (ulong)kind ^ Kind(Tag.KernelCharge)) ^ ((ulong)objcg << 32) ^ (ulong)amount);

    /// <summary>What one user page adds: its pfn, kind and the group it is charged to.</summary>
    public static ulong UserPage(long pfn, bool file, long cgroupId, long ownerPid) =>
        Mix(((ulong)pfn << 24) ^ ((ulong)cgroupId << 1) ^ (file ? 1UL : 0) ^ ((ulong)ownerPid << 44) ^ Kind(Tag.UserPage));

    /// <summary>What one page-table page adds: its pfn and the task it maps for.</summary>
    public static ulong PageTable(long pfn, long ownerPid) => Mix(((ulong)pfn << 24) ^ ((ulong)ownerPid << 44) ^ Kind(Tag.PageTable));

    /// <summary>A live pool.</summary>
    public static ulong Pool(long id, PoolFlags flags) => Mix(((ulong)id << 8) ^ (ulong)flags ^ Kind(Tag.Pool));

    /// <summary>An area of a pool: what a protect or an allocation changes in it enters with it.</summary>
    public static ulong PoolArea(long poolId, long areaId, int pages, int usedBytes, bool isProtected) =>
        Mix(Mix(((ulong)poolId << 32) ^ (ulong)areaId ^ Kind(Tag.PoolArea)) ^ ((ulong)(uint)pages << 33) ^ ((ulong)(uint)usedBytes << 1) ^ (isProtected ? 1UL : 0));

    /// <summary>A pool object with its value (a write subtracts the old term and adds the new).</summary>
    public static ulong PoolObject(long id, long poolId, long areaId, int offsetBytes, int bytes, long value) =>
        Mix(Mix(Mix(((ulong)id << 32) ^ ((ulong)poolId << 8) ^ Kind(Tag.PoolObject)) ^ ((ulong)areaId << 40) ^ ((ulong)(uint)offsetBytes << 20) ^ (uint)bytes) ^ (ulong)value);

    public static ulong Current(long pid, int cpu) => Mix(((ulong)pid << 8) ^ (uint)cpu ^ Kind(Tag.Current));

    /// <summary>
    /// The kind of a term, XORed into the top byte of its
    /// first Mix input: every kind has its own number here, so terms of different kinds start from
    /// different inputs even when their fields are equal.
    /// </summary>
    private enum Tag : byte
    {
        FreeBlock = 1,
        Allocation,
        SlabCache,
        Slab,
        SlabObject,
        LargeKmalloc,
        VmallocArea,
        Dentry,
        Cgroup,
        PidsUnit,
        TasksUnit,
        Task,
        Current,
        Memcg,
        MemcgOom,
        UserPage,
        Socket,
        SocketPage,
        KernelCharge,
        PageTable,
        Pool,
        PoolArea,
        PoolObject,
        MmRecord,
        Forkbomb,
    }

    private static ulong Kind(Tag tag) => (ulong)tag << 56;

    /// <summary>splitmix64 finalizer: a bijection on 64 bits with good avalanche.</summary>
    public static ulong Mix(ulong x)
    {
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return x;
    }
}
