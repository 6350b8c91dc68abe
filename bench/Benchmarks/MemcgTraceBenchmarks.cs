using BenchmarkDotNet.Attributes;
using Verify.Bench.Config;
using Verify.Bench.Workloads;
using Verify.Model.Contract;

namespace Verify.Bench.Benchmarks;

/// <summary>
/// Memory cgroups: model against impl on the same 100k-operation memcg-heavy trace
/// (MemcgTraceGenerator: touches, unmaps and limit writes around limits of 200 pages, on 8 CPUs)
/// on the default v2 machine of ModelAgainstImplTrace; every outcome is folded into the result.
/// Target: impl at least 50x faster than the model.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MacroJobConfig))]
public class MemcgTraceBenchmarks : ModelAgainstImplTrace
{
    private MemcgTraceOp[] _trace = [];
    private readonly MemcgTraceReplayer _replayer = new();

    protected override (string Trace, string Live) Names => ("memcg trace", "tasks");

    protected override void PrepareTrace() => _trace = MemcgTraceGenerator.Generate(OpsCount);

    protected override ReplayResult Replay(IKernel kernel) => _replayer.Replay(kernel, Machine, _trace);
}
