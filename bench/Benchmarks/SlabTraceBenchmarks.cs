using BenchmarkDotNet.Attributes;
using Verify.Bench.Config;
using Verify.Bench.Workloads;
using Verify.Impl;
using Verify.Model;
using Verify.Model.Contract;

namespace Verify.Bench.Benchmarks;

/// <summary>
/// Slab benchmark 2: model against impl on the same 100k-operation slab-heavy trace
/// (SlabTraceGenerator: cache objects, the three kmalloc families, dentries with name buffers
/// and shrinks, vmalloc) on a 2^16-page machine with 8 CPUs, each invocation from a fresh Reset.
/// Setup replays the trace on both sides and refuses to run unless every outcome and the final
/// digest agree. Target: impl at least 50x faster than the model (the Ratio column).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MacroJobConfig))]
public class SlabTraceBenchmarks
{
    public const int OpsCount = 100_000;
    public const int PagesCount = 1 << 16;

    private static readonly MachineConfig Machine = MachineConfig.Default with { Pages = PagesCount };
    private SlabTraceOp[] _trace = [];
    private SlabTraceReplayer _replayer = null!;
    private IKernel _model = null!;
    private IKernel _impl = null!;

    [GlobalSetup]
    public void Setup()
    {
        _trace = SlabTraceGenerator.Generate(OpsCount);
        _replayer = new SlabTraceReplayer(OpsCount);
        _model = new ModelKernel(Machine);
        _impl = new ImplKernel(Machine);
        var modelResult = _replayer.Replay(_model, Machine, _trace);
        var implResult = _replayer.Replay(_impl, Machine, _trace);
        Require.That(modelResult == implResult, $"model and impl to agree on the trace: model {modelResult}, impl {implResult}");
        Console.WriteLine($"// slab trace: {OpsCount} ops on {PagesCount} pages; {implResult.FailedCount} failed calls, " +
            $"{implResult.LiveCount} objects live at the end, {_impl.FreePageCount} pages free");
    }

    [Benchmark(Baseline = true, Description = "model 100k-op slab trace")]
    public ulong Model() => _replayer.Replay(_model, Machine, _trace).Checksum;

    [Benchmark(Description = "impl 100k-op slab trace")]
    public ulong Impl() => _replayer.Replay(_impl, Machine, _trace).Checksum;
}
