using Verify.Properties.Support;
using Verify.Fuzz.Harness;
using Verify.Model;
using Verify.Model.Contract;
using Verify.Model.Slab;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Slab;

/// <summary>The slab checkers themselves: a healthy snapshot passes, and each hand-broken copy is reported under the right name.</summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class SlabCheckerTests
{
    /// <summary>A healthy state with a user cache, accounted objects, a dentry with a name buffer and a kmalloc object.</summary>
    private static Snapshot Healthy()
    {
        var k = new ModelKernel(new MachineConfig(64, 2));
        long cache = k.CacheCreate(64, 0, SlabFlags.Account).Value;
        k.CacheAlloc(cache);
        k.CacheAlloc(cache);
        k.DentryAlloc(100);
        k.Kmalloc(40, KmallocFlags.Account);
        return k.TakeSnapshot();
    }

    private static List<string> Broken(Snapshot snapshot) =>
        SnapshotInvariants.Check(snapshot, "hand-built").Select(v => v.Invariant).Distinct().ToList();

    private static Snapshot With(Snapshot s, IReadOnlyList<SlabCacheInfo>? caches = null, IReadOnlyList<SlabPage>? slabs = null,
        IReadOnlyList<SlabObjectInfo>? objects = null, IReadOnlyList<AllocatedRun>? allocations = null, long? reclaimable = null) => new()
    {
        Machine = s.Machine,
        BuddyInfo = s.BuddyInfo,
        FreeBlocks = s.FreeBlocks,
        Allocations = allocations ?? s.Allocations,
        SlabCaches = caches ?? s.SlabCaches,
        Slabs = slabs ?? s.Slabs,
        SlabObjects = objects ?? s.SlabObjects,
        LargeKmallocs = s.LargeKmallocs,
        VmallocAreas = s.VmallocAreas,
        Dentries = s.Dentries,
        ReclaimableBytes = reclaimable ?? s.ReclaimableBytes,
    };

    private static IReadOnlyList<T> Replace<T>(IReadOnlyList<T> list, Func<T, bool> which, Func<T, T> change) =>
        list.Select(item => which(item) ? change(item) : item).ToList();

    [Fact]
    public void AHealthyStateHasNoViolations() => Assert.Empty(Broken(Healthy()));

    [Fact]
    public void AnObjectOutsideItsSlabIsReported()
    {
        var s = Healthy();
        var first = s.SlabObjects[0];
        Assert.Contains(Invariant.SlabInsideSlab, Broken(With(s, objects: Replace(s.SlabObjects, o => o == first, o => o with { Address = o.Address + 3 }))));
        Assert.Contains(Invariant.SlabInsideSlab, Broken(With(s, objects: Replace(s.SlabObjects, o => o == first, o => o with { Address = (long)s.Machine.Pages << PageShift }))));
    }

    [Fact]
    public void TwoObjectsAtOneAddressAreReportedAsNotDisjoint()
    {
        var s = Healthy();
        Assert.Contains(Invariant.SlabDisjoint, Broken(With(s, objects: [.. s.SlabObjects, s.SlabObjects[0]])));
    }

    [Fact]
    public void AWrongInUseCountIsReported()
    {
        var s = Healthy();
        Assert.Equal([Invariant.SlabInUseCount], Broken(With(s, slabs: Replace(s.Slabs, _ => true, slab => slab with { InUse = slab.InUse + 1 }))));
    }

    [Fact]
    public void ASlabWhosePagesAreNotASlabAllocationIsReported()
    {
        var s = Healthy();
        var allocations = Replace(s.Allocations, r => r.Kind == AllocationKind.Slab, r => r with { Kind = AllocationKind.Block });
        Assert.Equal([Invariant.SlabPagesAllocated], Broken(With(s, allocations: allocations)));
    }

    [Fact]
    public void AccountedObjectsInACacheWithAccountingOffAreReported()
    {
        var s = Healthy();
        var caches = Replace(s.SlabCaches, c => c.Id == SlabLayout.FirstUserCacheId, c => c with { Accounted = false });
        Assert.Equal([Invariant.UnaccountingOnlyWhenEmpty], Broken(With(s, caches: caches)));
    }

    [Fact]
    public void AnAccountedPlainKmallocCacheIsReported()
    {
        var s = Healthy();
        var caches = Replace(s.SlabCaches, c => c.Id == 0, c => c with { Accounted = true });
        Assert.Equal([Invariant.KmallocAccountingFixed], Broken(With(s, caches: caches)));
    }

    [Fact]
    public void WrongSlabinfoCountsAreReported()
    {
        var s = Healthy();
        var caches = Replace(s.SlabCaches, c => c.Id == SlabLayout.FirstUserCacheId, c => c with { ActiveObjects = c.ActiveObjects + 1 });
        Assert.Equal([Invariant.SlabInfoCounts], Broken(With(s, caches: caches)));
    }

    [Fact]
    public void WrongReclaimableBytesAreReported()
    {
        var s = Healthy();
        Assert.True(s.ReclaimableBytes > 0);
        Assert.Equal([Invariant.ConservationReclaimable], Broken(With(s, reclaimable: s.ReclaimableBytes - 128)));
    }
}
