using Verify.Fuzz.Harness;
using Verify.Model.Contract;
using Verify.Model.Slab;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Slab;

/// <summary>Metamorphic properties of the slab layer, checked on both sides after a generated scenario.</summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class SlabMetamorphicTests(ITestOutputHelper output)
{
    /// <summary>
    /// Allocating an object and freeing it again restores the snapshot exactly when the cache had a
    /// free object; otherwise the only difference is one new empty slab of that cache (an empty
    /// slab is kept while fewer than min_partial partial slabs are). Charged allocations are left out:
    /// a charge may reclaim page cache or raise a peak, history that a free does not undo.
    /// </summary>
    [Fact]
    public void AllocThenFreeRestoresTheSnapshotUpToOneKeptEmptySlab()
    {
        var runner = new Runner();
        PropertyCheck.ForAll(output, nameof(AllocThenFreeRestoresTheSnapshotUpToOneKeptEmptySlab), count: 150, opsMax: 150, scenario =>
        {
            if (runner.Run(scenario).Failure is { } failure) return failure;
            foreach (var (kernel, side) in new[] { (runner.Model, "model"), (runner.Impl, "impl") })
            {
                foreach (var cache in kernel.TakeSnapshot().SlabCaches.Where(c => c.Id >= SlabLayout.FirstUserCacheId).ToList())
                {
                    var before = kernel.TakeSnapshot();
                    // A charged allocation (an accounted cache, the current task in a non-root memory group) may
                    // reclaim or raise a peak: it leaves history behind, so the relation is about uncharged ones.
                    long currentGroup = before.Tasks.First(t => t.Pid == before.CurrentTask).Cgroup0;
                    if (cache.Accounted && before.Memory.Any(m => m.Id == currentGroup)) continue;
                    var alloc = kernel.CacheAlloc(cache.Id);
                    if (!alloc.IsOk) continue;
                    if (!kernel.CacheFree(cache.Id, alloc.Value).IsOk)
                        return new Failure(scenario.Ops.Count, "M3.alloc-free-restores", $"{side}: freeing the object just allocated in {cache.Name} failed");
                    var after = kernel.TakeSnapshot();
                    var diff = SnapshotDiff.Compare(before, after);
                    bool hadFree = cache.TotalObjects > cache.ActiveObjects;
                    if (hadFree && diff.Count > 0)
                        return new Failure(scenario.Ops.Count, "M3.alloc-free-restores", $"{side}: {cache.Name} had a free object but alloc+free changed: {string.Join("; ", diff)}");
                    if (!hadFree)
                    {
                        var added = after.Slabs.Except(before.Slabs).ToList();
                        if (added.Count != 1 || added[0].CacheId != cache.Id || added[0].InUse != 0 || before.Slabs.Except(after.Slabs).Any())
                            return new Failure(scenario.Ops.Count, "M3.alloc-free-restores", $"{side}: {cache.Name} was full; expected exactly one new empty slab, got: {string.Join("; ", diff)}");
                    }
                }
            }
            return null;
        });
    }

    /// <summary>Freeing every object of a cache and destroying it returns every one of its pages to the buddy allocator.</summary>
    [Fact]
    public void DestroyingAnEmptiedCacheReturnsEveryOneOfItsPages()
    {
        var runner = new Runner();
        PropertyCheck.ForAll(output, nameof(DestroyingAnEmptiedCacheReturnsEveryOneOfItsPages), count: 150, opsMax: 150, scenario =>
        {
            if (runner.Run(scenario).Failure is { } failure) return failure;
            foreach (var (kernel, side) in new[] { (runner.Model, "model"), (runner.Impl, "impl") })
            {
                var snapshot = kernel.TakeSnapshot();
                foreach (var cache in snapshot.SlabCaches.Where(c => c.Id >= SlabLayout.FirstUserCacheId))
                {
                    foreach (var obj in snapshot.SlabObjects.Where(o => o.CacheId == cache.Id))
                    {
                        if (!kernel.CacheFree(cache.Id, obj.Address).IsOk)
                            return new Failure(scenario.Ops.Count, "M4.destroy-returns-pages", $"{side}: freeing live {obj} failed");
                    }
                    var emptied = kernel.TakeSnapshot();
                    long cachePages = emptied.Slabs.Where(s => s.CacheId == cache.Id).Sum(s => (long)s.Pages);
                    long freeBefore = kernel.FreePageCount;
                    if (!kernel.CacheDestroy(cache.Id).IsOk)
                        return new Failure(scenario.Ops.Count, "M4.destroy-returns-pages", $"{side}: destroying emptied {cache.Name} failed");
                    var destroyed = kernel.TakeSnapshot();
                    if (kernel.FreePageCount != freeBefore + cachePages || destroyed.Slabs.Any(s => s.CacheId == cache.Id))
                        return new Failure(scenario.Ops.Count, "M4.destroy-returns-pages",
                            $"{side}: destroying {cache.Name} with {cachePages} slab pages freed {kernel.FreePageCount - freeBefore}");
                    var broken = SnapshotInvariants.Check(destroyed, side);
                    if (broken.Count > 0) return new Failure(scenario.Ops.Count, broken[0].Invariant, broken[0].ToString());
                }
            }
            return null;
        });
    }
}
