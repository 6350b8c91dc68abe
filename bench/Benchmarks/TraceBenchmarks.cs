using BenchmarkDotNet.Attributes;
using Verify.Bench.Config;
using Verify.Bench.Workloads;
using Verify.Model.Contract;

namespace Verify.Bench.Benchmarks;

/// <summary>
/// Benchmark 2: model against impl on the same 100k-operation buddy trace (BuddyTraceGenerator);
/// the shared setup, agreement check and target are in ModelAgainstImplTrace.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MacroJobConfig))]
public class TraceBenchmarks : ModelAgainstImplTrace
{
    private TraceOp[] _trace = [];
    private BuddyTraceReplayer _replayer = null!;

    protected override (string Trace, string Live) Names => ("trace", "allocations");

    protected override void PrepareTrace()
    {
        _trace = BuddyTraceGenerator.Generate(OpsCount, PagesCount);
        _replayer = new BuddyTraceReplayer(OpsCount);
    }

    protected override ReplayResult Replay(IKernel kernel) => _replayer.Replay(kernel, Machine, _trace);
}
