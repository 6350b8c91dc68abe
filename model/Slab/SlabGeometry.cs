using System.Numerics;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Model.Slab;

/// <summary>s->size, order and objects per slab of a cache, its min_partial and the minimum order it was created with (0 for cache_create).</summary>
public readonly record struct CacheGeometry(int SizeBytes, int Order, int ObjectsPerSlab, int MinPartial, int MinOrder = 0)
{
    public int PagesPerSlab => 1 << Order;

    /// <summary>The bytes of a slab no object covers.</summary>
    public int WasteBytesPerSlab => (PageSizeBytes << Order) - ObjectsPerSlab * SizeBytes;
}

/// <summary>
/// SLUB's geometry, exactly as KERNEL-FACTS.md gives it (calculate_sizes, calculate_order,
/// calc_slab_order, set_min_partial), without debug metadata. A real /proc/slabinfo checks it.
/// A cache may carry its own minimum order (cache_create_min_order; the LSFMM 2018 summit's
/// suggestion in place of the global slub_min_order, which 6.18 does not have per cache): it
/// takes the place of slub_min_order in calculate_order, and slub_max_order becomes
/// max(3, min order) as setup_slub_min_order makes it for the global one. mm/slub.c's cap
/// MAX_OBJS_PER_PAGE (32767 objects, slab->objects is 15 bits) then matters: small objects in
/// a high min order get the highest order below 32767 objects instead.
/// </summary>
public static class SlabGeometry
{
    public const int CacheLineBytes = 64;
    public const int SlubMaxOrder = 3;
    public const int WordBytes = 8;
    public const int MinPartialMin = 5, MinPartialMax = 10;

    /// <summary>The largest object a cache can hold: one object per slab of slub_max_order.</summary>
    public const int ObjectSizeMax = PageSizeBytes << SlubMaxOrder;

    /// <summary>The highest min order cache_create_min_order accepts: order 9 slabs (2 MiB).</summary>
    public const int MinOrderMax = 9;

    /// <summary>The largest object cache_create_min_order accepts: one object per slab of MinOrderMax.</summary>
    public const int LargeObjectSizeMax = PageSizeBytes << MinOrderMax;

    /// <summary>MAX_OBJS_PER_PAGE: slab->objects is 15 bits.</summary>
    public const int ObjectsPerSlabMax = 32767;

    /// <summary>The largest explicit alignment CacheCreate accepts.</summary>
    public const int AlignMax = PageSizeBytes;

    public static bool IsValidRequest(long objectSizeBytes, long alignBytes) =>
        objectSizeBytes >= 1 && objectSizeBytes <= ObjectSizeMax
        && alignBytes >= 0 && alignBytes <= AlignMax && (alignBytes & (alignBytes - 1)) == 0;

    /// <summary>cache_create_min_order: objects up to 2 MiB, the same alignments, a min order 0..MinOrderMax.</summary>
    public static bool IsValidRequest(long objectSizeBytes, long alignBytes, long minOrder) =>
        objectSizeBytes >= 1 && objectSizeBytes <= LargeObjectSizeMax && minOrder >= 0 && minOrder <= MinOrderMax
        && alignBytes >= 0 && alignBytes <= AlignMax && (alignBytes & (alignBytes - 1)) == 0;

    /// <summary>s->size: ALIGN(object_size, 8), then ALIGN to the cache's alignment (calculate_alignment).</summary>
    public static int AlignedSize(int objectSizeBytes, int alignBytes, SlabFlags flags)
    {
        int size = Align(objectSizeBytes, WordBytes);
        int align = alignBytes;
        if ((flags & SlabFlags.HwcacheAlign) != 0)
        {
            int lineAlign = CacheLineBytes;
            while (size <= lineAlign / 2) lineAlign /= 2;
            align = Math.Max(align, lineAlign);
        }
        align = Align(Math.Max(align, WordBytes), WordBytes);
        return Align(size, align);
    }

    public static CacheGeometry For(int objectSizeBytes, int alignBytes, SlabFlags flags, int cpus, int minOrder = 0) =>
        ForSize(AlignedSize(objectSizeBytes, alignBytes, flags), cpus, minOrder);

    /// <summary>Order and objects per slab for an s->size, as calculate_order() picks them with the cache's min order.</summary>
    public static CacheGeometry ForSize(int sizeBytes, int cpus, int minOrder = 0)
    {
        int order = CalculateOrder(sizeBytes, cpus, minOrder);
        return new CacheGeometry(sizeBytes, order, (PageSizeBytes << order) / sizeBytes, MinPartial(sizeBytes), minOrder);
    }

    /// <summary>min_objects = 4 * (fls(nr_cpus) + 1); fls(x) is the 1-based index of the highest set bit.</summary>
    public static int MinObjects(int cpus) => 4 * (Fls(cpus) + 1);

    public static int MinPartial(int sizeBytes) => Math.Clamp(BitOperations.Log2((uint)sizeBytes) / 2, MinPartialMin, MinPartialMax);

    private static int CalculateOrder(int size, int cpus, int cacheMinOrder)
    {
        int maxOrder = Math.Max(SlubMaxOrder, cacheMinOrder);
        int maxObjects = Math.Max((int)(((long)PageSizeBytes << maxOrder) / size), 1);
        int minObjects = Math.Min(MinObjects(cpus), maxObjects);
        int minOrder = Math.Max(cacheMinOrder, GetOrder((long)minObjects * size));
        if (((long)PageSizeBytes << minOrder) / size > ObjectsPerSlabMax) return GetOrder((long)size * ObjectsPerSlabMax) - 1;
        for (int fraction = 16; fraction > 1; fraction /= 2)
        {
            for (int order = minOrder; order <= maxOrder; order++)
            {
                int slabBytes = PageSizeBytes << order;
                if (slabBytes % size <= slabBytes / fraction) return order;
            }
        }
        return GetOrder(size);
    }

    private static int Fls(int x) => x == 0 ? 0 : 32 - BitOperations.LeadingZeroCount((uint)x);

    private static int Align(int value, int align) => (value + align - 1) / align * align;
}
