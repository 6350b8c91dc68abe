using Verify.Model.Contract;
using Verify.Model.Slab;

namespace Verify.Model.Alphabet;

/// <summary>Protectable memory (pmalloc), appended after the OOM killer's operations: pools, their objects, writes, protect, rare writes and destroy.</summary>
public static partial class Alphabet
{
    private static readonly HashSet<string> PoolKeywords = PoolOps().Select(spec => spec.Keyword).ToHashSet(StringComparer.Ordinal);

    /// <summary>True for the protectable-memory operations (generators keep them out of the buddy and task foci).</summary>
    public static bool IsPoolOp(OpSpec spec) => PoolKeywords.Contains(spec.Keyword);

    private static IEnumerable<OpSpec> PoolOps()
    {
        yield return new OpSpec(
            "pool_create",
            // flags: bit 0 rare write, bit 1 accounted; 4 is EINVAL.
            [ArgSpec.Int("flags", 0, (long)PoolFlags.All + 1)],
            static (IKernel k, in OpArgs a) => k.PoolCreate((PoolFlags)a.Int(0)),
            Produces: static (in OpArgs a, Outcome o) => new Handle(HandleKind.Pool, o.Value, 0, 0),
            Weight: 3);
        yield return new OpSpec(
            "pool_alloc",
            // 0 and one past the largest object: EINVAL.
            [ArgSpec.Ref("pool", HandleKind.Pool), ArgSpec.Int("bytes", 0, SlabLayout.PoolObjectBytesMax + 1, Spread.Logarithmic)],
            static (IKernel k, in OpArgs a) => k.PoolAlloc(a.Ref(0).Value, a.Int(1)),
            Produces: static (in OpArgs a, Outcome o) => new Handle(HandleKind.PoolObject, o.Value, a.Ref(0).Value, 0),
            Weight: 12,
            ChargesKernel: KernelCharger.CurrentTask);
        yield return new OpSpec(
            "pool_write",
            [ArgSpec.Ref("obj", HandleKind.PoolObject), ArgSpec.Int("value", 0, uint.MaxValue)],
            static (IKernel k, in OpArgs a) => k.PoolWrite(a.Ref(0).Value, a.Int(1)),
            Weight: 8);
        yield return new OpSpec(
            "pool_protect",
            [ArgSpec.Ref("pool", HandleKind.Pool)],
            static (IKernel k, in OpArgs a) => k.PoolProtect(a.Ref(0).Value),
            Weight: 3);
        yield return new OpSpec(
            "pool_rare_write",
            [ArgSpec.Ref("obj", HandleKind.PoolObject), ArgSpec.Int("value", 0, uint.MaxValue)],
            static (IKernel k, in OpArgs a) => k.PoolRareWrite(a.Ref(0).Value, a.Int(1)),
            Weight: 4);
        yield return new OpSpec(
            "pool_destroy",
            [ArgSpec.Ref("pool", HandleKind.Pool)],
            static (IKernel k, in OpArgs a) => k.PoolDestroy(a.Ref(0).Value),
            ConsumesArg: 0,
            Weight: 2);
        yield return new OpSpec(
            "pool_destroy_stale",
            [ArgSpec.StaleRef("pool", HandleKind.Pool)],
            static (IKernel k, in OpArgs a) => k.PoolDestroy(a.Ref(0).Value),
            Weight: 1);
    }
}
