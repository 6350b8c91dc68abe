using Verify.Fuzz.Engine;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;
using ModelBuddy = Verify.Model.Buddy.BuddyAllocator;
using ModelPools = Verify.Model.Slab.PoolAllocator;
using ModelVmalloc = Verify.Model.Slab.VmallocAllocator;

namespace Verify.Properties.Structures;

/// <summary>
/// The impl pools' id-indexed slots, O(1) protect and newest-first chains against the model's
/// plain lists (pools of area lists, a dictionary of objects): random creates, allocations (small,
/// and a page or more), writes, protects, rare writes and destroys on a small machine, so areas
/// also fail for want of memory; the same outcomes, the same pools, areas (protected flags
/// included) and objects with their values, and S20 after every step.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class PoolSlotsProperty(ITestOutputHelper output)
{
    private const int Pages = 40;

    public enum Kind { Create, Alloc, Write, Protect, RareWrite, Destroy }

    public readonly record struct PoolOp(Kind Kind, long Target, long Value)
    {
        public override string ToString() => $"{Kind} {Target} {Value}";
    }

    [Fact]
    public void ProtectCoversEveryAreaSoFarAndDestroyFreesWhatThePoolHolds()
    {
        StructureProperty.Check(output, nameof(ProtectCoversEveryAreaSoFarAndDestroyFreesWhatThePoolHolds), 5_000, Generate, Run);
    }

    private static PoolOp Generate(SplitMix64 random)
    {
        long roll = random.Range(0, 99);
        var kind = roll switch { < 10 => Kind.Create, < 45 => Kind.Alloc, < 65 => Kind.Write, < 75 => Kind.Protect, < 90 => Kind.RareWrite, _ => Kind.Destroy };
        long value = kind == Kind.Alloc ? (random.Chance(80) ? random.Range(1, 300) : random.Range(4000, 9000)) : kind == Kind.Create ? random.Range(0, 1) : random.Range(0, 1000);
        return new PoolOp(kind, random.Range(0, 15), value);
    }

    private static string? Run(IReadOnlyList<PoolOp> ops)
    {
        var modelPools = new ModelPools(new ModelVmalloc(new ModelBuddy(Pages)));
        var buddy = new Verify.Impl.Buddy.BuddyAllocator(Pages);
        var vmalloc = new Verify.Impl.Slab.VmallocAllocator(buddy);
        vmalloc.Reset(Pages);
        var pools = new Verify.Impl.Slab.PoolAllocator(vmalloc);
        pools.Reset();
        for (int step = 0; step < ops.Count; step++)
        {
            var op = ops[step];
            // Targets name ids 1..16: live ones, destroyed ones and ones never made.
            long id = op.Target + 1;
            Outcome expected, actual;
            switch (op.Kind)
            {
                case Kind.Create: (expected, actual) = (modelPools.Create((PoolFlags)op.Value), pools.Create((PoolFlags)op.Value)); break;
                case Kind.Alloc: (expected, actual) = (modelPools.Alloc(id, op.Value), pools.Alloc(id, op.Value)); break;
                case Kind.Write: (expected, actual) = (modelPools.Write(id, op.Value), pools.Write(id, op.Value)); break;
                case Kind.Protect: (expected, actual) = (modelPools.Protect(id), pools.Protect(id)); break;
                case Kind.RareWrite: (expected, actual) = (modelPools.RareWrite(id, op.Value), pools.RareWrite(id, op.Value)); break;
                default: (expected, actual) = (modelPools.Destroy(id), pools.Destroy(id)); break;
            }
            if (expected != actual) return $"E1: step {step} {op}: model {expected}, impl {actual}";
            if (!modelPools.Pools().SequenceEqual(pools.Pools()) || !modelPools.Areas().SequenceEqual(pools.Areas()) || !modelPools.Objects().SequenceEqual(pools.Objects()))
                return $"E2: step {step} {op}: the pools, areas or objects differ from the model's";
            if (StructureProperty.Violation(pools.CheckConsistency) is { } violation) return $"step {step} {op}: {violation}";
        }
        return null;
    }
}
