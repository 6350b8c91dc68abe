using Verify.Model.Contract;
using Verify.Model.Slab;

namespace Verify.Impl.Slab;

/// <summary>
/// Protectable memory over vmalloc areas, without hashing and without allocation once warm.
/// Guarantees:
///   ids:        pool and object ids count up from SlabLayout.FirstId and are never reused, so each
///               is a direct index (id - FirstId) into its list of slots; a freed slot stays, marked
///               dead, until Reset. Area slots are appended in creation order, which is also the
///               order of their vmalloc ids, so every listing comes out sorted without a sort.
///   protect:    O(1) however many areas a pool has. Each area carries its sequence number within
///               its pool (0 = oldest); a pool's ProtectedBelow is the number of its areas a protect
///               has covered, and an area is protected exactly when its sequence is below it.
///               Protect sets ProtectedBelow to the pool's area count; a later area gets sequence
///               = count and so starts writable.
///   chains:     a pool links its areas and its objects newest first (PrevArea, PrevObject), so
///               destroy walks exactly what the pool holds; it turns the area chain around in place
///               to free the oldest area first, with no buffer however many areas there are.
///   digest:     maintained on every change (a write subtracts the old value's term).
/// CheckConsistency (S20) verifies chains, counts, placement and the digest against a recount.
/// </summary>
public sealed class PoolAllocator(VmallocAllocator vmalloc)
{
    private struct PoolSlot
    {
        public PoolFlags Flags;
        public bool Live;
        public int NewestArea, NewestObject, AreaCount, ProtectedBelow;
    }

    private struct AreaSlot
    {
        public long PoolId, VmallocId;
        public int Pages, UsedBytes, Sequence, PrevArea;
        public bool Live;
    }

    private struct ObjectSlot
    {
        public long PoolId, Value;
        public int Area, OffsetBytes, Bytes, PrevObject;
        public bool Live;
    }

    private readonly List<PoolSlot> _pools = [];
    private readonly List<AreaSlot> _areas = [];
    private readonly List<ObjectSlot> _objects = [];

    /// <summary>Charges the pages of accounted pools (null: nothing is ever charged).</summary>
    public IVmallocPageCharger? Charger { get; set; }

    public ulong Digest { get; private set; }

    public void Reset()
    {
        _pools.Clear();
        _areas.Clear();
        _objects.Clear();
        Digest = 0;
    }

    public Outcome Create(PoolFlags flags)
    {
        if ((flags & ~PoolFlags.All) != 0) return Outcome.Fail(Errno.EINVAL);
        _pools.Add(new PoolSlot { Flags = flags, Live = true, NewestArea = -1, NewestObject = -1 });
        long id = _pools.Count - 1 + SlabLayout.FirstId;
        Digest += StateDigest.Pool(id, flags);
        return Outcome.Ok(id);
    }

    public Outcome Alloc(long poolId, long bytes)
    {
        int p = PoolIndex(poolId);
        if (p < 0 || bytes <= 0 || bytes > SlabLayout.PoolObjectBytesMax) return Outcome.Fail(Errno.EINVAL);
        var pool = _pools[p];
        int size = (int)((bytes + SlabLayout.PoolAlignBytes - 1) & ~(long)(SlabLayout.PoolAlignBytes - 1));
        int a = pool.NewestArea;
        if (a < 0 || IsProtected(pool, _areas[a]) || _areas[a].UsedBytes + size > _areas[a].Pages * KernelConstants.PageSizeBytes)
        {
            var made = vmalloc.Vmalloc(size, (pool.Flags & PoolFlags.Account) != 0 ? Charger : null);
            if (!made.IsOk) return made;
            _areas.Add(new AreaSlot
            {
                PoolId = poolId, VmallocId = made.Value, Pages = (int)KernelConstants.PagesFor(size),
                Sequence = pool.AreaCount, PrevArea = pool.NewestArea, Live = true,
            });
            a = _areas.Count - 1;
            pool.NewestArea = a;
            pool.AreaCount++;
            Digest += AreaTerm(pool, a);
        }
        var area = _areas[a];
        Digest -= AreaTerm(pool, a);
        var obj = new ObjectSlot { PoolId = poolId, Area = a, OffsetBytes = area.UsedBytes, Bytes = size, PrevObject = pool.NewestObject, Live = true };
        area.UsedBytes += size;
        _areas[a] = area;
        Digest += AreaTerm(pool, a);
        _objects.Add(obj);
        int o = _objects.Count - 1;
        pool.NewestObject = o;
        _pools[p] = pool;
        Digest += ObjectTerm(o);
        return Outcome.Ok(o + SlabLayout.FirstId);
    }

