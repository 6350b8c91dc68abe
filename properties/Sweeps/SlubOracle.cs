namespace Verify.Properties.Sweeps;

/// <summary>What a cache's geometry decides: s->size, order, objects per slab, the bytes a slab wastes, min_partial.</summary>
internal readonly record struct OracleGeometry(int SizeBytes, int Order, int Objects, int WasteBytes, int MinPartial)
{
    public int PagesPerSlab => 1 << Order;
}

/// <summary>
/// SLUB geometry, kmalloc size classes and get_order written again from /work/shared/KERNEL-FACTS.md
/// (and the IKernel contract for what the suite refuses), for the exhaustive sweeps to hold both
/// kernels against. It uses nothing of model/Slab or KernelConstants, not even their constants:
/// a slip in the shared SlabGeometry makes model and impl agree with each other and disagree with
/// this. Where KERNEL-FACTS.md leaves a detail open, the comment names the Linux source followed.
/// </summary>
internal static class SlubOracle
{
    public const int PageBytes = 4096;
    public const int MaxPageOrder = 10;
    public const int SlubMaxOrder = 3;
    public const int CacheLineBytes = 64;

    /// <summary>ARCH_SLAB_MINALIGN and sizeof(void *) on x86-64: every s->size is a multiple of 8.</summary>
    public const int WordBytes = 8;

    /// <summary>KMALLOC_MAX_CACHE_SIZE: kmalloc above this goes to the page allocator.</summary>
    public const int KmallocMaxCacheBytes = 8192;

    /// <summary>kmalloc above 4 MiB fails (EINVAL in the suite).</summary>
    public const long KmallocMaxBytes = 4L << 20;

    /// <summary>alloc_pages_exact serves at most one block of MAX_PAGE_ORDER.</summary>
    public const long ExactMaxBytes = (long)PageBytes << MaxPageOrder;

    /// <summary>kmalloc(0) returns ZERO_SIZE_PTR, ((void *)16).</summary>
    public const long ZeroSizePtr = 16;

    /// <summary>The largest object a cache takes (the IKernel contract): one object per slab of slub_max_order.</summary>
    public const int CacheObjectMaxBytes = PageBytes << SlubMaxOrder;

    /// <summary>The largest explicit alignment CacheCreate takes (the IKernel contract).</summary>
    public const int CacheAlignMaxBytes = PageBytes;

    /// <summary>CacheCreate succeeds for 1..32768 bytes and an alignment of 0 or a power of two up to PAGE_SIZE.</summary>
    public static bool CacheCreateSucceeds(long objectSizeBytes, long alignBytes) =>
        objectSizeBytes >= 1 && objectSizeBytes <= CacheObjectMaxBytes
        && (alignBytes == 0 || (alignBytes <= CacheAlignMaxBytes && IsPowerOfTwo(alignBytes)));

    public static OracleGeometry Geometry(int objectSizeBytes, int alignBytes, bool hwcacheAlign, int cpus) =>
        GeometryOfSize(SlabSize(objectSizeBytes, alignBytes, hwcacheAlign), cpus);

    /// <summary>
    /// s->size: ALIGN(object_size, 8), then ALIGN to the alignment. With SLAB_HWCACHE_ALIGN the
    /// alignment starts at the cache line and halves while the object fits in half of it; as in
    /// calculate_alignment() (mm/slab_common.c) the test uses object_size itself, and the result is
    /// at least ARCH_SLAB_MINALIGN, rounded up to a pointer.
    /// </summary>
    public static int SlabSize(int objectSizeBytes, int alignBytes, bool hwcacheAlign)
    {
        int align = alignBytes;
        if (hwcacheAlign)
        {
            int line = CacheLineBytes;
            while (objectSizeBytes <= line / 2) line /= 2;
            if (line > align) align = line;
        }
        if (align < WordBytes) align = WordBytes;
        align = RoundUp(align, WordBytes);
        return RoundUp(RoundUp(objectSizeBytes, WordBytes), align);
    }

    /// <summary>cache_create_min_order (the IKernel contract): 1 byte to 2 MiB, a min order 0..9, the default alignment.</summary>
    public static bool CacheCreateMinOrderSucceeds(long objectSizeBytes, long minOrder) =>
        objectSizeBytes >= 1 && objectSizeBytes <= (long)PageBytes << MinOrderMax && minOrder >= 0 && minOrder <= MinOrderMax;

