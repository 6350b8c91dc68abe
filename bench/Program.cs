using BenchmarkDotNet.Running;
using Verify.Bench.Config;

namespace Verify.Bench;

/// <summary>
/// The standard BenchmarkDotNet switcher over every benchmark class in this assembly, so every
/// BenchmarkDotNet switch works (--filter '*', --list flat, --artifacts, --exporters), plus
/// --quick for shorter jobs (RunLength). Exits non-zero when a benchmark failed to run.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var switcherArgs = RunLength.Consume(args);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(switcherArgs, BenchConfig.Global());
        return summaries.Any(summary => summary.HasCriticalValidationErrors || summary.Reports.Any(report => !report.Success)) ? 1 : 0;
    }
}
