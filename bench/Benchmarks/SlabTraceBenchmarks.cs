using BenchmarkDotNet.Attributes;
using Verify.Bench.Config;
using Verify.Bench.Workloads;
using Verify.Model.Contract;

namespace Verify.Bench.Benchmarks;

/// <summary>
/// Slab benchmark 2: model against impl on the same 100k-operation slab-heavy trace
/// (SlabTraceGenerator: cache objects, the three kmalloc families, dentries with name buffers
/// and shrinks, vmalloc) with 8 CPUs; the shared setup, agreement check and target are in
/// ModelAgainstImplTrace.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MacroJobConfig))]
public class SlabTraceBenchmarks : ModelAgainstImplTrace
{
    private SlabTraceOp[] _trace = [];
    private SlabTraceReplayer _replayer = null!;

    protected override (string Trace, string Live) Names => ("slab trace", "objects");

    protected override void PrepareTrace()
    {
        _trace = SlabTraceGenerator.Generate(OpsCount);
        _replayer = new SlabTraceReplayer(OpsCount);
    }

    protected override ReplayResult Replay(IKernel kernel) => _replayer.Replay(kernel, Machine, _trace);
}
