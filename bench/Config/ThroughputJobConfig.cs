using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;

namespace Verify.Bench.Config;

/// <summary>MacroJobConfig plus an Op/s column, for benchmarks that report operations per second (OperationsPerInvoke).</summary>
public sealed class ThroughputJobConfig : ManualConfig
{
    public ThroughputJobConfig()
    {
        Add(new MacroJobConfig());
        AddColumn(StatisticColumn.OperationsPerSecond);
    }
}
