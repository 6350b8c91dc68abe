using Verify.Model.Contract;
using Verify.Model.Slab;

namespace Verify.Model.Alphabet;

public static partial class Alphabet
{
    /// <summary>cache_create's align argument is 1 &lt;&lt; align_log2; 13 (8192) is above PAGE_SIZE and must fail.</summary>
    public const int AlignLog2Max = 13;

    /// <summary>The byte offset the "inside" frees add to an object start: never a multiple of an object size (>= 8).</summary>
    public const int InsideOffsetMax = 7;

    public const int ShrinkCountMax = 16;

    private static readonly HashSet<string> SlabKeywords =
        SlabOps().Concat(ErrorPathSlabOps()).Concat(LargeSlabOps()).Select(spec => spec.Keyword).ToHashSet(StringComparer.Ordinal);

    /// <summary>True for the operations of the slab layer (caches, min-order caches, kmalloc, vmalloc, dentries), error-path forms included.</summary>
    public static bool IsSlabOp(OpSpec spec) => SlabKeywords.Contains(spec.Keyword);

    private static IEnumerable<OpSpec> SlabOps()
    {
        yield return new OpSpec(
            "cache_create",
            [ArgSpec.Int("size", 0, SlabGeometry.ObjectSizeMax + 1, Spread.Logarithmic), ArgSpec.Int("align_log2", 0, AlignLog2Max), ArgSpec.Int("flags", 0, (long)SlabFlags.All)],
            static (IKernel k, in OpArgs a) => k.CacheCreate(a.Int(0), 1L << (int)a.Int(1), (SlabFlags)a.Int(2)),
            Produces: static (in OpArgs a, Outcome o) => new Handle(HandleKind.Cache, o.Value, 0, 0),
            Weight: 6);
        yield return new OpSpec(
            "cache_destroy",
            [ArgSpec.Ref("cache", HandleKind.Cache)],
            static (IKernel k, in OpArgs a) => k.CacheDestroy(a.Ref(0).Value),
            ConsumesArg: 0,
            Weight: 3);
        yield return new OpSpec(
            "cache_set_account",
            [ArgSpec.Ref("cache", HandleKind.Cache), ArgSpec.Int("on", 0, 1)],
            static (IKernel k, in OpArgs a) => k.CacheSetAccount(a.Ref(0).Value, a.Int(1) != 0),
            Weight: 4);
        yield return new OpSpec(
            "setup_cache_set_account",
            [ArgSpec.Int("cache", 0, SlabLayout.DentryCacheId), ArgSpec.Int("on", 0, 1)],
            static (IKernel k, in OpArgs a) => k.CacheSetAccount(a.Int(0), a.Int(1) != 0),
            Weight: 2);
        yield return new OpSpec(
            "cache_alloc",
            [ArgSpec.Ref("cache", HandleKind.Cache)],
            static (IKernel k, in OpArgs a) => k.CacheAlloc(a.Ref(0).Value),
            Produces: static (in OpArgs a, Outcome o) => new Handle(HandleKind.SlabObject, o.Value, a.Ref(0).Value, 0),
            Weight: 30,
            ChargesKernel: KernelCharger.CurrentTask);
        yield return new OpSpec(
            "cache_free",
            [ArgSpec.Ref("obj", HandleKind.SlabObject)],
            static (IKernel k, in OpArgs a) => k.CacheFree(a.Ref(0).Aux, a.Ref(0).Value),
            ConsumesArg: 0,
            Weight: 25);
        yield return new OpSpec(
            "cache_free_stale",
            [ArgSpec.StaleRef("obj", HandleKind.SlabObject)],
            static (IKernel k, in OpArgs a) => k.CacheFree(a.Ref(0).Aux, a.Ref(0).Value),
            Weight: 2);
        yield return new OpSpec(
            "cache_free_inside",
            [ArgSpec.Ref("obj", HandleKind.SlabObject), ArgSpec.Int("offset", 1, InsideOffsetMax)],
            static (IKernel k, in OpArgs a) => k.CacheFree(a.Ref(0).Aux, a.Ref(0).Value + a.Int(1)),
            Weight: 2);
        yield return new OpSpec(
            "cache_free_wrong",
            [ArgSpec.Ref("obj", HandleKind.SlabObject), ArgSpec.Ref("cache", HandleKind.Cache)],
            // Another cache than the object's: the referenced one, or the dentry cache when they coincide.
            static (IKernel k, in OpArgs a) => k.CacheFree(a.Ref(1).Value == a.Ref(0).Aux ? SlabLayout.DentryCacheId : a.Ref(1).Value, a.Ref(0).Value),
            Weight: 2);
        yield return new OpSpec(
            "kmalloc",
            [ArgSpec.Int("bytes", 0, SlabLayout.KmallocMaxBytes + KernelConstants.PageSizeBytes, Spread.Logarithmic), ArgSpec.Int("flags", 0, 3)],
            static (IKernel k, in OpArgs a) => k.Kmalloc(a.Int(0), (KmallocFlags)a.Int(1)),
            Produces: static (in OpArgs a, Outcome o) => new Handle(HandleKind.KmallocObject, o.Value, 0, 0),
            Weight: 20,
            ChargesKernel: KernelCharger.CurrentTask);
        yield return new OpSpec(
            "kfree",
            [ArgSpec.Ref("obj", HandleKind.KmallocObject)],
            static (IKernel k, in OpArgs a) => k.Kfree(a.Ref(0).Value),
            ConsumesArg: 0,
            Weight: 16);
        yield return new OpSpec(
            "kfree_stale",
            [ArgSpec.StaleRef("obj", HandleKind.KmallocObject)],
            static (IKernel k, in OpArgs a) => k.Kfree(a.Ref(0).Value),
            Weight: 2);
        yield return new OpSpec(
            "kfree_inside",
            [ArgSpec.Ref("obj", HandleKind.KmallocObject), ArgSpec.Int("offset", 1, InsideOffsetMax)],
            static (IKernel k, in OpArgs a) => k.Kfree(a.Ref(0).Value + a.Int(1)),
            Weight: 1);
        yield return new OpSpec(
            "vmalloc",
            [ArgSpec.Int("bytes", 0, SlabLayout.VmallocBytesMax + KernelConstants.PageSizeBytes, Spread.Logarithmic)],
            static (IKernel k, in OpArgs a) => k.Vmalloc(a.Int(0)),
            Produces: static (in OpArgs a, Outcome o) => new Handle(HandleKind.VmallocArea, o.Value, 0, 0),
            Weight: 4);
        yield return new OpSpec(
            "vfree",
            [ArgSpec.Ref("area", HandleKind.VmallocArea)],
            static (IKernel k, in OpArgs a) => k.Vfree(a.Ref(0).Value),
            ConsumesArg: 0,
            Weight: 4);
        yield return new OpSpec(
            "vfree_stale",
            [ArgSpec.StaleRef("area", HandleKind.VmallocArea)],
            static (IKernel k, in OpArgs a) => k.Vfree(a.Ref(0).Value),
            Weight: 1);
        yield return new OpSpec(
            "dentry_alloc",
            [ArgSpec.Int("name_len", 0, SlabLayout.DentryNameBytesMax + 1)],
            static (IKernel k, in OpArgs a) => k.DentryAlloc((int)a.Int(0)),
            Produces: static (in OpArgs a, Outcome o) => new Handle(HandleKind.Dentry, o.Value, 0, 0),
            Weight: 8,
            ChargesKernel: KernelCharger.CurrentTask);
        yield return new OpSpec(
            "dentry_pin",
            [ArgSpec.Ref("dentry", HandleKind.Dentry)],
            static (IKernel k, in OpArgs a) => k.DentryPin(a.Ref(0).Value),
            Weight: 4);
        yield return new OpSpec(
            "dentry_unpin",
            [ArgSpec.Ref("dentry", HandleKind.Dentry)],
            static (IKernel k, in OpArgs a) => k.DentryUnpin(a.Ref(0).Value),
            Weight: 4);
        yield return new OpSpec(
            "shrink",
            [ArgSpec.Int("count", 0, ShrinkCountMax)],
            static (IKernel k, in OpArgs a) => k.Shrink((int)a.Int(0)),
            Weight: 3);
    }
}
