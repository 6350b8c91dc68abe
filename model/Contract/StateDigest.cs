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
    /// decides (s->size, order, objects per slab, min_partial; the waste per slab follows from
    /// these) and its accounting switch. Every field enters, so a cache whose geometry differs
    /// gives a different digest at the step that creates it, and the cheap check sees it there.
    /// </summary>
    public static ulong SlabCache(int id, int objectSizeBytes, SlabFlags flags, CacheGeometry geometry, bool accounted)
    {
        ulong created = Mix(((ulong)(uint)id << 32) ^ ((ulong)(uint)objectSizeBytes << 8) ^ (ulong)flags ^ (3UL << 62));
        ulong shape = Mix(created ^ ((ulong)(uint)geometry.SizeBytes << 40) ^ ((ulong)(uint)geometry.ObjectsPerSlab << 8) ^ (uint)geometry.Order);
        return Mix(shape ^ ((ulong)(uint)geometry.MinPartial << 1) ^ (accounted ? 1UL : 0));
    }

    public static ulong Slab(long pfn, int cacheId) => Mix(((ulong)pfn << 20) ^ (uint)cacheId ^ (0x5UL << 60));

    public static ulong SlabObject(long address, int cacheId, bool accounted) =>
        Mix(((ulong)address << 12) ^ ((ulong)(uint)cacheId << 1) ^ (accounted ? 1UL : 0) ^ (0x6UL << 60));

    public static ulong LargeKmalloc(long pfn, int order) => Mix(((ulong)pfn << 8) ^ (uint)order ^ (0x7UL << 60));

    public static ulong VmallocArea(long id, int pages) => Mix(((ulong)id << 32) ^ (uint)pages ^ (0x9UL << 60));

    public static ulong Dentry(long id, long address, long nameAddress, int pins) =>
        Mix(((ulong)id << 40) ^ ((ulong)address << 4) ^ ((ulong)nameAddress * 31) ^ (uint)pins ^ (0xAUL << 60));

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
