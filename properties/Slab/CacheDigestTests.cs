using Verify.Properties.Support;
using Verify.Fuzz.Formats;
using Verify.Fuzz.Harness;
using Verify.Fuzz.Planted;
using Verify.Impl;
using Verify.Model;
using Verify.Model.Contract;
using Verify.Model.Slab;

namespace Verify.Properties.Slab;

/// <summary>
/// Every field slab geometry decides is in a cache's digest on both sides, so the cheap check
/// (digests compared after every step) sees a geometry difference at the step that creates the cache.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class CacheDigestTests
{
    private static readonly CacheGeometry Base = new(SizeBytes: 104, Order: 0, ObjectsPerSlab: 39, MinPartial: 5);

    [Fact]
    public void EveryFieldOfACacheChangesItsDigest()
    {
        ulong Digest(int id = 40, int objectSize = 100, SlabFlags flags = SlabFlags.None, CacheGeometry? geometry = null, bool accounted = false) =>
            StateDigest.SlabCache(id, objectSize, flags, geometry ?? Base, accounted);

        var variants = new (string Field, ulong Digest)[]
        {
            ("id", Digest(id: 41)),
            ("object size", Digest(objectSize: 101)),
            ("flags", Digest(flags: SlabFlags.HwcacheAlign)),
            ("s->size", Digest(geometry: Base with { SizeBytes = 112 })),
            ("order", Digest(geometry: Base with { Order = 1 })),
            ("objects per slab", Digest(geometry: Base with { ObjectsPerSlab = 38 })),
            ("min_partial", Digest(geometry: Base with { MinPartial = 6 })),
            ("accounted", Digest(accounted: true)),
        };
        ulong unchanged = Digest();
        foreach (var (field, digest) in variants)
            Assert.True(digest != unchanged, $"changing the cache's {field} leaves its digest {unchanged:x16}");
        Assert.Equal(variants.Length, variants.Select(v => v.Digest).Distinct().Count());
    }

    /// <summary>
    /// 2048-byte objects: s->size 2048 on any CPU count, but order 2 with 8 objects on 1 CPU and
    /// order 3 with 16 on 64 CPUs. What CacheCreate adds to the digest must tell the two apart, on
    /// each side, and be the same on model and impl for the same machine.
    /// </summary>
    [Fact]
    public void CreatingACacheAddsItsGeometryToTheDigestOnBothSides()
    {
        ulong Added(IKernel kernel)
        {
            ulong before = kernel.Digest;
            Assert.True(kernel.CacheCreate(2048, 0, SlabFlags.None).IsOk);
            return kernel.Digest - before;
        }

        var oneCpu = new MachineConfig(64, 1);
        var manyCpus = new MachineConfig(64, 64);
        Assert.NotEqual(SlabGeometry.For(2048, 0, SlabFlags.None, 1), SlabGeometry.For(2048, 0, SlabFlags.None, 64));
        ulong modelOne = Added(new ModelKernel(oneCpu)), modelMany = Added(new ModelKernel(manyCpus));
        ulong implOne = Added(new ImplKernel(oneCpu)), implMany = Added(new ImplKernel(manyCpus));
        Assert.True(modelOne != modelMany, "model: a 2048-byte cache adds the same digest on 1 and on 64 CPUs although its order differs");
        Assert.True(implOne != implMany, "impl: a 2048-byte cache adds the same digest on 1 and on 64 CPUs although its order differs");
        Assert.Equal((modelOne, modelMany), (implOne, implMany));
    }

    /// <summary>
    /// An impl that creates 64-byte caches with SLAB_HWCACHE_ALIGN added: same s->size and geometry,
    /// different flags in slabinfo. A cheap run must fail at the cache_create step, not at the final check.
    /// </summary>
    [Fact]
    public void ACheapRunSeesADifferentCacheAtTheStepThatCreatesIt()
    {
        var scenario = TraceFormat.Parse("""
            machine pages=64 cpus=2
            cache_create size=64 align_log2=0 flags=0
            alloc_pages order=0
            alloc_pages order=0
            """);
        var runner = new Runner(machine => new HwcacheAlignAdded(new ImplKernel(machine)));
        var failure = runner.Run(scenario, CheckLevel.Cheap).Failure;
        Assert.NotNull(failure);
        Assert.True(failure.Step == 0, $"the difference was seen at {Report.Describe(failure, scenario)}, not at the cache_create step");
        Assert.Equal(Invariant.EquivalenceSnapshot, failure.Invariant);
    }

    private sealed class HwcacheAlignAdded(IKernel inner) : DelegatingKernel(inner)
    {
        public override Outcome CacheCreate(long objectSizeBytes, long alignBytes, SlabFlags flags) =>
            Inner.CacheCreate(objectSizeBytes, alignBytes, objectSizeBytes == 64 ? flags | SlabFlags.HwcacheAlign : flags);
    }
}
