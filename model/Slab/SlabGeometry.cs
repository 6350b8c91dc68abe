using System.Numerics;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Model.Slab;

/// <summary>s->size, order and objects per slab of a cache, and its min_partial.</summary>
public readonly record struct CacheGeometry(int SizeBytes, int Order, int ObjectsPerSlab, int MinPartial)
{
    public int PagesPerSlab => 1 << Order;
}

/// <summary>
/// SLUB's geometry, exactly as KERNEL-FACTS.md gives it (calculate_sizes, calculate_order,
/// calc_slab_order, set_min_partial), without debug metadata. A real /proc/slabinfo checks it.
/// </summary>
public static class SlabGeometry
{
    public const int CacheLineBytes = 64;
    public const int SlubMaxOrder = 3;
    public const int WordBytes = 8;
    public const int MinPartialMin = 5, MinPartialMax = 10;

    /// <summary>The largest object a cache can hold: one object per slab of slub_max_order.</summary>
    public const int ObjectSizeMax = PageSizeBytes << SlubMaxOrder;

    /// <summary>The largest explicit alignment CacheCreate accepts.</summary>
    public const int AlignMax = PageSizeBytes;

    public static bool IsValidRequest(long objectSizeBytes, long alignBytes) =>
        objectSizeBytes >= 1 && objectSizeBytes <= ObjectSizeMax
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

    public static CacheGeometry For(int objectSizeBytes, int alignBytes, SlabFlags flags, int cpus) =>
        ForSize(AlignedSize(objectSizeBytes, alignBytes, flags), cpus);

    /// <summary>Order and objects per slab for an s->size, as calculate_order() picks them.</summary>
    public static CacheGeometry ForSize(int sizeBytes, int cpus)
    {
        int order = CalculateOrder(sizeBytes, cpus);
        return new CacheGeometry(sizeBytes, order, (PageSizeBytes << order) / sizeBytes, MinPartial(sizeBytes));
    }

    /// <summary>min_objects = 4 * (fls(nr_cpus) + 1); fls(x) is the 1-based index of the highest set bit.</summary>
    public static int MinObjects(int cpus) => 4 * (Fls(cpus) + 1);

    public static int MinPartial(int sizeBytes) => Math.Clamp(BitOperations.Log2((uint)sizeBytes) / 2, MinPartialMin, MinPartialMax);

    private static int CalculateOrder(int size, int cpus)
    {
        int maxObjects = Math.Max((PageSizeBytes << SlubMaxOrder) / size, 1);
        int minObjects = Math.Min(MinObjects(cpus), maxObjects);
        int minOrder = Math.Max(0, GetOrder((long)minObjects * size));
        for (int fraction = 16; fraction > 1; fraction /= 2)
        {
            for (int order = minOrder; order <= SlubMaxOrder; order++)
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
