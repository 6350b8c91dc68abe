using Verify.Model.Contract;
using Verify.Model.Slab;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Fuzz.Harness;

/// <summary>
/// The full form of every invariant, recomputed from a snapshot alone. Works on any side's
/// snapshot, including hand-built broken ones (the checker's own tests).
/// </summary>
public static class SnapshotInvariants
{
    public static List<Violation> Check(Snapshot snapshot, string side)
    {
        var found = new List<Violation>();
        void Fail(string invariant, string message) => found.Add(new Violation(invariant, side, message));
        long machinePages = snapshot.Machine.Pages;

        var counted = new long[OrderCount];
        foreach (var block in snapshot.FreeBlocks)
        {
            if (block.Order < 0 || block.Order > MaxPageOrder)
            {
                Fail(Invariant.BuddyAligned, $"free block {block} has an order outside 0..{MaxPageOrder}");
                continue;
            }
            counted[block.Order]++;
            if (block.Pfn % block.Pages != 0) Fail(Invariant.BuddyAligned, $"free block {block} is not aligned to {block.Pages} pages");
            if (block.Pfn < 0 || block.Pfn + block.Pages > machinePages) Fail(Invariant.BuddyInside, $"free block {block} is not inside {machinePages} pages");
        }
        if (!counted.SequenceEqual(snapshot.BuddyInfo))
            Fail(Invariant.ConservationBuddyInfo, $"buddyinfo [{string.Join(' ', snapshot.BuddyInfo)}] but the free blocks count [{string.Join(' ', counted)}]");

        foreach (var run in snapshot.Allocations)
        {
            if (run.Pfn < 0 || run.Pages <= 0 || run.Pfn + run.Pages > machinePages) Fail(Invariant.BuddyInside, $"allocation {run} is not inside {machinePages} pages");
            if (run.Kind == AllocationKind.Block && (long.PopCount(run.Pages) != 1 || run.Pfn % run.Pages != 0))
                Fail(Invariant.BuddyAligned, $"block allocation {run} is not a naturally aligned power-of-two block");
        }

        long freePages = snapshot.FreeBlocks.Sum(b => b.Order is >= 0 and <= MaxPageOrder ? b.Pages : 0);
        long allocatedPages = snapshot.Allocations.Sum(r => r.Pages);
        if (freePages + allocatedPages != machinePages)
            Fail(Invariant.ConservationPages, $"{freePages} free + {allocatedPages} allocated != {machinePages} machine pages");

        CheckDisjoint(snapshot, Fail);
        CheckCoalesced(snapshot, Fail);
        CheckSlab(snapshot, Fail);
        CgroupInvariants.Check(snapshot, Fail);
        MemcgInvariants.Check(snapshot, Fail);
        PoolInvariants.Check(snapshot, Fail);
        return found;
    }

    private static void CheckDisjoint(Snapshot snapshot, Action<string, string> fail)
    {
        var extents = snapshot.FreeBlocks.Where(b => b.Order is >= 0 and <= MaxPageOrder).Select(b => (Start: b.Pfn, End: b.Pfn + b.Pages, What: b.ToString()))
            .Concat(snapshot.Allocations.Select(r => (Start: r.Pfn, End: r.Pfn + r.Pages, What: r.ToString())))
            .OrderBy(e => e.Start).ThenBy(e => e.End)
            .ToList();
        for (int i = 1; i < extents.Count; i++)
        {
            if (extents[i].Start < extents[i - 1].End)
                fail(Invariant.BuddyDisjoint, $"{extents[i - 1].What} overlaps {extents[i].What}");
        }
    }

    private static void CheckCoalesced(Snapshot snapshot, Action<string, string> fail)
    {
        var free = snapshot.FreeBlocks.ToHashSet();
        foreach (var block in snapshot.FreeBlocks.OrderBy(b => b.Pfn))
        {
            if (block.Order < 0 || block.Order >= MaxPageOrder) continue;
            var buddy = new FreeBlock(block.Pfn ^ block.Pages, block.Order);
            if (buddy.Pfn > block.Pfn && free.Contains(buddy))
                fail(Invariant.BuddyCoalesced, $"free block {block} and its buddy {buddy} are both free and not merged");
        }
    }

