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
    public static ulong FreeBlock(long pfn, int order) => Mix(((ulong)pfn << 8) | (uint)order | (1UL << 62));

    public static ulong Allocation(long pfn, long pages, AllocationKind kind) =>
        Mix(((ulong)pfn << 24) ^ ((ulong)pages << 2) ^ (ulong)kind ^ (2UL << 62));

    /// <summary>
    /// A cache: its id, what it was created with (object size, flags), everything its geometry
    /// decides (s->size, order, objects per slab, min_partial, the min order it was created with; the waste per slab follows from
    /// these) and its accounting switch. Every field enters, so a cache whose geometry differs
    /// gives a different digest at the step that creates it, and the cheap check sees it there.
    /// </summary>
    public static ulong SlabCache(int id, int objectSizeBytes, SlabFlags flags, CacheGeometry geometry, bool accounted)
    {
        ulong created = Mix(((ulong)(uint)id << 32) ^ ((ulong)(uint)objectSizeBytes << 8) ^ (ulong)flags ^ (3UL << 62));
        ulong shape = Mix(created ^ ((ulong)(uint)geometry.SizeBytes << 40) ^ ((ulong)(uint)geometry.ObjectsPerSlab << 8) ^ (uint)geometry.Order);
        ulong digest = Mix(shape ^ ((ulong)(uint)geometry.MinPartial << 1) ^ (accounted ? 1UL : 0));
        // The min order enters only when set, so every cache made by cache_create keeps its digest.
        return geometry.MinOrder == 0 ? digest : Mix(digest ^ ((ulong)(uint)geometry.MinOrder << 56));
    }

    public static ulong Slab(long pfn, int cacheId) => Mix(((ulong)pfn << 20) ^ (uint)cacheId ^ (0x5UL << 60));

    public static ulong SlabObject(long address, int cacheId, bool accounted) =>
        Mix(((ulong)address << 12) ^ ((ulong)(uint)cacheId << 1) ^ (accounted ? 1UL : 0) ^ (0x6UL << 60));

    public static ulong LargeKmalloc(long pfn, int order) => Mix(((ulong)pfn << 8) ^ (uint)order ^ (0x7UL << 60));

    public static ulong VmallocArea(long id, int pages) => Mix(((ulong)id << 32) ^ (uint)pages ^ (0x9UL << 60));

    public static ulong Dentry(long id, long address, long nameAddress, int pins) =>
        Mix(((ulong)id << 40) ^ ((ulong)address << 4) ^ ((ulong)nameAddress * 31) ^ (uint)pins ^ (0xAUL << 60));

    /// <summary>
    /// A cgroup's fields other than its pids count and task count, which enter linearly (PidsUnit,
    /// TasksUnit): a charge, an uncharge or a task joining then changes the digest by one addition
    /// per group touched, in any order.
    /// </summary>
    public static ulong Cgroup(long id, long parentId, int hierarchy, bool populated, long pidsMax, long eventsMax, long eventsLocalMax, bool notifyOnRelease)
    {
        ulong shape = Mix(((ulong)id << 32) ^ ((ulong)parentId << 2) ^ (ulong)hierarchy ^ (0xBUL << 60));
        return Mix(shape ^ ((ulong)pidsMax << 20) ^ ((ulong)eventsMax << 8) ^ ((ulong)eventsLocalMax << 40) ^ (notifyOnRelease ? 2UL : 0) ^ (populated ? 1UL : 0));
    }

    /// <summary>What one pid charged to a cgroup adds to the digest (pids.current times this; odd, so no count wraps to zero before 2^64).</summary>
    public static ulong PidsUnit(long id) => Mix((ulong)id ^ (0xCUL << 60)) | 1;

    /// <summary>What one task in a cgroup itself adds to the digest (its task count times this).</summary>
    public static ulong TasksUnit(long id) => Mix((ulong)id ^ (0xFUL << 60)) | 1;

    public static ulong Task(long pid, long parentPid, long cgroup0, long cgroup1, int execs, int oomScoreAdj) =>
        Mix(Mix(Mix(((ulong)pid << 32) ^ (ulong)parentPid ^ (0xDUL << 60)) ^ ((ulong)cgroup0 << 24) ^ ((ulong)cgroup1 << 4) ^ ((ulong)(uint)execs << 44)) ^ (ulong)(oomScoreAdj + 2000));

    /// <summary>A group's memory limits and events (its usage enters linearly through MemoryUnit).</summary>
    public static ulong Memcg(long id, long max, long high, long eventsMax, long eventsHigh, long eventsLocalMax, long eventsLocalHigh, long kmemMax, long tcpMax, bool tcpActive, bool tcpPressure, bool oomGroup)
    {
        ulong limits = Mix(((ulong)id << 20) ^ ((ulong)max * 31) ^ ((ulong)high << 7) ^ (0x10UL << 56));
        ulong events = Mix(limits ^ ((ulong)eventsMax << 40) ^ ((ulong)eventsHigh << 20) ^ ((ulong)eventsLocalMax << 8) ^ (ulong)eventsLocalHigh);
        return Mix(events ^ ((ulong)kmemMax * 17) ^ ((ulong)tcpMax << 3) ^ (tcpActive ? 1UL : 0) ^ (tcpPressure ? 2UL : 0) ^ (oomGroup ? 1UL << 62 : 0));
    }

    /// <summary>One mm_record of the forkbomb tracker.</summary>
    public static ulong MmRecord(long id, long parentId, long pid, long birthMs) =>
        Mix(((ulong)id << 32) ^ ((ulong)parentId << 12) ^ (ulong)pid ^ (0x3DUL << 56)) + Mix((ulong)birthMs ^ ((ulong)id << 40) ^ (0x3EUL << 56));

    /// <summary>The forkbomb tracker's knobs and clock.</summary>
    public static ulong Forkbomb(in ForkbombInfo f) =>
        Mix(((ulong)f.IntervalMs << 24) ^ (f.Enabled ? 1UL : 0) ^ (f.ReclaimSinceCheck ? 2UL : 0) ^ (0x3FUL << 56))
        + Mix((ulong)f.NowMs ^ ((ulong)f.LastCheckMs << 28) ^ ((ulong)f.TasksAtLastCheck << 52) ^ (0x40UL << 56));

    /// <summary>A live memory group's OOM events (added beside its Memcg term; zero events add nothing).</summary>
    public static ulong MemcgOom(long id, OomEvents e) => e == default ? 0
        : Mix(((ulong)id << 24) ^ ((ulong)e.Oom << 48) ^ ((ulong)e.OomKill << 32) ^ ((ulong)e.OomGroupKill << 16) ^ (0x3BUL << 56))
          + Mix(((ulong)id << 24) ^ ((ulong)e.LocalOom << 48) ^ ((ulong)e.LocalOomKill << 32) ^ ((ulong)e.LocalOomGroupKill << 16) ^ (0x3CUL << 56));

    /// <summary>A live socket: its id, group, page count and whether it is charged; each of its pages adds SocketPage.</summary>
    public static ulong Socket(long id, long cgroupId, int pages, bool charged) =>
        Mix(((ulong)id << 32) ^ ((ulong)cgroupId << 8) ^ ((ulong)(uint)pages << 1) ^ (charged ? 1UL : 0) ^ (0x12UL << 56));

    public static ulong SocketPage(long pfn, long socketId) => Mix(((ulong)pfn << 24) ^ (ulong)socketId ^ (0x13UL << 56));

    /// <summary>What one live kernel-memory charge adds.</summary>
    public static ulong KernelCharge(KernelChargeKind kind, long key, long objcg, long amount) =>
        Mix(Mix(((ulong)key << 8) ^ (ulong)kind ^ (0x14UL << 56)) ^ ((ulong)objcg << 32) ^ (ulong)amount);

    /// <summary>What one user page adds: its pfn, kind and the group it is charged to.</summary>
    public static ulong UserPage(long pfn, bool file, long cgroupId, long ownerPid) =>
        Mix(((ulong)pfn << 24) ^ ((ulong)cgroupId << 1) ^ (file ? 1UL : 0) ^ ((ulong)ownerPid << 44) ^ (0x11UL << 56));

    /// <summary>What one page-table page adds: its pfn and the task it maps for.</summary>
    public static ulong PageTable(long pfn, long ownerPid) => Mix(((ulong)pfn << 24) ^ ((ulong)ownerPid << 44) ^ (0x15UL << 56));

    /// <summary>A live pool.</summary>
    public static ulong Pool(long id, PoolFlags flags) => Mix(((ulong)id << 8) ^ (ulong)flags ^ (0x16UL << 56));

    /// <summary>An area of a pool: what a protect or an allocation changes in it enters with it.</summary>
    public static ulong PoolArea(long poolId, long areaId, int pages, int usedBytes, bool isProtected) =>
        Mix(Mix(((ulong)poolId << 32) ^ (ulong)areaId ^ (0x17UL << 56)) ^ ((ulong)(uint)pages << 33) ^ ((ulong)(uint)usedBytes << 1) ^ (isProtected ? 1UL : 0));

    /// <summary>A pool object with its value (a write subtracts the old term and adds the new).</summary>
    public static ulong PoolObject(long id, long poolId, long areaId, int offsetBytes, int bytes, long value) =>
        Mix(Mix(((ulong)id << 32) ^ ((ulong)poolId << 8) ^ (0x18UL << 56)) ^ ((ulong)areaId << 40) ^ ((ulong)(uint)offsetBytes << 20) ^ (uint)bytes) + Mix((ulong)value ^ ((ulong)id << 48) ^ (0x19UL << 56));

    public static ulong Current(long pid, int cpu) => Mix(((ulong)pid << 8) ^ (uint)cpu ^ (0xEUL << 60));

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
