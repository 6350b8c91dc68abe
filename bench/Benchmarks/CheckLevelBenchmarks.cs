using BenchmarkDotNet.Attributes;
using Verify.Bench.Config;
using Verify.Bench.Workloads;
using Verify.Fuzz.Harness;
using Verify.Model.Alphabet;
using Verify.Model.Contract;

namespace Verify.Bench.Benchmarks;

/// <summary>
/// What the checks cost: the differential runner on the same whole-alphabet scenarios as
/// RunnerThroughputBenchmarks (2^12 pages, 128 operations per scenario), under CheckLevel.Cheap
/// (digest and cheap invariants every step; full checks and the structures' self-checks at each
/// scenario's end) and CheckLevel.Full (snapshots, every invariant and every self-check after
/// every step), each with the self-checks on and off. Cheap with self-checks, the fuzzers'
/// default, is the baseline of the Ratio column. Times are per operation.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputJobConfig))]
public class CheckLevelBenchmarks
{
    public const int OpsPerInvoke = 4_096;
    public const int OpsPerScenario = 128;

    private Scenario[] _scenarios = [];
    private Runner _withSelfChecks = null!;
    private Runner _withoutSelfChecks = null!;

    [GlobalSetup]
    public void Setup()
    {
        var machine = MachineConfig.Default with { Pages = RunnerThroughputBenchmarks.PagesCount };
        _scenarios = AlphabetScenarioGenerator.Generate(AlphabetScenarioGenerator.AllSpecs, machine, OpsPerInvoke / OpsPerScenario, OpsPerScenario);
        _withSelfChecks = new Runner { SelfChecks = true };
        _withoutSelfChecks = new Runner { SelfChecks = false };
        foreach (var scenario in _scenarios)
        {
            var result = _withSelfChecks.Run(scenario, CheckLevel.Full);
            Require.That(result.Passed && result.OpsRun == OpsPerScenario, $"every scenario to pass in full, got {result}");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = OpsPerInvoke, Description = "cheap, self-checks at the end")]
    public int Cheap() => RunAll(_withSelfChecks, CheckLevel.Cheap);

    [Benchmark(OperationsPerInvoke = OpsPerInvoke, Description = "cheap, no self-checks")]
    public int CheapWithoutSelfChecks() => RunAll(_withoutSelfChecks, CheckLevel.Cheap);

    [Benchmark(OperationsPerInvoke = OpsPerInvoke, Description = "full, self-checks every step")]
    public int Full() => RunAll(_withSelfChecks, CheckLevel.Full);

    [Benchmark(OperationsPerInvoke = OpsPerInvoke, Description = "full, no self-checks")]
    public int FullWithoutSelfChecks() => RunAll(_withoutSelfChecks, CheckLevel.Full);

    private int RunAll(Runner runner, CheckLevel level)
    {
        int opsRun = 0;
        foreach (var scenario in _scenarios) opsRun += runner.Run(scenario, level).OpsRun;
        return opsRun;
    }
}
