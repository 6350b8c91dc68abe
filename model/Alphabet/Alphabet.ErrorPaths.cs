using Verify.Model.Contract;
using Verify.Model.Slab;

namespace Verify.Model.Alphabet;

/// <summary>
/// Argument forms of existing kernel calls that reach the error paths the first operations
/// cannot express: a caller-given order or size on a free, a stale cache, a setup cache where only
/// a created one is allowed, raw kmem_cache_create arguments, a negative shrink count. Appended
/// after the slab operations (codes are positions), and calling only IKernel methods that exist,
/// so model and impl give them meaning without a line of their own. The catalogue of which errno
/// return each one reaches is fuzz/Harness/ErrorPaths.cs.
/// </summary>
public static partial class Alphabet
{
    /// <summary>cache_create_raw's align argument is given as is: 0, any power of two up to PAGE_SIZE, or anything else (EINVAL).</summary>
    public const int RawAlignMax = SlabGeometry.AlignMax + 1;

    /// <summary>cache_create_raw's flags: the three modelled bits and one unknown bit (8, EINVAL).</summary>
    public const int RawFlagsMax = 15;

    public const int NegativeShrinkCountMin = -16;

    private static IEnumerable<OpSpec> ErrorPathBuddyOps()
    {
        yield return new OpSpec(
            "free_pages_order",
            [ArgSpec.Ref("ref", HandleKind.PageRun), ArgSpec.Int("order", 0, AllocOrderMax)],
            // __free_pages(page, order) with the caller's order: EINVAL unless the run is a block of exactly that order.
            static (IKernel k, in OpArgs a) => k.FreePages(a.Ref(0).Value, (int)a.Int(1)),
            ConsumesArg: 0,
            Weight: 1);
        yield return new OpSpec(
            "free_pages_exact_size",
            [ArgSpec.Ref("ref", HandleKind.PageRun), ArgSpec.Int("bytes", 0, KernelConstants.ExactBytesMax + KernelConstants.PageSizeBytes, Spread.Logarithmic)],
            // free_pages_exact(addr, size) with the caller's size: EINVAL unless the run is an exact one of that many pages.
            static (IKernel k, in OpArgs a) => k.FreePagesExact(a.Ref(0).Value, a.Int(1)),
            ConsumesArg: 0,
            Weight: 1);
    }

    private static IEnumerable<OpSpec> ErrorPathSlabOps()
    {
        yield return new OpSpec(
            "cache_create_raw",
            [ArgSpec.Int("size", 0, SlabGeometry.ObjectSizeMax + 1, Spread.Logarithmic), ArgSpec.Int("align", 0, RawAlignMax, Spread.Logarithmic), ArgSpec.Int("flags", 0, RawFlagsMax)],
            static (IKernel k, in OpArgs a) => k.CacheCreate(a.Int(0), a.Int(1), (SlabFlags)a.Int(2)),
            Produces: static (in OpArgs a, Outcome o) => new Handle(HandleKind.Cache, o.Value, 0, 0),
            Weight: 1);
        yield return new OpSpec(
            "cache_destroy_stale",
            [ArgSpec.StaleRef("cache", HandleKind.Cache)],
            static (IKernel k, in OpArgs a) => k.CacheDestroy(a.Ref(0).Value),
            Weight: 1);
        yield return new OpSpec(
            "setup_cache_destroy",
            [ArgSpec.Int("cache", 0, SlabLayout.DentryCacheId)],
            static (IKernel k, in OpArgs a) => k.CacheDestroy(a.Int(0)),
            Weight: 1);
        yield return new OpSpec(
            "cache_set_account_stale",
            [ArgSpec.StaleRef("cache", HandleKind.Cache), ArgSpec.Int("on", 0, 1)],
            static (IKernel k, in OpArgs a) => k.CacheSetAccount(a.Ref(0).Value, a.Int(1) != 0),
            Weight: 1);
        yield return new OpSpec(
            "cache_alloc_stale",
            [ArgSpec.StaleRef("cache", HandleKind.Cache)],
            static (IKernel k, in OpArgs a) => k.CacheAlloc(a.Ref(0).Value),
            Weight: 1);
        yield return new OpSpec(
            "shrink_negative",
            [ArgSpec.Int("count", NegativeShrinkCountMin, -1)],
            static (IKernel k, in OpArgs a) => k.Shrink((int)a.Int(0)),
            Weight: 1);
    }
}
