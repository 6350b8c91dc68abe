using Verify.Model.Contract;

namespace Verify.Model.Slab;

/// <summary>
/// The caches every machine starts with and the limits of the slab-layer calls. Cache ids:
/// family * KmallocClassCount + class for the kmalloc caches, then the dentry cache, the
/// task_struct cache, then caches made by CacheCreate.
/// </summary>
public static class SlabLayout
{
    /// <summary>kmalloc size classes (KERNEL-FACTS.md): 65..96 -> 96, 129..192 -> 192, else the next power of two.</summary>
    public static readonly int[] KmallocClassBytes = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192];
    public const int KmallocClassCount = 13;
    public const int KmallocFamilyCount = 3;
    public const int KmallocCacheCount = KmallocClassCount * KmallocFamilyCount;
    public const int KmallocMaxCacheBytes = 8192;

    /// <summary>kmalloc above this fails (the page allocator has no order above MAX_PAGE_ORDER).</summary>
    public const long KmallocMaxBytes = KernelConstants.PageSizeBytes << KernelConstants.MaxPageOrder;

    /// <summary>ZERO_SIZE_PTR: what kmalloc(0) returns; kfree of it is a no-op.</summary>
    public const long ZeroSizePtr = 16;

    public const int DentryCacheId = KmallocCacheCount;
    public const int DentryObjectBytes = 192;
    /// <summary>dcache_init: SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT (and cache-line aligned here): dentries are charged to the allocating task's memory group.</summary>
    public const SlabFlags DentryCacheFlags = SlabFlags.ReclaimAccount | SlabFlags.HwcacheAlign | SlabFlags.Account;

    /// <summary>DNAME_INLINE_LEN in this project: longer names get a kmalloc-rcl buffer of length + 1.</summary>
    public const int DentryInlineNameBytes = 32;
    public const int DentryNameBytesMax = 255;

    /// <summary>
    /// task_struct_cachep: SLAB_ACCOUNT, aligned to the cache line (64), objects of 5888 bytes as
    /// /proc/slabinfo shows on the 6.18 kernel these machines run (5 per order-3 slab). Every fork
    /// takes one; setup_cache_set_account and setup_cache_destroy cannot name it (their id range
    /// was frozen before it existed).
    /// </summary>
    public const int TaskStructCacheId = DentryCacheId + 1;
    public const int TaskStructObjectBytes = 5888;
    public const int TaskStructAlignBytes = 64;
    public const SlabFlags TaskStructCacheFlags = SlabFlags.Account;

    public const int FirstUserCacheId = TaskStructCacheId + 1;

    /// <summary>
    /// vmalloc above this is EINVAL (a bound of the suite, not of Linux): 256 pages, so one call
    /// stays cheap for the reference buddy allocator while still able to exhaust small machines.
    /// </summary>
    public const long VmallocBytesMax = 1L << 20;

    /// <summary>A pool object above this is EINVAL (a bound of the suite): 16 pages, so one allocation can still take an area of several pages.</summary>
    public const long PoolObjectBytesMax = 16 * KernelConstants.PageSizeBytes;

    /// <summary>Pool objects are packed at this alignment (pmalloc aligns to the machine word; the suite uses 8 bytes).</summary>
    public const int PoolAlignBytes = 8;

    /// <summary>The first vmalloc area id and dentry id; ids count up from here and are never reused.</summary>
    public const long FirstId = 1;

    public static int KmallocCacheId(KmallocFamily family, int classIndex) => (int)family * KmallocClassCount + classIndex;

    public static KmallocFamily FamilyOf(KmallocFlags flags) =>
        (flags & KmallocFlags.Reclaimable) != 0 ? KmallocFamily.Reclaim
        : (flags & KmallocFlags.Account) != 0 ? KmallocFamily.Cgroup
        : KmallocFamily.Normal;

    /// <summary>The size class index for 1..8192 bytes.</summary>
    public static int KmallocClassIndex(long sizeBytes)
    {
        for (int i = 0; i < KmallocClassCount; i++)
            if (sizeBytes <= KmallocClassBytes[i]) return i;
        throw new ArgumentOutOfRangeException(nameof(sizeBytes));
    }

    public static SlabFlags KmallocFlagsOf(KmallocFamily family) => family switch
    {
        KmallocFamily.Cgroup => SlabFlags.Account,
        KmallocFamily.Reclaim => SlabFlags.ReclaimAccount,
        _ => SlabFlags.None,
    };

    public static string KmallocName(KmallocFamily family, int classIndex)
    {
        int bytes = KmallocClassBytes[classIndex];
        string size = bytes >= 1024 ? $"{bytes / 1024}k" : bytes.ToString();
        return family switch
        {
            KmallocFamily.Cgroup => $"kmalloc-cg-{size}",
            KmallocFamily.Reclaim => $"kmalloc-rcl-{size}",
            _ => $"kmalloc-{size}",
        };
    }

    public static string UserCacheName(int id) => $"cache-{id}";
}
