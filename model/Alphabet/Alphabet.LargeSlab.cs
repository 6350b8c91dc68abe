using Verify.Model.Contract;
using Verify.Model.Slab;

namespace Verify.Model.Alphabet;

/// <summary>Caches with their own minimum slab order (large objects that are not a power of two), appended after the pool operations.</summary>
public static partial class Alphabet
{
    private static readonly HashSet<string> LargeSlabKeywords = LargeSlabOps().Select(spec => spec.Keyword).ToHashSet(StringComparer.Ordinal);

    /// <summary>True for the min-order cache operations (generators keep them out of the task focus, as they do pools).</summary>
    public static bool IsLargeSlabOp(OpSpec spec) => LargeSlabKeywords.Contains(spec.Keyword);

    private static IEnumerable<OpSpec> LargeSlabOps()
    {
        yield return new OpSpec(
            "cache_create_min_order",
            // size one past 2 MiB and min_order 10 are EINVAL. Three arguments at most per operation,
            // so the alignment is the default one (8 bytes, the cache line with HWCACHE_ALIGN); the
            // cache's handle is a Cache like cache_create's.
            [
                ArgSpec.Int("size", 0, SlabGeometry.LargeObjectSizeMax + 1, Spread.Logarithmic),
                ArgSpec.Int("flags", 0, (long)SlabFlags.All),
                ArgSpec.Int("min_order", 0, SlabGeometry.MinOrderMax + 1),
            ],
            static (IKernel k, in OpArgs a) => k.CacheCreateMinOrder(a.Int(0), 0, (SlabFlags)a.Int(1), a.Int(2)),
            Produces: static (in OpArgs a, Outcome o) => new Handle(HandleKind.Cache, o.Value, 0, 0),
            Weight: 3);
    }
}