    /// <summary>The slab-layer invariants (I6 slab shape, I2 unaccounting, I4 reclaimable), from the snapshot's lists alone.</summary>
    private static void CheckSlab(Snapshot snapshot, Action<string, string> fail)
    {
        var caches = new Dictionary<int, SlabCacheInfo>();
        foreach (var cache in snapshot.SlabCaches) caches[cache.Id] = cache;
        var slabRuns = snapshot.Allocations.Where(r => r.Kind == AllocationKind.Slab).ToDictionary(r => r.Pfn);
        var slabsByPfn = new SortedDictionary<long, SlabPage>();
        long previousEnd = long.MinValue;
        foreach (var slab in snapshot.Slabs.OrderBy(s => s.Pfn))
        {
            if (slab.Pfn < previousEnd) fail(Invariant.SlabDisjoint, $"{slab} overlaps the slab before it");
            previousEnd = slab.Pfn + slab.Pages;
            slabsByPfn[slab.Pfn] = slab;
            if (!caches.TryGetValue(slab.CacheId, out var cache)) fail(Invariant.SlabInsideSlab, $"{slab} belongs to no cache");
            else if (cache.PagesPerSlab != slab.Pages) fail(Invariant.SlabInfoCounts, $"{slab} has {slab.Pages} pages but {cache.Name} uses {cache.PagesPerSlab}");
            if (!slabRuns.TryGetValue(slab.Pfn, out var run) || run.Pages != slab.Pages)
                fail(Invariant.SlabPagesAllocated, $"{slab} is not a Slab allocation of the buddy allocator");
        }
        foreach (var run in slabRuns.Values)
            if (!slabsByPfn.ContainsKey(run.Pfn)) fail(Invariant.SlabPagesAllocated, $"Slab allocation {run} is no slab");

        long[] slabPfns = slabsByPfn.Keys.ToArray();
        var inUse = new Dictionary<long, int>();
        var active = new Dictionary<int, long>();
        var accounted = new Dictionary<int, long>();
        long reclaimable = 0, previousAddress = long.MinValue;
        var objectCache = new Dictionary<long, int>();
        foreach (var obj in snapshot.SlabObjects.OrderBy(o => o.Address))
        {
            if (obj.Address == previousAddress) fail(Invariant.SlabDisjoint, $"{obj} shares its address with another object");
            previousAddress = obj.Address;
            objectCache[obj.Address] = obj.CacheId;
            long pfn = obj.Address >> PageShift;
            int at = Array.BinarySearch(slabPfns, pfn);
            if (at < 0) at = ~at - 1;
            SlabPage? slab = at >= 0 ? slabsByPfn[slabPfns[at]] : null;
            if (slab is not { } owner || pfn >= owner.Pfn + owner.Pages || owner.CacheId != obj.CacheId || !caches.TryGetValue(obj.CacheId, out var cache))
            {
                fail(Invariant.SlabInsideSlab, $"{obj} lies in no slab of its cache");
                continue;
            }
            long offset = obj.Address - (owner.Pfn << PageShift);
            if (offset % cache.SizeBytes != 0 || offset / cache.SizeBytes >= cache.ObjectsPerSlab)
                fail(Invariant.SlabInsideSlab, $"{obj} is not an object start of {owner} (s->size {cache.SizeBytes})");
            inUse[owner.Pfn] = inUse.GetValueOrDefault(owner.Pfn) + 1;
            active[obj.CacheId] = active.GetValueOrDefault(obj.CacheId) + 1;
            if (obj.Accounted) accounted[obj.CacheId] = accounted.GetValueOrDefault(obj.CacheId) + 1;
            if ((cache.Flags & SlabFlags.ReclaimAccount) != 0) reclaimable += cache.SizeBytes;
        }
        foreach (var slab in slabsByPfn.Values)
            if (slab.InUse != inUse.GetValueOrDefault(slab.Pfn)) fail(Invariant.SlabInUseCount, $"{slab} but {inUse.GetValueOrDefault(slab.Pfn)} live objects lie in it");

        var slabCounts = snapshot.Slabs.GroupBy(s => s.CacheId).ToDictionary(g => g.Key, g => (long)g.Count());
        foreach (var cache in snapshot.SlabCaches)
        {
            long slabs = slabCounts.GetValueOrDefault(cache.Id), objects = active.GetValueOrDefault(cache.Id);
            long accountedObjects = accounted.GetValueOrDefault(cache.Id);
            if (cache.Slabs != slabs || cache.ActiveObjects != objects || cache.TotalObjects != slabs * cache.ObjectsPerSlab)
                fail(Invariant.SlabInfoCounts, $"{cache} but {slabs} slabs and {objects} live objects are listed");
            var geometry = SlabGeometry.ForSize(cache.SizeBytes, snapshot.Machine.Cpus, cache.MinOrder);
            if (geometry.ObjectsPerSlab != cache.ObjectsPerSlab || geometry.PagesPerSlab != cache.PagesPerSlab || geometry.MinPartial != cache.MinPartial
                || cache.SizeBytes < cache.ObjectSizeBytes)
                fail(Invariant.SlabInfoCounts, $"{cache} but s->size {cache.SizeBytes} on {snapshot.Machine.Cpus} CPUs gives {geometry.ObjectsPerSlab} objects in {geometry.PagesPerSlab} pages, min_partial {geometry.MinPartial}");
            if (cache.AccountedObjects != accountedObjects)
                fail(Invariant.UnaccountingOnlyWhenEmpty, $"{cache} but {accountedObjects} accounted objects are listed");
            if (!cache.Accounted && accountedObjects > 0)
                fail(Invariant.UnaccountingOnlyWhenEmpty, $"{cache} has accounting off but holds {accountedObjects} accounted objects");
            if (cache.IsKmalloc && cache.Accounted != (cache.Id / SlabLayout.KmallocClassCount == (int)KmallocFamily.Cgroup))
                fail(Invariant.KmallocAccountingFixed, $"{cache} has accounting {(cache.Accounted ? "on" : "off")}");
        }

        if (reclaimable != snapshot.ReclaimableBytes)
            fail(Invariant.ConservationReclaimable, $"reclaimable bytes {snapshot.ReclaimableBytes} but the live reclaimable objects hold {reclaimable}");
        foreach (var dentry in snapshot.Dentries)
        {
            if (objectCache.GetValueOrDefault(dentry.Address, -1) != SlabLayout.DentryCacheId)
                fail(Invariant.ConservationReclaimable, $"dentry {dentry} is not a live object of the dentry cache");
            if (dentry.NameAddress != DentryCache.NoName
                && objectCache.GetValueOrDefault(dentry.NameAddress, -1) / SlabLayout.KmallocClassCount != (int)KmallocFamily.Reclaim)
                fail(Invariant.ConservationReclaimable, $"dentry {dentry}'s name buffer is not a live kmalloc-rcl object");
        }
    }
}
