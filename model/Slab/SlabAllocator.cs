using Verify.Model.Buddy;
using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Model.Slab;

/// <summary>
/// The reference slab allocator: per cache a list of slabs, each an array of in-use flags;
/// every lookup is a linear scan. Slab pages and large kmallocs are Block allocations of the
/// buddy allocator it is given.
/// </summary>
public sealed class SlabAllocator
{
    private sealed class Cache(int id, string name, int objectSizeBytes, SlabFlags flags, CacheGeometry geometry)
    {
        public int Id { get; } = id;
        public string Name { get; } = name;
        public int ObjectSizeBytes { get; } = objectSizeBytes;
        public SlabFlags Flags { get; } = flags;
        public CacheGeometry Geometry { get; } = geometry;
        public bool Accounted { get; set; } = (flags & SlabFlags.Account) != 0;
        public List<Slab> Slabs { get; } = [];
        public long ActiveObjects => Slabs.Sum(s => s.InUseCount);
        public ulong Digest => StateDigest.SlabCache(Id, ObjectSizeBytes, Flags, Geometry, Accounted);
    }

    private sealed class Slab(long pfn, int objects)
    {
        public long Pfn { get; } = pfn;
        public bool[] InUse { get; } = new bool[objects];
        public bool[] Accounted { get; } = new bool[objects];

        /// <summary>How many InUse flags are set; kept by Mark so frees need not count.</summary>
        public int InUseCount { get; private set; }

        public void Mark(int index, bool inUse, bool accounted)
        {
            InUseCount += inUse ? 1 : -1;
            InUse[index] = inUse;
            Accounted[index] = accounted;
        }
    }

    private readonly BuddyAllocator _buddy;
    private readonly int _cpus;
    /// <summary>Every cache, in id order (ids only grow, so appending keeps the order).</summary>
    private readonly List<Cache> _caches = [];
    private readonly SortedDictionary<long, int> _largeOrderByPfn = new();
    private int _nextCacheId = SlabLayout.FirstUserCacheId;

    public SlabAllocator(BuddyAllocator buddy, int cpus)
    {
        _buddy = buddy;
        _cpus = cpus;
        for (int family = 0; family < SlabLayout.KmallocFamilyCount; family++)
        {
            for (int index = 0; index < SlabLayout.KmallocClassCount; index++)
            {
                var f = (KmallocFamily)family;
                AddCache(SlabLayout.KmallocCacheId(f, index), SlabLayout.KmallocName(f, index), SlabLayout.KmallocClassBytes[index], 0, SlabLayout.KmallocFlagsOf(f));
            }
        }
        AddCache(SlabLayout.DentryCacheId, "dentry", SlabLayout.DentryObjectBytes, 0, SlabLayout.DentryCacheFlags);
        AddCache(SlabLayout.TaskStructCacheId, "task_struct", SlabLayout.TaskStructObjectBytes, SlabLayout.TaskStructAlignBytes, SlabLayout.TaskStructCacheFlags);
    }

    public ulong Digest { get; private set; }

    public Outcome CacheCreate(long objectSizeBytes, long alignBytes, SlabFlags flags)
    {
        if (!SlabGeometry.IsValidRequest(objectSizeBytes, alignBytes) || (flags & ~SlabFlags.All) != 0) return Outcome.Fail(Errno.EINVAL);
        return CacheCreateMinOrder(objectSizeBytes, alignBytes, flags, 0);
    }

    public Outcome CacheCreateMinOrder(long objectSizeBytes, long alignBytes, SlabFlags flags, long minOrder)
    {
        if (!SlabGeometry.IsValidRequest(objectSizeBytes, alignBytes, minOrder) || (flags & ~SlabFlags.All) != 0) return Outcome.Fail(Errno.EINVAL);
        int id = _nextCacheId++;
        AddCache(id, SlabLayout.UserCacheName(id), (int)objectSizeBytes, (int)alignBytes, flags, (int)minOrder);
        return Outcome.Ok(id);
    }

