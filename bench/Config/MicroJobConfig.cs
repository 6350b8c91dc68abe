using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;

namespace Verify.Bench.Config;

/// <summary>
/// A short job for operations of nanoseconds: one process, 5 warm-up and 15 measured iterations
/// of 250 ms each, so a benchmark takes about 10 s instead of the default job's minute or more,
/// while 15 iterations of millions of operations still give a stable median. With --quick:
/// 1 warm-up and 3 iterations of 100 ms.
/// </summary>
public sealed class MicroJobConfig : ManualConfig
{
    public MicroJobConfig() => AddJob(Job.Default
        .WithId(RunLength.Quick ? "micro-quick" : "micro")
        .WithLaunchCount(1)
        .WithWarmupCount(RunLength.Quick ? 1 : 5)
        .WithIterationCount(RunLength.Quick ? 3 : 15)
        .WithIterationTime(TimeInterval.FromMilliseconds(RunLength.Quick ? 100 : 250)));
}
