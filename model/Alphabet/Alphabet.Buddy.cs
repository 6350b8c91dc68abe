using Verify.Model.Contract;

namespace Verify.Model.Alphabet;

public static partial class Alphabet
{
    /// <summary>Flavors of a PageRun handle: which free call it needs.</summary>
    public const byte PageRunBlock = 0, PageRunExact = 1;

    /// <summary>Orders above MaxPageOrder are generated too: they must fail with EINVAL.</summary>
    public const int AllocOrderMax = 12;

    private static IEnumerable<OpSpec> BuddyOps()
    {
        yield return new OpSpec(
            "alloc_pages",
            [ArgSpec.Int("order", 0, AllocOrderMax)],
            static (IKernel k, in OpArgs a) => k.AllocPages((int)a.Int(0)),
            Produces: static (in OpArgs a, Outcome o) => new Handle(HandleKind.PageRun, o.Value, a.Int(0), PageRunBlock),
            Weight: 30);
        yield return new OpSpec(
            "free_pages",
            [ArgSpec.Ref("ref", HandleKind.PageRun)],
            static (IKernel k, in OpArgs a) => FreePageRun(k, a.Ref(0)),
            ConsumesArg: 0,
            Weight: 25);
        yield return new OpSpec(
            "free_pages_stale",
            [ArgSpec.StaleRef("ref", HandleKind.PageRun)],
            static (IKernel k, in OpArgs a) => FreePageRun(k, a.Ref(0)),
            Weight: 3);
        yield return new OpSpec(
            "alloc_pages_exact",
            [ArgSpec.Int("bytes", 0, KernelConstants.ExactBytesMax + KernelConstants.PageSizeBytes, Spread.Logarithmic)],
            static (IKernel k, in OpArgs a) => k.AllocPagesExact(a.Int(0)),
            Produces: static (in OpArgs a, Outcome o) => new Handle(HandleKind.PageRun, o.Value, a.Int(0), PageRunExact),
            Weight: 10);
    }

    private static Outcome FreePageRun(IKernel kernel, Handle run) => run.Flavor == PageRunExact
        ? kernel.FreePagesExact(run.Value, run.Aux)
        : kernel.FreePages(run.Value, (int)run.Aux);
}