    public Outcome CacheDestroy(long cacheId)
    {
        if (UserCache(cacheId) is not { } cache) return Outcome.Fail(Errno.EINVAL);
        if (cache.ActiveObjects > 0) return Outcome.Fail(Errno.EBUSY);
        foreach (var slab in cache.Slabs.OrderBy(s => s.Pfn).ToList()) ReleaseSlab(cache, slab);
        _caches.Remove(cache);
        Digest -= cache.Digest;
        return Outcome.Ok(0);
    }

    public Outcome CacheSetAccount(long cacheId, bool accounted)
    {
        if (FindCache(cacheId) is not { } cache) return Outcome.Fail(Errno.EINVAL);
        if (cache.Id < SlabLayout.KmallocCacheCount) return Outcome.Fail(Errno.EINVAL);
        if (!accounted && cache.ActiveObjects > 0) return Outcome.Fail(Errno.EBUSY);
        Digest -= cache.Digest;
        cache.Accounted = accounted;
        Digest += cache.Digest;
        return Outcome.Ok(0);
    }

    public Outcome CacheAlloc(long cacheId) =>
        UserCache(cacheId) is { } cache ? Allocate(cache) : Outcome.Fail(Errno.EINVAL);

    public Outcome CacheFree(long cacheId, long address) =>
        UserCache(cacheId) is { } cache ? FreeObject(address, cache.Id) : Outcome.Fail(Errno.EINVAL);

    /// <summary>Frees the live objects among count slots from the live object at address to its slab's end, in address order; their addresses, or EINVAL.</summary>
    public Outcome CacheFreeBulk(long cacheId, long address, int count, List<long> freed)
    {
        if (UserCache(cacheId) is not { } cache || FindSlab(address) is not var (owner, slab) || owner != cache) return Outcome.Fail(Errno.EINVAL);
        long offset = address - slab.Pfn * PageSizeBytes;
        int size = cache.Geometry.SizeBytes;
        if (count < 1 || count > Alphabet.Alphabet.BulkFreeCountMax || offset % size != 0 || offset / size >= cache.Geometry.ObjectsPerSlab || !slab.InUse[offset / size])
            return Outcome.Fail(Errno.EINVAL);
        for (long index = offset / size; index < Math.Min(offset / size + count, cache.Geometry.ObjectsPerSlab); index++)
        {
            long objectAddress = slab.Pfn * PageSizeBytes + index * size;
            if (slab.InUse[index] && FreeObject(objectAddress, cache.Id).IsOk) freed.Add(objectAddress);
        }
        return Outcome.Ok(freed.Count);
    }

    public Outcome Kmalloc(long sizeBytes, KmallocFlags flags)
    {
        if (sizeBytes == 0) return Outcome.Ok(SlabLayout.ZeroSizePtr);
        if (sizeBytes < 0 || sizeBytes > SlabLayout.KmallocMaxBytes) return Outcome.Fail(Errno.EINVAL);
        if (sizeBytes > SlabLayout.KmallocMaxCacheBytes)
        {
            int order = GetOrder(sizeBytes);
            var pages = _buddy.AllocPages(order);
            if (!pages.IsOk) return pages;
            _largeOrderByPfn.Add(pages.Value, order);
            Digest += StateDigest.LargeKmalloc(pages.Value, order);
            return Outcome.Ok(pages.Value * PageSizeBytes);
        }
        int id = SlabLayout.KmallocCacheId(SlabLayout.FamilyOf(flags), SlabLayout.KmallocClassIndex(sizeBytes));
        return Allocate(FindCache(id)!);
    }

