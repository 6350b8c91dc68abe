using BenchmarkDotNet.Attributes;
using Verify.Bench.Config;
using Verify.Bench.Workloads;
using Verify.Model.Contract;

namespace Verify.Bench.Benchmarks;

/// <summary>
/// Process containers 2: model against impl on the same 100k-operation task-heavy trace
/// (CgroupTraceGenerator: fork and exit around 64 live tasks, attaches, mkdir and rmdir of up to
/// 24 cgroups, pids.max limits that refuse some forks) on the default v2 machine; every outcome and
/// every effect is folded into the result. The shared setup, agreement check and target (impl at
/// least 50x faster) are in ModelAgainstImplTrace.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MacroJobConfig))]
public class CgroupTraceBenchmarks : ModelAgainstImplTrace
{
    private CgroupTraceOp[] _trace = [];
    private CgroupTraceReplayer _replayer = null!;

    protected override (string Trace, string Live) Names => ("cgroup trace", "tasks");

    protected override void PrepareTrace()
    {
        _trace = CgroupTraceGenerator.Generate(OpsCount);
        _replayer = new CgroupTraceReplayer(OpsCount);
    }

    protected override ReplayResult Replay(IKernel kernel) => _replayer.Replay(kernel, Machine, _trace);
}
