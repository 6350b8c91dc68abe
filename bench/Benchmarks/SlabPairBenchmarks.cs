using BenchmarkDotNet.Attributes;
using Verify.Bench.Config;
using Verify.Bench.Workloads;
using Verify.Impl;
using Verify.Model;
using Verify.Model.Contract;

namespace Verify.Bench.Benchmarks;

/// <summary>
/// Slab benchmark 1: one CacheAlloc + CacheFree pair on a 256-byte cache holding 10k live
/// objects in half-used slabs (SlabCacheWithLiveObjects). The pair leaves the state exactly as it
/// found it, so every operation measures the same steady state. Both sides are called through
/// IKernel. Targets for impl: median at most 60 ns, 0 bytes allocated per operation.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MicroJobConfig))]
public class SlabPairBenchmarks
{
    private IKernel _model = null!;
    private IKernel _impl = null!;
    private long _modelCache;
    private long _implCache;

    [GlobalSetup]
    public void Setup()
    {
        _model = new ModelKernel(SlabCacheWithLiveObjects.Machine);
        _impl = new ImplKernel(SlabCacheWithLiveObjects.Machine);
        _modelCache = SlabCacheWithLiveObjects.Prepare(_model);
        _implCache = SlabCacheWithLiveObjects.Prepare(_impl);
        Require.That(_model.Digest == _impl.Digest, "model and impl to start from the same state");
        ulong before = _impl.Digest;
        AllocFreePair(_impl, _implCache);
        Require.That(_impl.Digest == before, "an alloc+free pair to leave the state unchanged");
    }

    [Benchmark(Baseline = true, Description = "model CacheAlloc+CacheFree 256 B")]
    public long Model() => AllocFreePair(_model, _modelCache);

    [Benchmark(Description = "impl CacheAlloc+CacheFree 256 B")]
    public long Impl() => AllocFreePair(_impl, _implCache);

    private static long AllocFreePair(IKernel kernel, long cache)
    {
        long address = kernel.CacheAlloc(cache).Value;
        return address + (long)kernel.CacheFree(cache, address).Errno;
    }
}