    public Outcome Write(long objectId, long value)
    {
        int o = ObjectIndex(objectId);
        if (o < 0) return Outcome.Fail(Errno.EINVAL);
        var obj = _objects[o];
        if (IsProtected(_pools[PoolIndex(obj.PoolId)], _areas[obj.Area])) return Outcome.Fail(Errno.EPERM);
        SetValue(o, value);
        return Outcome.Ok(0);
    }

    public Outcome RareWrite(long objectId, long value)
    {
        int o = ObjectIndex(objectId);
        if (o < 0) return Outcome.Fail(Errno.EINVAL);
        if ((_pools[PoolIndex(_objects[o].PoolId)].Flags & PoolFlags.RareWrite) == 0) return Outcome.Fail(Errno.EPERM);
        SetValue(o, value);
        return Outcome.Ok(0);
    }

    public Outcome Protect(long poolId)
    {
        int p = PoolIndex(poolId);
        if (p < 0) return Outcome.Fail(Errno.EINVAL);
        var pool = _pools[p];
        for (int a = pool.NewestArea; a >= 0 && !IsProtected(pool, _areas[a]); a = _areas[a].PrevArea) Digest -= AreaTerm(pool, a);
        var protectedPool = pool with { ProtectedBelow = pool.AreaCount };
        for (int a = pool.NewestArea; a >= 0 && _areas[a].Sequence >= pool.ProtectedBelow; a = _areas[a].PrevArea) Digest += AreaTerm(protectedPool, a);
        _pools[p] = protectedPool;
        return Outcome.Ok(0);
    }

    public Outcome Destroy(long poolId)
    {
        int p = PoolIndex(poolId);
        if (p < 0) return Outcome.Fail(Errno.EINVAL);
        var pool = _pools[p];
        for (int o = pool.NewestObject; o >= 0; o = _objects[o].PrevObject)
        {
            Digest -= ObjectTerm(o);
            _objects[o] = _objects[o] with { Live = false };
        }
        // Oldest area first, as the model frees them (the buddy allocator's free lists see the same order).
        // The chain runs newest first: turn it around in place, so that each PrevArea names the next
        // newer area, and walk it from the oldest. No buffer, whatever the area count; the areas die
        // here, and nothing reads a dead area's link.
        int oldest = -1;
        for (int a = pool.NewestArea; a >= 0;)
        {
            int older = _areas[a].PrevArea;
            _areas[a] = _areas[a] with { PrevArea = oldest };
            oldest = a;
            a = older;
        }
        for (int a = oldest; a >= 0; a = _areas[a].PrevArea)
        {
            Digest -= AreaTerm(pool, a);
            vmalloc.Vfree(_areas[a].VmallocId, Charger);
            _areas[a] = _areas[a] with { Live = false };
        }
        Digest -= StateDigest.Pool(poolId, pool.Flags);
        _pools[p] = pool with { Live = false };
        return Outcome.Ok(0);
    }

    public IReadOnlyList<PoolInfo> Pools()
    {
        var list = new List<PoolInfo>();
        for (int p = 0; p < _pools.Count; p++)
            if (_pools[p].Live) list.Add(new PoolInfo(p + SlabLayout.FirstId, _pools[p].Flags));
        return list;
    }

    public IReadOnlyList<PoolAreaInfo> Areas()
    {
        var list = new List<PoolAreaInfo>();
        foreach (var area in _areas)
            if (area.Live) list.Add(new PoolAreaInfo(area.PoolId, area.VmallocId, area.Pages, area.UsedBytes, IsProtected(_pools[PoolIndex(area.PoolId)], area)));
        return list;
    }

    public IReadOnlyList<PoolObjectInfo> Objects()
    {
        var list = new List<PoolObjectInfo>();
        for (int o = 0; o < _objects.Count; o++)
        {
            var obj = _objects[o];
            if (obj.Live) list.Add(new PoolObjectInfo(o + SlabLayout.FirstId, obj.PoolId, _areas[obj.Area].VmallocId, obj.OffsetBytes, obj.Bytes, obj.Value));
        }
        return list;
    }

