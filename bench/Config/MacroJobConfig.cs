using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace Verify.Bench.Config;

/// <summary>
/// A short job for whole workloads of milliseconds to seconds per invocation (a 100k-operation
/// trace on the model takes a few hundred ms): one process, 2 warm-up and 7 measured iterations.
/// Seven iterations give a usable median; the default job would spend minutes on the model
/// alone. With --quick: 1 warm-up and 3 iterations.
/// </summary>
public sealed class MacroJobConfig : ManualConfig
{
    public MacroJobConfig() => AddJob(Job.Default
        .WithId(RunLength.Quick ? "macro-quick" : "macro")
        .WithLaunchCount(1)
        .WithWarmupCount(RunLength.Quick ? 1 : 2)
        .WithIterationCount(RunLength.Quick ? 3 : 7));
}
