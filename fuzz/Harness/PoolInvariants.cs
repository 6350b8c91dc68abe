using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Model.Slab;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Fuzz.Harness;

/// <summary>
/// Protectable memory's invariants: the pools' memory is vmalloc memory of the buddy allocator
/// (conservation, from one snapshot), and protection holds across a step (from the snapshots
/// before and after it, under full checks): no write lands on protected memory except a rare
/// write on a rare-write pool, and protected memory goes away only with its pool.
/// </summary>
public static class PoolInvariants
{
    public static void Check(Snapshot snapshot, Action<string, string> fail)
    {
        var vmallocPages = snapshot.VmallocAreas.ToDictionary(area => area.Id, area => area.Pages);
        var pools = snapshot.Pools.ToDictionary(pool => pool.Id);
        var areas = new Dictionary<long, PoolAreaInfo>();
        foreach (var area in snapshot.PoolAreas)
        {
            areas[area.AreaId] = area;
            if (!pools.ContainsKey(area.PoolId)) fail(Invariant.ConservationPools, $"pool area {area.AreaId} belongs to pool {area.PoolId}, which is not live");
            if (!vmallocPages.TryGetValue(area.AreaId, out int pages) || pages != area.Pages)
                fail(Invariant.ConservationPools, $"pool area {area.AreaId} of {area.Pages} pages is not a live vmalloc area of that size");
            if (area.UsedBytes < 0 || area.UsedBytes > area.Pages * PageSizeBytes)
                fail(Invariant.ConservationPools, $"pool area {area.AreaId} hands out {area.UsedBytes} bytes of {area.Pages} pages");
        }
        var vmallocAllocated = snapshot.Allocations.Where(run => run.Kind == AllocationKind.Vmalloc).Sum(run => run.Pages);
        if (vmallocAllocated != vmallocPages.Values.Sum())
            fail(Invariant.ConservationPools, $"{vmallocAllocated} pages are vmalloc allocations but the vmalloc areas (pool areas among them) hold {vmallocPages.Values.Sum()}");
        var ends = new Dictionary<long, int>();
        foreach (var obj in snapshot.PoolObjects.OrderBy(o => o.AreaId).ThenBy(o => o.OffsetBytes))
        {
            if (!areas.TryGetValue(obj.AreaId, out var area) || area.PoolId != obj.PoolId)
            {
                fail(Invariant.ConservationPools, $"pool object {obj.Id} lies in area {obj.AreaId}, which is not an area of its pool {obj.PoolId}");
                continue;
            }
            if (obj.OffsetBytes % SlabLayout.PoolAlignBytes != 0 || obj.Bytes <= 0 || obj.OffsetBytes + obj.Bytes > area.UsedBytes)
                fail(Invariant.ConservationPools, $"pool object {obj.Id} at offset {obj.OffsetBytes} of {obj.Bytes} bytes is not aligned or not inside the {area.UsedBytes} bytes its area handed out");
            if (ends.TryGetValue(obj.AreaId, out int end) && obj.OffsetBytes < end)
                fail(Invariant.ConservationPools, $"pool object {obj.Id} overlaps the object before it in area {obj.AreaId}");
            ends[obj.AreaId] = obj.OffsetBytes + obj.Bytes;
        }
    }

    public static void CheckStep(Snapshot before, Snapshot after, Op op, in OpArgs args, Outcome outcome, Action<string, string> fail)
    {
        if (before.PoolAreas.Count == 0) return;
        var flags = before.Pools.ToDictionary(pool => pool.Id, pool => pool.Flags);
        var protectedAreas = before.PoolAreas.Where(area => area.Protected).ToDictionary(area => area.AreaId);
        string keyword = op.Spec.Keyword;
        long named = keyword is "pool_write" or "pool_rare_write" ? args.Ref(0).Value : -1;
        bool rareWrite = keyword == "pool_rare_write" && outcome.IsOk;
        var objectsBefore = before.PoolObjects.ToDictionary(obj => obj.Id);
        if (keyword == "pool_write" && outcome.IsOk && objectsBefore.TryGetValue(named, out var written) && protectedAreas.ContainsKey(written.AreaId))
            fail(Invariant.PoolsProtectedWrite, $"pool_write on object {named} succeeded, but its area {written.AreaId} is protected");
        if (rareWrite && objectsBefore.TryGetValue(named, out var rare) && (flags.GetValueOrDefault(rare.PoolId) & PoolFlags.RareWrite) == 0)
            fail(Invariant.PoolsProtectedWrite, $"pool_rare_write on object {named} succeeded, but its pool {rare.PoolId} is not a rare-write pool");
        foreach (var obj in after.PoolObjects)
        {
            if (!objectsBefore.TryGetValue(obj.Id, out var old) || old.Value == obj.Value || !protectedAreas.ContainsKey(old.AreaId)) continue;
            if (!(rareWrite && obj.Id == named))
                fail(Invariant.PoolsProtectedWrite, $"protected object {obj.Id} changed from {old.Value} to {obj.Value} by {keyword}, not by a rare write on it");
        }
        var areasAfter = after.PoolAreas.ToDictionary(area => area.AreaId);
        long destroyed = keyword == "pool_destroy" && outcome.IsOk ? args.Ref(0).Value : -1;
        foreach (var area in protectedAreas.Values)
        {
            if (area.PoolId == destroyed) continue;
            if (!areasAfter.TryGetValue(area.AreaId, out var now) || !now.Protected)
                fail(Invariant.PoolsProtectedPages, $"protected area {area.AreaId} of pool {area.PoolId} was freed or made writable by {keyword}, which did not destroy its pool");
        }
    }
}