    /// <summary>The highest per-cache min order (the IKernel contract): order-9 slabs of 2 MiB.</summary>
    public const int MinOrderMax = 9;

    /// <summary>MAX_OBJS_PER_PAGE (mm/slub.c): slab->objects has 15 bits.</summary>
    public const int ObjectsPerSlabMax = 32767;

    /// <summary>
    /// calculate_order() and set_min_partial() for an s->size, as KERNEL-FACTS.md lists the steps;
    /// a cache's own min order stands where mm/slub.c reads slub_min_order, and slub_max_order is
    /// raised to it as setup_slub_min_order() raises it for the global one.
    /// </summary>
    public static OracleGeometry GeometryOfSize(int sizeBytes, int cpus, int minOrder = 0)
    {
        int order = CalculateOrder(sizeBytes, cpus, minOrder);
        int slabBytes = PageBytes << order;
        int objects = slabBytes / sizeBytes;
        int minPartial = Math.Min(Math.Max(FloorLog2(sizeBytes) / 2, 5), 10);
        return new OracleGeometry(sizeBytes, order, objects, slabBytes - objects * sizeBytes, minPartial);
    }

    /// <summary>The slab may waste at most 1/16 of itself, else 1/8, 1/4, 1/2, each tried over every order.</summary>
    private static readonly int[] WasteFractions = [16, 8, 4, 2];

    private static int CalculateOrder(int size, int cpus, int slubMinOrder)
    {
        int slubMaxOrder = Math.Max(SlubMaxOrder, slubMinOrder);
        int minObjects = 4 * (Fls(cpus) + 1);
        int objectsAtMaxOrder = (PageBytes << slubMaxOrder) / size;
        minObjects = Math.Min(minObjects, Math.Max(objectsAtMaxOrder, 1));
        int minOrder = Math.Max(slubMinOrder, GetOrder((long)minObjects * size));
        // mm/slub.c calculate_order(): too many objects at the min order take the order just below size * MAX_OBJS_PER_PAGE.
        if ((PageBytes << minOrder) / size > ObjectsPerSlabMax) return GetOrder((long)size * ObjectsPerSlabMax) - 1;
        foreach (int fraction in WasteFractions)
        {
            for (int order = minOrder; order <= slubMaxOrder; order++)
            {
                int slabBytes = PageBytes << order;
                if (slabBytes % size <= slabBytes / fraction) return order;
            }
        }
        return GetOrder(size);
    }

    /// <summary>get_order() as include/asm-generic/getorder.h computes it: fls64((size - 1) >> PAGE_SHIFT).</summary>
    public static int GetOrder(long sizeBytes) => Fls((ulong)(sizeBytes - 1) / PageBytes);

    /// <summary>The kmalloc size class for 1..8192 bytes: 8, 16, 32, 64, 96, 128, 192, 256, ... 8192.</summary>
    public static int KmallocClassBytes(long sizeBytes)
    {
        if (sizeBytes > 64 && sizeBytes <= 96) return 96;
        if (sizeBytes > 128 && sizeBytes <= 192) return 192;
        int classBytes = 8;
        while (classBytes < sizeBytes) classBytes *= 2;
        return classBytes;
    }

    /// <summary>
    /// The kmalloc cache's name for a size and the request's flags (1 __GFP_ACCOUNT, 2
    /// __GFP_RECLAIMABLE): kmalloc-N, kmalloc-cg-N, kmalloc-rcl-N, with N in k from 1024 up as
    /// /proc/slabinfo writes it. With both flags, kmalloc_type() (mm/slab.h) tests __GFP_RECLAIMABLE first.
    /// </summary>
    public static string KmallocCacheName(long sizeBytes, int flags)
    {
        int bytes = KmallocClassBytes(sizeBytes);
        string size = bytes >= 1024 ? $"{bytes / 1024}k" : $"{bytes}";
        string family = (flags & 2) != 0 ? "rcl-" : (flags & 1) != 0 ? "cg-" : "";
        return $"kmalloc-{family}{size}";
    }

    /// <summary>fls(): the 1-based index of the highest set bit, 0 for 0 (fls(1) = 1, fls(8) = 4).</summary>
    private static int Fls(ulong x)
    {
        int bits = 0;
        for (; x != 0; x >>= 1) bits++;
        return bits;
    }

    private static int Fls(int x) => Fls((ulong)x);

    private static int FloorLog2(int x) => Fls(x) - 1;

    private static bool IsPowerOfTwo(long x) => x > 0 && (x & (x - 1)) == 0;

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
