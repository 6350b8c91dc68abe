using BenchmarkDotNet.Attributes;
using Verify.Bench.Config;
using Verify.Bench.Workloads;
using Verify.Impl;
using Verify.Model;
using Verify.Model.Contract;

namespace Verify.Bench.Benchmarks;

/// <summary>
/// Benchmark 1: one AllocPages(0) + FreePages(pfn, 0) pair on a 2^16-page machine that is half
/// full and fully fragmented (FragmentedMachine). The pair leaves the state exactly as it found
/// it (the lowest free page is taken and given back; its buddy is allocated so nothing merges),
/// so every operation measures the same steady state. Both sides are called through IKernel.
/// Targets for impl: median at most 60 ns, 0 bytes allocated per operation.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MicroJobConfig))]
public class OrderZeroPairBenchmarks
{
    private IKernel _model = null!;
    private IKernel _impl = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = new ModelKernel(MachineConfig.Default);
        _impl = new ImplKernel(MachineConfig.Default);
        FragmentedMachine.Prepare(_model);
        FragmentedMachine.Prepare(_impl);
        Require.That(_model.Digest == _impl.Digest, "model and impl to start from the same state");
    }

    [Benchmark(Baseline = true, Description = "model alloc+free order 0")]
    public long Model() => AllocFreePair(_model);

    [Benchmark(Description = "impl alloc+free order 0")]
    public long Impl() => AllocFreePair(_impl);

    private static long AllocFreePair(IKernel kernel)
    {
        long pfn = kernel.AllocPages(0).Value;
        return pfn + (long)kernel.FreePages(pfn, 0).Errno;
    }
}