    /// <summary>kfree of a kmalloc result; the caller has already refused dentry name buffers.</summary>
    public Outcome Kfree(long address)
    {
        if (address == SlabLayout.ZeroSizePtr) return Outcome.Ok(0);
        if (address >= 0 && address % PageSizeBytes == 0 && _largeOrderByPfn.TryGetValue(address / PageSizeBytes, out int order))
        {
            long pfn = address / PageSizeBytes;
            _largeOrderByPfn.Remove(pfn);
            Digest -= StateDigest.LargeKmalloc(pfn, order);
            return _buddy.FreePages(pfn, order);
        }
        var owner = FindSlab(address);
        if (owner is null || owner.Value.Cache.Id >= SlabLayout.KmallocCacheCount) return Outcome.Fail(Errno.EINVAL);
        return FreeObject(address, owner.Value.Cache.Id);
    }

    /// <summary>An object of the dentry cache (for the dentry layer).</summary>
    public Outcome AllocDentryObject() => Allocate(FindCache(SlabLayout.DentryCacheId)!);

    public Outcome FreeDentryObject(long address) => FreeObject(address, SlabLayout.DentryCacheId);

    /// <summary>A task_struct for a fork (for the task layer).</summary>
    public Outcome AllocTaskStruct() => Allocate(FindCache(SlabLayout.TaskStructCacheId)!);

    public Outcome FreeTaskStruct(long address) => FreeObject(address, SlabLayout.TaskStructCacheId);

    /// <summary>True when pfn is the first page of a slab or of a large kmalloc: the buddy free calls must refuse it.</summary>
    public bool OwnsRunAt(long pfn) =>
        _largeOrderByPfn.ContainsKey(pfn) || _caches.Any(c => c.Slabs.Any(s => s.Pfn == pfn));

    /// <summary>The cache of a live object (the caller just allocated it): its s->size, whether it is accounted and whether it is reclaimable.</summary>
    public (int SizeBytes, bool Accounted, bool Reclaimable) CacheOfObject(long address)
    {
        var cache = FindSlab(address)!.Value.Cache;
        return (cache.Geometry.SizeBytes, cache.Accounted, (cache.Flags & SlabFlags.ReclaimAccount) != 0);
    }

    public bool IsLargeKmallocAt(long pfn) => _largeOrderByPfn.ContainsKey(pfn);

    public IReadOnlyList<SlabCacheInfo> CacheInfos() => _caches.Select(c =>
    {
        var g = c.Geometry;
        long accountedObjects = c.Slabs.Sum(s => s.Accounted.Count(a => a));
        return new SlabCacheInfo(c.Id, c.Name, c.ObjectSizeBytes, g.SizeBytes, g.ObjectsPerSlab, g.PagesPerSlab, g.MinPartial,
            c.ActiveObjects, (long)c.Slabs.Count * g.ObjectsPerSlab, c.Slabs.Count, c.Flags, c.Accounted, accountedObjects, g.MinOrder);
    }).ToList();

    public IReadOnlyList<SlabPage> Slabs() => _caches
        .SelectMany(c => c.Slabs.Select(s => new SlabPage(c.Id, s.Pfn, c.Geometry.PagesPerSlab, s.InUseCount)))
        .OrderBy(s => s.Pfn).ToList();

    public IReadOnlyList<SlabObjectInfo> Objects() => _caches
        .SelectMany(c => c.Slabs.SelectMany(s => Enumerable.Range(0, s.InUse.Length).Where(i => s.InUse[i])
            .Select(i => new SlabObjectInfo(s.Pfn * PageSizeBytes + (long)i * c.Geometry.SizeBytes, c.Id, s.Accounted[i]))))
        .OrderBy(o => o.Address).ToList();

    public IReadOnlyList<LargeKmallocInfo> LargeKmallocs() =>
        _largeOrderByPfn.Select(pair => new LargeKmallocInfo(pair.Key, pair.Value)).ToList();

    public long ReclaimableBytes() => _caches
        .Where(c => (c.Flags & SlabFlags.ReclaimAccount) != 0)
        .Sum(c => c.ActiveObjects * c.Geometry.SizeBytes);

