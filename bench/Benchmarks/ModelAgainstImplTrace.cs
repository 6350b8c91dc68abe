using BenchmarkDotNet.Attributes;
using Verify.Bench.Workloads;
using Verify.Impl;
using Verify.Model;
using Verify.Model.Contract;

namespace Verify.Bench.Benchmarks;

/// <summary>
/// What every trace benchmark shares: model against impl on the same 100k-operation trace on a
/// 2^16-page machine, each invocation from a fresh Reset. Setup replays the trace on both sides
/// and refuses to run unless every outcome and the final digest agree. Target: impl at least
/// 50x faster than the model (the Ratio column). A subclass supplies the trace and its replay.
/// </summary>
public abstract class ModelAgainstImplTrace
{
    public const int OpsCount = 100_000;
    public const int PagesCount = 1 << 16;

    protected static readonly MachineConfig Machine = MachineConfig.Default with { Pages = PagesCount };
    private IKernel _model = null!;
    private IKernel _impl = null!;

    /// <summary>What the setup line calls the trace and its live things, e.g. "slab trace", "objects".</summary>
    protected abstract (string Trace, string Live) Names { get; }

    /// <summary>Builds the trace and the replayer; called once, before any replay.</summary>
    protected abstract void PrepareTrace();

    /// <summary>Replays the whole trace on the kernel from a fresh Reset of Machine.</summary>
    protected abstract ReplayResult Replay(IKernel kernel);

    [GlobalSetup]
    public void Setup()
    {
        PrepareTrace();
        _model = new ModelKernel(Machine);
        _impl = new ImplKernel(Machine);
        var modelResult = Replay(_model);
        var implResult = Replay(_impl);
        Require.That(modelResult == implResult, $"model and impl to agree on the trace: model {modelResult}, impl {implResult}");
        Console.WriteLine($"// {Names.Trace}: {OpsCount} ops on {PagesCount} pages; {implResult.FailedCount} failed calls, " +
            $"{implResult.LiveCount} {Names.Live} live at the end, {_impl.FreePageCount} pages free");
    }

    [Benchmark(Baseline = true, Description = "model 100k-op trace")]
    public ulong Model() => Replay(_model).Checksum;

    [Benchmark(Description = "impl 100k-op trace")]
    public ulong Impl() => Replay(_impl).Checksum;
}
