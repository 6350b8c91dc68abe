using static Verify.Model.Contract.KernelConstants;

namespace Verify.Model.Slab;

/// <summary>kmem_cache_create flags the suite models.</summary>
[Flags]
public enum SlabFlags : byte
{
    None = 0,
    HwcacheAlign = 1,
    Account = 2,
    ReclaimAccount = 4,
    All = HwcacheAlign | Account | ReclaimAccount,
}

/// <summary>The gfp bits that choose a kmalloc family. Reclaimable wins over Account, as in kmalloc_type().</summary>
[Flags]
public enum KmallocFlags : byte
{
    None = 0,
    Account = 1,
    Reclaimable = 2,
}

/// <summary>The three kmalloc families, in cache-id order.</summary>
public enum KmallocFamily : byte
{
    Normal = 0,
    Cgroup = 1,
    Reclaim = 2,
}

/// <summary>One line of /proc/slabinfo plus min_partial (/sys/kernel/slab/NAME/min_partial), the waste per slab, the cache's own min order (0 unless made by cache_create_min_order) and the accounting state of the cache.</summary>
public readonly record struct SlabCacheInfo(
    int Id,
    string Name,
    int ObjectSizeBytes,
    int SizeBytes,
    int ObjectsPerSlab,
    int PagesPerSlab,
    int MinPartial,
    long ActiveObjects,
    long TotalObjects,
    long Slabs,
    SlabFlags Flags,
    bool Accounted,
    long AccountedObjects,
    int MinOrder = 0)
{
    public bool IsKmalloc => Id < SlabLayout.KmallocCacheCount;

    /// <summary>The bytes of each slab that no object covers: (PAGE_SIZE &lt;&lt; order) - objperslab * objsize.</summary>
    public long WasteBytesPerSlab => ((long)PagesPerSlab << PageShift) - (long)ObjectsPerSlab * SizeBytes;

    public override string ToString() =>
        $"[{Name} id {Id} active {ActiveObjects} total {TotalObjects} objsize {SizeBytes} objperslab {ObjectsPerSlab} pagesperslab {PagesPerSlab} waste {WasteBytesPerSlab} min_partial {MinPartial}{(MinOrder > 0 ? $" min_order {MinOrder}" : "")} slabs {Slabs} accounted {Accounted} ({AccountedObjects})]";
}

/// <summary>One slab: PagesPerSlab pages from Pfn, owned by CacheId, with InUse objects allocated.</summary>
public readonly record struct SlabPage(int CacheId, long Pfn, int Pages, int InUse)
{
    public override string ToString() => $"[slab cache {CacheId} pfn {Pfn} pages {Pages} inuse {InUse}]";
}

/// <summary>A live slab object and whether it was allocated accounted.</summary>
public readonly record struct SlabObjectInfo(long Address, int CacheId, bool Accounted)
{
    public override string ToString() => $"[object {Address} cache {CacheId}{(Accounted ? " accounted" : "")}]";
}

/// <summary>A kmalloc above KMALLOC_MAX_CACHE_SIZE: a block from the page allocator.</summary>
public readonly record struct LargeKmallocInfo(long Pfn, int Order);

/// <summary>A live vmalloc area: Pages order-0 pages.</summary>
public readonly record struct VmallocAreaInfo(long Id, int Pages);

/// <summary>A live dentry: its object, its external name buffer (-1 when the name is inline) and its pin count.</summary>
public readonly record struct DentryInfo(long Id, long Address, long NameAddress, int Pins);
