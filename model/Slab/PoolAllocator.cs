using Verify.Model.Contract;

namespace Verify.Model.Slab;

/// <summary>
/// The reference protectable memory (pmalloc): a pool is a list of vmalloc areas, oldest first,
/// each with the bytes handed out from its start and a protected flag; an object is its place and
/// its value. An allocation goes at the used end of the newest area when that area is unprotected
/// and has room, else into a new area just big enough. Protect marks every area; a write checks
/// the object's area; destroy vfrees every area. An accounted pool charges its pages through
/// chargePage as an accounted vmalloc does.
/// </summary>
public sealed class PoolAllocator(VmallocAllocator vmalloc)
{
    private sealed class Area(long id, int pages)
    {
        public long Id { get; } = id;
        public int Pages { get; } = pages;
        public int UsedBytes { get; set; }
        public bool Protected { get; set; }
    }

    private sealed class Pool(PoolFlags flags)
    {
        public PoolFlags Flags { get; } = flags;
        public List<Area> Areas { get; } = [];
    }

    private sealed class PoolObject(long poolId, Area area, int offsetBytes, int bytes)
    {
        public long PoolId { get; } = poolId;
        public Area Area { get; } = area;
        public int OffsetBytes { get; } = offsetBytes;
        public int Bytes { get; } = bytes;
        public long Value { get; set; }
    }

    private readonly SortedDictionary<long, Pool> _pools = new();
    private readonly SortedDictionary<long, PoolObject> _objects = new();
    private long _nextPoolId = SlabLayout.FirstId, _nextObjectId = SlabLayout.FirstId;

    /// <summary>Charges one page of an accounted pool (the memcg layer); null: nothing is charged.</summary>
    public Func<long, Outcome>? ChargePage { get; set; }

    /// <summary>Uncharges one page about to be freed (ignores pages never charged).</summary>
    public Action<long>? UnchargePage { get; set; }

    public Outcome Create(PoolFlags flags)
    {
        if ((flags & ~PoolFlags.All) != 0) return Outcome.Fail(Errno.EINVAL);
        long id = _nextPoolId++;
        _pools.Add(id, new Pool(flags));
        return Outcome.Ok(id);
    }

    public Outcome Alloc(long poolId, long bytes)
    {
        if (!_pools.TryGetValue(poolId, out var pool)) return NoSuchPool();
        if (bytes <= 0 || bytes > SlabLayout.PoolObjectBytesMax) return Outcome.Fail(Errno.EINVAL);
        int size = (int)((bytes + SlabLayout.PoolAlignBytes - 1) / SlabLayout.PoolAlignBytes * SlabLayout.PoolAlignBytes);
        var area = pool.Areas.Count > 0 ? pool.Areas[^1] : null;
        if (area is null || area.Protected || area.UsedBytes + size > area.Pages * KernelConstants.PageSizeBytes)
        {
            bool accounted = (pool.Flags & PoolFlags.Account) != 0;
            var made = vmalloc.Vmalloc(size, accounted ? ChargePage : null, accounted ? UnchargePage : null);
            if (!made.IsOk) return made;
            area = new Area(made.Value, (int)KernelConstants.PagesFor(size));
            pool.Areas.Add(area);
        }
        long id = _nextObjectId++;
        _objects.Add(id, new PoolObject(poolId, area, area.UsedBytes, size));
        area.UsedBytes += size;
        return Outcome.Ok(id);
    }

    public Outcome Write(long objectId, long value)
    {
        if (!_objects.TryGetValue(objectId, out var obj)) return NoSuchObject();
        if (obj.Area.Protected) return Outcome.Fail(Errno.EPERM);
        obj.Value = value;
        return Outcome.Ok(0);
    }

    public Outcome RareWrite(long objectId, long value)
    {
        if (!_objects.TryGetValue(objectId, out var obj)) return NoSuchObject();
        if ((_pools[obj.PoolId].Flags & PoolFlags.RareWrite) == 0) return Outcome.Fail(Errno.EPERM);
        obj.Value = value;
        return Outcome.Ok(0);
    }

    public Outcome Protect(long poolId)
    {
        if (!_pools.TryGetValue(poolId, out var pool)) return NoSuchPool();
        foreach (var area in pool.Areas) area.Protected = true;
        return Outcome.Ok(0);
    }

    public Outcome Destroy(long poolId)
    {
        if (!_pools.Remove(poolId, out var pool)) return NoSuchPool();
        foreach (var area in pool.Areas) vmalloc.Vfree(area.Id, UnchargePage);
        foreach (long id in _objects.Where(pair => pair.Value.PoolId == poolId).Select(pair => pair.Key).ToList()) _objects.Remove(id);
        return Outcome.Ok(0);
    }

    /// <summary>Every call naming a pool id no live pool has: EINVAL (one lookup, shared by alloc, protect and destroy).</summary>
    private static Outcome NoSuchPool() => Outcome.Fail(Errno.EINVAL);

    /// <summary>Every call naming an object no live pool holds (its pool destroyed): EINVAL (shared by write and rare write).</summary>
    private static Outcome NoSuchObject() => Outcome.Fail(Errno.EINVAL);

    public IReadOnlyList<PoolInfo> Pools() => _pools.Select(pair => new PoolInfo(pair.Key, pair.Value.Flags)).ToList();

    public IReadOnlyList<PoolAreaInfo> Areas() => _pools
        .SelectMany(pair => pair.Value.Areas.Select(area => new PoolAreaInfo(pair.Key, area.Id, area.Pages, area.UsedBytes, area.Protected)))
        .OrderBy(area => area.AreaId).ToList();

    public IReadOnlyList<PoolObjectInfo> Objects() => _objects
        .Select(pair => new PoolObjectInfo(pair.Key, pair.Value.PoolId, pair.Value.Area.Id, pair.Value.OffsetBytes, pair.Value.Bytes, pair.Value.Value)).ToList();

    /// <summary>Recomputed from the lists on each call (nothing to add, and nothing allocated, while no pool is live).</summary>
    public ulong Digest()
    {
        ulong digest = 0;
        if (_pools.Count == 0) return digest;
        foreach (var (id, pool) in _pools)
        {
            digest += StateDigest.Pool(id, pool.Flags);
            foreach (var area in pool.Areas) digest += StateDigest.PoolArea(id, area.Id, area.Pages, area.UsedBytes, area.Protected);
        }
        foreach (var (id, obj) in _objects) digest += StateDigest.PoolObject(id, obj.PoolId, obj.Area.Id, obj.OffsetBytes, obj.Bytes, obj.Value);
        return digest;
    }
}
