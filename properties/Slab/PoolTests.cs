using Verify.Properties.Support;
using System.Collections;
using Verify.Fuzz.Harness;
using Verify.Impl;
using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Model.Slab;
using static Verify.Model.Contract.KernelConstants;
using static Verify.Properties.Memcg.SelftestPortTests;

namespace Verify.Properties.Slab;

/// <summary>
/// Protectable memory on model and impl with values worked out by hand (packing, protection,
/// rare writes, destroy, accounting), and the checker's pool invariants and S20 each shown to fire
/// on a state that breaks them.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class PoolTests
{
    private static PoolObjectInfo Object(IKernel k, long id) => k.TakeSnapshot().PoolObjects.Single(o => o.Id == id);

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void ObjectsPackUntilProtectAndLaterOnesGoToANewArea(string side)
    {
        var k = Kernel(side);
        long free = k.FreePageCount;
        long pool = k.PoolCreate(PoolFlags.None).Value;
        Assert.Equal(free, k.FreePageCount); // a pool takes no memory until its first object
        long a = k.PoolAlloc(pool, 100).Value, b = k.PoolAlloc(pool, 8).Value;
        Assert.Equal((0, 104, 104, 8), (Object(k, a).OffsetBytes, Object(k, a).Bytes, Object(k, b).OffsetBytes, Object(k, b).Bytes));
        Assert.Equal(Object(k, a).AreaId, Object(k, b).AreaId);
        Assert.Equal(free - 1, k.FreePageCount);
        Assert.True(k.PoolWrite(a, 7).IsOk);
        Assert.True(k.PoolProtect(pool).IsOk);
        Assert.Equal(Errno.EPERM, k.PoolWrite(a, 8).Errno);
        Assert.Equal(Errno.EPERM, k.PoolRareWrite(b, 8).Errno); // not a rare-write pool
        Assert.Equal((7L, 0L), (Object(k, a).Value, Object(k, b).Value));
        long c = k.PoolAlloc(pool, 5000).Value; // the protected area has room, but is read-only: a new area of 2 pages
        Assert.NotEqual(Object(k, a).AreaId, Object(k, c).AreaId);
        Assert.Equal((0, 5000, free - 3), (Object(k, c).OffsetBytes, Object(k, c).Bytes, k.FreePageCount));
        Assert.True(k.PoolWrite(c, 9).IsOk);
        var areas = k.TakeSnapshot().PoolAreas;
        Assert.Equal([(1, 112, true), (2, 5000, false)], areas.Select(x => (x.Pages, x.UsedBytes, x.Protected)));
        Assert.True(k.PoolDestroy(pool).IsOk);
        Assert.Equal(free, k.FreePageCount);
        Assert.Equal(Errno.EINVAL, k.PoolWrite(c, 1).Errno);
        Assert.Empty(k.TakeSnapshot().VmallocAreas);
    }

    /// <summary>An object that fills the rest of the newest area exactly goes into it; only the next one needs a new area.</summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void AnObjectThatFillsTheAreaExactlyStaysInIt(string side)
    {
        var k = Kernel(side);
        long free = k.FreePageCount;
        long pool = k.PoolCreate(PoolFlags.None).Value;
        long a = k.PoolAlloc(pool, PageSizeBytes - 96).Value, b = k.PoolAlloc(pool, 96).Value;
        Assert.Equal((Object(k, a).AreaId, PageSizeBytes - 96), (Object(k, b).AreaId, Object(k, b).OffsetBytes));
        Assert.Equal(free - 1, k.FreePageCount);
        long c = k.PoolAlloc(pool, 8).Value;
        Assert.NotEqual(Object(k, a).AreaId, Object(k, c).AreaId);
        Assert.Equal(free - 2, k.FreePageCount);
    }

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void ARareWritePoolChangesProtectedObjectsOnlyThroughTheRareWritePath(string side)
    {
        var k = Kernel(side);
        long pool = k.PoolCreate(PoolFlags.RareWrite).Value;
        long obj = k.PoolAlloc(pool, 64).Value;
        Assert.True(k.PoolProtect(pool).IsOk);
        Assert.Equal(Errno.EPERM, k.PoolWrite(obj, 2).Errno);
        Assert.True(k.PoolRareWrite(obj, 3).IsOk);
        Assert.Equal(3L, Object(k, obj).Value);
    }

    /// <summary>An accounted pool in a group of 3 pages: its first area of 2 pages is charged (memory.current 2), a second one does not fit, and destroy uncharges.</summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void AnAccountedPoolChargesItsPagesToTheCurrentTasksGroup(string side)
    {
        var k = Kernel(side);
        long group = k.CgroupCreate(1).Value;
        Assert.True(k.CgroupSetLimit(group, MemcgCounter.Memory, 3).IsOk && k.TaskAttach(InitPid, group).IsOk);
        long pool = k.PoolCreate(PoolFlags.Account).Value;
        Assert.True(k.PoolAlloc(pool, 2 * PageSizeBytes).IsOk);
        Assert.Equal(2L, Memory(k, group).Current);
        Assert.Equal(Errno.ENOMEM, k.PoolAlloc(pool, 2 * PageSizeBytes).Errno);
        Assert.Equal(2L, Memory(k, group).Current);
        Assert.True(k.PoolDestroy(pool).IsOk);
        Assert.Equal(0L, Memory(k, group).Current);
    }

    private static Snapshot PoolState(IReadOnlyList<PoolAreaInfo> areas, IReadOnlyList<PoolObjectInfo> objects, PoolFlags flags = PoolFlags.None) => new()
    {
        Machine = new MachineConfig(16, 1),
        BuddyInfo = [],
        FreeBlocks = [],
        VmallocAreas = [new VmallocAreaInfo(1, 1), new VmallocAreaInfo(2, 1)],
        Allocations = [new AllocatedRun(0, 1, AllocationKind.Vmalloc), new AllocatedRun(1, 1, AllocationKind.Vmalloc)],
        Pools = [new PoolInfo(1, flags)],
        PoolAreas = areas,
        PoolObjects = objects,
    };

    private static List<string> Conservation(Snapshot snapshot)
    {
        var found = new List<string>();
        PoolInvariants.Check(snapshot, (invariant, _) => found.Add(invariant));
        return found;
    }

    private static readonly PoolAreaInfo Area1 = new(1, 1, 1, 16, false), Area2 = new(1, 2, 1, 8, false);
    private static readonly PoolObjectInfo Obj1 = new(1, 1, 1, 0, 8, 0), Obj2 = new(2, 1, 1, 8, 8, 0);

    [Fact]
    public void PoolMemoryOutsideVmallocOrObjectsOutsideTheirAreaBreakPoolConservation()
    {
        Assert.Empty(Conservation(PoolState([Area1, Area2], [Obj1, Obj2])));
        Assert.Contains(Invariant.ConservationPools, Conservation(PoolState([Area1, Area2 with { AreaId = 3 }], [Obj1])));
        Assert.Contains(Invariant.ConservationPools, Conservation(PoolState([Area1 with { UsedBytes = PageSizeBytes + 8 }], [Obj1])));
        Assert.Contains(Invariant.ConservationPools, Conservation(PoolState([Area1], [Obj1, Obj2 with { OffsetBytes = 12 }])));
        Assert.Contains(Invariant.ConservationPools, Conservation(PoolState([Area1], [Obj1, Obj2 with { OffsetBytes = 4 }])));
        Assert.Contains(Invariant.ConservationPools, Conservation(PoolState([Area1], [Obj1 with { PoolId = 2 }])));
        var leaked = PoolState([Area1], [Obj1]);
        Assert.Contains(Invariant.ConservationPools, Conservation(new Snapshot { Machine = leaked.Machine, BuddyInfo = [], FreeBlocks = [], VmallocAreas = leaked.VmallocAreas, Allocations = [.. leaked.Allocations, new AllocatedRun(2, 1, AllocationKind.Vmalloc)], Pools = leaked.Pools, PoolAreas = leaked.PoolAreas, PoolObjects = leaked.PoolObjects }));
    }

    private static List<string> Step(Snapshot before, Snapshot after, string trace, Outcome outcome, Handle? named = null)
    {
        var op = Verify.Fuzz.Formats.TraceFormat.Parse("machine pages=16 cpus=1\n" + trace, "test").Ops[0];
        var args = new OpArgs();
        if (named is { } handle) args.SetRef(0, handle);
        var found = new List<string>();
        PoolInvariants.CheckStep(before, after, op, args, outcome, (invariant, _) => found.Add(invariant));
        return found;
    }

    [Fact]
    public void AWriteOnProtectedMemoryOrAProtectedAreaFreedWithoutDestroyBreaksTheProtectionInvariants()
    {
        var sealedState = PoolState([Area1 with { Protected = true }], [Obj1]);
        var written = PoolState([Area1 with { Protected = true }], [Obj1 with { Value = 5 }]);
        var handle = new Handle(HandleKind.PoolObject, 1, 1, 0);
        Assert.Empty(Step(sealedState, sealedState, "pool_write obj=0 value=5", Outcome.Fail(Errno.EPERM), handle));
        Assert.Contains(Invariant.PoolsProtectedWrite, Step(sealedState, written, "pool_write obj=0 value=5", Outcome.Ok(0), handle));
        Assert.Contains(Invariant.PoolsProtectedWrite, Step(sealedState, written, "pool_protect pool=0", Outcome.Ok(0), new Handle(HandleKind.Pool, 1, 0, 0)));
        // A rare write changes it only on a rare-write pool.
        Assert.Contains(Invariant.PoolsProtectedWrite, Step(sealedState, written, "pool_rare_write obj=0 value=5", Outcome.Ok(0), handle));
        var rare = PoolState([Area1 with { Protected = true }], [Obj1], PoolFlags.RareWrite);
        var rareWritten = PoolState([Area1 with { Protected = true }], [Obj1 with { Value = 5 }], PoolFlags.RareWrite);
        Assert.Empty(Step(rare, rareWritten, "pool_rare_write obj=0 value=5", Outcome.Ok(0), handle));
        // Protected memory goes only with its pool: freed or made writable by anything else breaks it.
        var gone = PoolState([], []);
        var writable = PoolState([Area1], [Obj1]);
        Assert.Empty(Step(sealedState, gone, "pool_destroy pool=0", Outcome.Ok(0), new Handle(HandleKind.Pool, 1, 0, 0)));
        Assert.Contains(Invariant.PoolsProtectedPages, Step(sealedState, gone, "vfree area=0", Outcome.Ok(0), new Handle(HandleKind.VmallocArea, 1, 0, 0)));
        Assert.Contains(Invariant.PoolsProtectedPages, Step(sealedState, writable, "pool_alloc pool=0 bytes=8", Outcome.Ok(2), new Handle(HandleKind.Pool, 1, 0, 0)));
    }

    private static IReadOnlyList<string> SelfCheck(ImplKernel impl)
    {
        var report = new SelfCheckReport();
        impl.CheckConsistency(report);
        return report.Found.Select(f => f.Invariant).ToList();
    }

    [Fact]
    public void S20SeesABrokenChainCountOrDigest()
    {
        var impl = new ImplKernel(new MachineConfig(64, 1));
        long pool = impl.PoolCreate(PoolFlags.None).Value;
        impl.PoolAlloc(pool, 8);
        impl.PoolProtect(pool);
        impl.PoolAlloc(pool, 8);
        Assert.Empty(SelfCheck(impl));
        var pools = (IList)typeof(Verify.Impl.Slab.PoolAllocator).GetField("_pools", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(impl.Pools)!;
        object slot = pools[0]!;
        var areaCount = slot.GetType().GetField("AreaCount")!;
        areaCount.SetValue(slot, 3);
        pools[0] = slot;
        const string S20 = StructureInvariant.Pools;
        Assert.Equal([ // the chain walks the newest area (slot 1, sequence 1) first, expecting sequences from AreaCount - 1 down
            $"{S20}: pool 1: area slot 1 is dead, of pool 1, or has sequence 1 where 2 was due",
            $"{S20}: pool 1: area slot 0 is dead, of pool 1, or has sequence 0 where 1 was due",
            $"{S20}: pool 1: its area chain does not hold its 3 areas"], Corrupt.Violations(impl));
        areaCount.SetValue(slot, 2);
        pools[0] = slot;
        Assert.Empty(SelfCheck(impl));
        impl.Pools.SlipWrite(2, 1); // digest kept: still consistent
        Assert.Empty(SelfCheck(impl));
        Assert.Equal(1L, Object(impl, 2).Value); // and the write went through the protection
        ulong digest = impl.Pools.Digest;
        typeof(Verify.Impl.Slab.PoolAllocator).GetField("<Digest>k__BackingField", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.SetValue(impl.Pools, 0UL);
        Assert.Equal([$"{S20}: the pools' digest 0000000000000000 differs from a recomputation {digest:x16}"], Corrupt.Violations(impl));
    }

    /// <summary>The planted bug's hook leaves exactly the newest area writable and keeps the digest; on a pool with no area or no pool it does nothing.</summary>
    [Fact]
    public void TheUnprotectSlipLeavesOnlyTheNewestAreaWritable()
    {
        var impl = new ImplKernel(new MachineConfig(64, 1));
        long pool = impl.PoolCreate(PoolFlags.None).Value, empty = impl.PoolCreate(PoolFlags.None).Value; // pool in slot 0
        long first = impl.PoolAlloc(pool, 8).Value;
        Assert.True(impl.PoolProtect(pool).IsOk);
        long newest = impl.PoolAlloc(pool, 5000).Value;
        Assert.True(impl.PoolProtect(pool).IsOk);
        impl.Pools.SlipUnprotectNewest(empty);
        impl.Pools.SlipUnprotectNewest(999);
        Assert.Equal(Errno.EPERM, impl.PoolWrite(newest, 1).Errno);
        impl.Pools.SlipUnprotectNewest(pool);
        Assert.Equal((Errno.EPERM, true), (impl.PoolWrite(first, 1).Errno, impl.PoolWrite(newest, 1).IsOk));
        Assert.Empty(SelfCheck(impl));
    }

    /// <summary>S20 names an object that is dead, of another pool or outside its area's used bytes, each on its own (a pool of two 8-byte objects, ids 1 and 2, in one area).</summary>
    [Theory]
    [InlineData("PoolId", 7L, "the pools' digest ")] // the digest terms hold the object's pool and offset
    [InlineData("OffsetBytes", 16, "the pools' digest ")] // 16 + 8 bytes end past the 16 used; 16 - 8 would not
    [InlineData("Live", false, "2 live area and object slots but the pools' chains hold 3")]
    public void S20NamesAnObjectThatIsNotWhereItsPoolSays(string field, object value, string second)
    {
        var impl = new ImplKernel(new MachineConfig(64, 1));
        long pool = impl.PoolCreate(PoolFlags.None).Value;
        impl.PoolAlloc(pool, 8);
        impl.PoolAlloc(pool, 8);
        Assert.Empty(SelfCheck(impl));
        Corrupt.SetInElement(impl.Pools, "_objects", 1, field, value);
        var lines = Corrupt.Violations(impl);
        Assert.Equal(2, lines.Count);
        Assert.Equal($"{StructureInvariant.Pools}: pool 1: object 2 is dead, of another pool, or outside its area's used bytes", lines[0]);
        Assert.StartsWith($"{StructureInvariant.Pools}: {second}", lines[1]);
    }

    [Fact]
    public void S20NamesAnAreaOfAnotherPoolAndCutsALoopingObjectChain()
    {
        var impl = new ImplKernel(new MachineConfig(64, 1));
        long pool = impl.PoolCreate(PoolFlags.None).Value;
        impl.PoolAlloc(pool, 8);
        impl.PoolAlloc(pool, 8);
        Corrupt.SetInElement(impl.Pools, "_areas", 0, "PoolId", 7L);
        Assert.Contains($"{StructureInvariant.Pools}: pool 1: area slot 0 is dead, of pool 7, or has sequence 0 where 0 was due", Corrupt.Violations(impl));
        Corrupt.SetInElement(impl.Pools, "_areas", 0, "PoolId", pool);
        Assert.Empty(SelfCheck(impl));
        // The oldest object names the newest as its predecessor: the walk stops after one object more than exist.
        Corrupt.SetInElement(impl.Pools, "_objects", 0, "PrevObject", 1);
        Assert.Contains($"{StructureInvariant.Pools}: 3 live area and object slots but the pools' chains hold 4", Corrupt.Violations(impl));
    }

    [Fact]
    public void S20CutsALoopingAreaChain()
    {
        // The pool's only area names itself as the one before it: the walk reports it a second time, then stops.
        var impl = new ImplKernel(new MachineConfig(64, 1));
        long pool = impl.PoolCreate(PoolFlags.None).Value;
        impl.PoolAlloc(pool, 8);
        Corrupt.SetInElement(impl.Pools, "_areas", 0, "PrevArea", 0);
        Assert.Contains($"{StructureInvariant.Pools}: pool 1: area slot 0 is dead, of pool 1, or has sequence 0 where -1 was due", Corrupt.Violations(impl));
    }
}