    /// <summary>S20: chains, counts, sequences, placement inside the used bytes, vmalloc backing and the digest agree with a recount.</summary>
    public void CheckConsistency(SelfCheckReport report)
    {
        const string S20 = StructureInvariant.Pools;
        var liveAreas = vmalloc.Areas().ToDictionary(area => area.Id, area => area.Pages);
        ulong digest = 0;
        int chainedAreas = 0, chainedObjects = 0;
        for (int p = 0; p < _pools.Count; p++)
        {
            var pool = _pools[p];
            if (!pool.Live) continue;
            long id = p + SlabLayout.FirstId;
            digest += StateDigest.Pool(id, pool.Flags);
            int expected = pool.AreaCount - 1;
            for (int a = pool.NewestArea; a >= 0; a = _areas[a].PrevArea, expected--)
            {
                var area = _areas[a];
                chainedAreas++;
                if (!area.Live || area.PoolId != id || area.Sequence != expected)
                    report.Fail(S20, $"pool {id}: area slot {a} is dead, of pool {area.PoolId}, or has sequence {area.Sequence} where {expected} was due");
                if (!liveAreas.TryGetValue(area.VmallocId, out int pages) || pages != area.Pages)
                    report.Fail(S20, $"pool {id}: area {area.VmallocId} is not a live vmalloc area of {area.Pages} pages");
                if (area.UsedBytes > area.Pages * KernelConstants.PageSizeBytes)
                    report.Fail(S20, $"pool {id}: area {area.VmallocId} hands out {area.UsedBytes} bytes of {area.Pages} pages");
                digest += AreaTerm(pool, a);
                if (chainedAreas > _areas.Count) break;
            }
            if (expected != -1) report.Fail(S20, $"pool {id}: its area chain does not hold its {pool.AreaCount} areas");
            if (pool.ProtectedBelow > pool.AreaCount) report.Fail(S20, $"pool {id}: {pool.ProtectedBelow} areas protected of {pool.AreaCount}");
            for (int o = pool.NewestObject; o >= 0 && chainedObjects <= _objects.Count; o = _objects[o].PrevObject)
            {
                var obj = _objects[o];
                chainedObjects++;
                var area = _areas[obj.Area];
                if (!obj.Live || obj.PoolId != id || area.PoolId != id || obj.OffsetBytes + obj.Bytes > area.UsedBytes || obj.Bytes % SlabLayout.PoolAlignBytes != 0)
                    report.Fail(S20, $"pool {id}: object {o + SlabLayout.FirstId} is dead, of another pool, or outside its area's used bytes");
                digest += ObjectTerm(o);
            }
        }
        int live = _areas.Count(area => area.Live) + _objects.Count(obj => obj.Live);
        if (live != chainedAreas + chainedObjects) report.Fail(S20, $"{live} live area and object slots but the pools' chains hold {chainedAreas + chainedObjects}");
        if (digest != Digest) report.Fail(S20, $"the pools' digest {Digest:x16} differs from a recomputation {digest:x16}");
    }

    /// <summary>A write that ignores protection, for the planted bug that emulates that slip (test code only).</summary>
    internal void SlipWrite(long objectId, long value)
    {
        if (ObjectIndex(objectId) is int o and >= 0) SetValue(o, value);
    }

    /// <summary>Leaves the pool's newest area writable, for the planted bug where protect misses it (test code only).</summary>
    internal void SlipUnprotectNewest(long poolId)
    {
        int p = PoolIndex(poolId);
        if (p < 0 || _pools[p].AreaCount == 0) return;
        var pool = _pools[p];
        Digest -= AreaTerm(pool, pool.NewestArea);
        pool.ProtectedBelow = Math.Min(pool.ProtectedBelow, pool.AreaCount - 1);
        _pools[p] = pool;
        Digest += AreaTerm(pool, pool.NewestArea);
    }

    private static bool IsProtected(in PoolSlot pool, in AreaSlot area) => area.Sequence < pool.ProtectedBelow;

    private void SetValue(int o, long value)
    {
        Digest -= ObjectTerm(o);
        _objects[o] = _objects[o] with { Value = value };
        Digest += ObjectTerm(o);
    }

    private ulong AreaTerm(in PoolSlot pool, int a)
    {
        var area = _areas[a];
        return StateDigest.PoolArea(area.PoolId, area.VmallocId, area.Pages, area.UsedBytes, IsProtected(pool, area));
    }

    private ulong ObjectTerm(int o)
    {
        var obj = _objects[o];
        return StateDigest.PoolObject(o + SlabLayout.FirstId, obj.PoolId, _areas[obj.Area].VmallocId, obj.OffsetBytes, obj.Bytes, obj.Value);
    }

    private int PoolIndex(long poolId)
    {
        long p = poolId - SlabLayout.FirstId;
        return p >= 0 && p < _pools.Count && _pools[(int)p].Live ? (int)p : -1;
    }

    private int ObjectIndex(long objectId)
    {
        long o = objectId - SlabLayout.FirstId;
        return o >= 0 && o < _objects.Count && _objects[(int)o].Live ? (int)o : -1;
    }
}
