using Verify.Model.Slab;

namespace Verify.Model.Contract;

/// <summary>
/// The slab layer (mm/slub.c, mm/slab_common.c), vmalloc and the dentry example of reclaimable
/// objects. Slab pages come from the buddy allocator of the same kernel. Object addresses are
/// byte addresses pfn * PAGE_SIZE + offset. Caches 0..38 are the kmalloc caches and 39 the dentry
/// cache, created by Reset; caches made by CacheCreate get ids from 40 up, never reused.
/// </summary>
public partial interface IKernel
{
    /// <summary>kmem_cache_create: the new cache's id. EINVAL for size 0 or above SlabGeometry.ObjectSizeMax, or an align that is not 0 or a power of two up to PAGE_SIZE.</summary>
    Outcome CacheCreate(long objectSizeBytes, long alignBytes, SlabFlags flags);

    /// <summary>
    /// kmem_cache_create with the cache's own minimum slab order (SlabGeometry: it replaces
    /// slub_min_order and lifts slub_max_order to match): objects up to 2 MiB in slabs up to order 9.
    /// EINVAL for size 0 or above SlabGeometry.LargeObjectSizeMax, a min order outside 0..9, or the
    /// align and flags CacheCreate refuses. CacheCreate is this with min order 0 and its lower size bound.
    /// </summary>
    Outcome CacheCreateMinOrder(long objectSizeBytes, long alignBytes, SlabFlags flags, long minOrder);

    /// <summary>kmem_cache_destroy: EBUSY while it holds objects; its empty slabs go back to the buddy allocator. EINVAL for a setup cache or an unknown id.</summary>
    Outcome CacheDestroy(long cacheId);

    /// <summary>Switch SLAB_ACCOUNT: EINVAL on any kmalloc cache; off is EBUSY while the cache holds objects; on always succeeds.</summary>
    Outcome CacheSetAccount(long cacheId, bool accounted);

    /// <summary>kmem_cache_alloc on a cache made by CacheCreate: the lowest free object address, else the first object of a new slab; ENOMEM when the buddy allocator has no block.</summary>
    Outcome CacheAlloc(long cacheId);

    /// <summary>kmem_cache_free: EINVAL (no state change) unless address is a live object start of exactly that cache.</summary>
    Outcome CacheFree(long cacheId, long address);

    /// <summary>
    /// kmem_cache_free_bulk of a batch of neighbours: the live objects among the count object slots
    /// starting at address (the first must be a live object of the user cache cacheId) up to the end
    /// of its slab, freed in address order, each uncharged as kmem_cache_free would (the memcg free
    /// hook walks the whole batch); the number freed. EINVAL, with no change, when the first is not
    /// a live object start of that cache or count is outside 1..Alphabet.BulkFreeCountMax (16).
    /// </summary>
    Outcome CacheFreeBulk(long cacheId, long address, int count);

    /// <summary>kmalloc: ZeroSizePtr for 0; kmalloc-N / -cg-N / -rcl-N objects up to 8192; pages of order get_order(size) above; EINVAL above 4 MiB.</summary>
    Outcome Kmalloc(long sizeBytes, KmallocFlags flags);

    /// <summary>kfree: no-op for ZeroSizePtr; EINVAL unless address is a live kmalloc result.</summary>
    Outcome Kfree(long address);

    /// <summary>vmalloc: an area id; ceil(size / PAGE_SIZE) order-0 pages; on ENOMEM every page taken is given back. EINVAL for 0 or above VmallocBytesMax.</summary>
    Outcome Vmalloc(long sizeBytes);

    /// <summary>vfree: EINVAL unless areaId is live.</summary>
    Outcome Vfree(long areaId);

    /// <summary>d_alloc: a dentry id; names longer than the inline 32 bytes get a kmalloc-rcl buffer of length + 1 bytes.</summary>
    Outcome DentryAlloc(int nameLengthBytes);

    /// <summary>dget: EINVAL unless the dentry is live.</summary>
    Outcome DentryPin(long dentryId);

    /// <summary>dput: EINVAL unless the dentry is live and pinned.</summary>
    Outcome DentryUnpin(long dentryId);

    /// <summary>The dentry shrinker: frees up to count unpinned dentries, oldest first, each with its name buffer; the number freed.</summary>
    Outcome Shrink(int count);
}
