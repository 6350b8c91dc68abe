using BenchmarkDotNet.Attributes;
using Verify.Bench.Config;
using Verify.Bench.Workloads;
using Verify.Fuzz.Harness;
using Verify.Model.Alphabet;
using Verify.Model.Contract;

namespace Verify.Bench.Benchmarks;

/// <summary>
/// Benchmark 3: the differential runner (model + impl in lock step, outcome and digest compared
/// and every cheap invariant checked after every step, the full comparison at each scenario's
/// start and end) at 2^12 pages, CheckLevel.Cheap, one thread. Each invocation runs OpsPerInvoke
/// operations as scenarios of OpsPerScenario operations, so times are per operation and Op/s is
/// operations per second. Short scenarios pay the per-scenario reset and full comparison more
/// often, as fuzz inputs do. Ops = Buddy draws the four buddy operations only (comparable across
/// time); Ops = All draws the whole alphabet, so it follows the subsystems as they are added.
/// Target: at least 100k operations per second.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputJobConfig))]
public class RunnerThroughputBenchmarks
{
    public const int OpsPerInvoke = 16_384;
    public const int PagesCount = 1 << 12;

    private Scenario[] _scenarios = [];
    private Runner _runner = null!;

    public enum OpSet { Buddy, All }

    [Params(OpSet.Buddy, OpSet.All)]
    public OpSet Ops { get; set; }

    [Params(128, Scenario.OpsMax)]
    public int OpsPerScenario { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var machine = MachineConfig.Default with { Pages = PagesCount };
        var specs = Ops == OpSet.Buddy ? AlphabetScenarioGenerator.BuddySpecs : AlphabetScenarioGenerator.AllSpecs;
        _scenarios = AlphabetScenarioGenerator.Generate(specs, machine, OpsPerInvoke / OpsPerScenario, OpsPerScenario);
        _runner = new Runner();
        foreach (var scenario in _scenarios)
        {
            var result = _runner.Run(scenario, CheckLevel.Cheap);
            Require.That(result.Passed && result.OpsRun == OpsPerScenario, $"every scenario to pass in full, got {result}");
        }
    }

    [Benchmark(OperationsPerInvoke = OpsPerInvoke, Description = "runner, cheap checks")]
    public int Run()
    {
        int opsRun = 0;
        foreach (var scenario in _scenarios) opsRun += _runner.Run(scenario, CheckLevel.Cheap).OpsRun;
        return opsRun;
    }
}