    private void AddCache(int id, string name, int objectSizeBytes, int alignBytes, SlabFlags flags, int minOrder = 0)
    {
        var cache = new Cache(id, name, objectSizeBytes, flags, SlabGeometry.For(objectSizeBytes, alignBytes, flags, _cpus, minOrder));
        _caches.Add(cache);
        Digest += cache.Digest;
    }

    private Cache? FindCache(long cacheId) => _caches.Find(c => c.Id == cacheId);

    private Cache? UserCache(long cacheId) => cacheId >= SlabLayout.FirstUserCacheId ? FindCache(cacheId) : null;

    /// <summary>
    /// The lowest free object address among the cache's slabs; else a new slab's first object.
    /// Slabs do not overlap, so that is the first free object of the lowest slab with one.
    /// </summary>
    private Outcome Allocate(Cache cache)
    {
        int size = cache.Geometry.SizeBytes;
        var best = cache.Slabs.Where(slab => slab.InUseCount < cache.Geometry.ObjectsPerSlab).MinBy(slab => slab.Pfn);
        int bestIndex = best is null ? 0 : Array.IndexOf(best.InUse, false);
        if (best is null)
        {
            var pages = _buddy.AllocPages(cache.Geometry.Order);
            if (!pages.IsOk) return pages;
            best = new Slab(pages.Value, cache.Geometry.ObjectsPerSlab);
            cache.Slabs.Add(best);
            Digest += StateDigest.Slab(best.Pfn, cache.Id);
        }
        long address = best.Pfn * PageSizeBytes + (long)bestIndex * size;
        best.Mark(bestIndex, inUse: true, accounted: cache.Accounted);
        Digest += StateDigest.SlabObject(address, cache.Id, cache.Accounted);
        return Outcome.Ok(address);
    }

    private (Cache Cache, Slab Slab)? FindSlab(long address)
    {
        foreach (var cache in _caches)
        {
            foreach (var slab in cache.Slabs)
            {
                long start = slab.Pfn * PageSizeBytes;
                if (address >= start && address < start + ((long)cache.Geometry.PagesPerSlab << PageShift)) return (cache, slab);
            }
        }
        return null;
    }

    /// <summary>Frees a live object start of cache expectedId; EINVAL with no change otherwise.</summary>
    private Outcome FreeObject(long address, int expectedId)
    {
        if (FindSlab(address) is not var (cache, slab) || cache.Id != expectedId) return Outcome.Fail(Errno.EINVAL);
        long offset = address - slab.Pfn * PageSizeBytes;
        int size = cache.Geometry.SizeBytes;
        if (offset % size != 0 || offset / size >= cache.Geometry.ObjectsPerSlab) return Outcome.Fail(Errno.EINVAL);
        int index = (int)(offset / size);
        if (!slab.InUse[index]) return Outcome.Fail(Errno.EINVAL);
        // nr_partial as SLUB sees it at the free: slabs with a free object, this one included if it had one.
        int partialBefore = cache.Slabs.Count(s => s.InUseCount < cache.Geometry.ObjectsPerSlab);
        Digest -= StateDigest.SlabObject(address, cache.Id, slab.Accounted[index]);
        slab.Mark(index, inUse: false, accounted: false);
        if (slab.InUseCount == 0 && partialBefore >= cache.Geometry.MinPartial) ReleaseSlab(cache, slab);
        return Outcome.Ok(0);
    }

    private void ReleaseSlab(Cache cache, Slab slab)
    {
        cache.Slabs.Remove(slab);
        Digest -= StateDigest.Slab(slab.Pfn, cache.Id);
        var freed = _buddy.FreePages(slab.Pfn, cache.Geometry.Order);
        if (!freed.IsOk) throw new InvalidOperationException($"slab at pfn {slab.Pfn} was not a live block: {freed}");
    }
}
