using BenchmarkDotNet.Attributes;
using Verify.Bench.Config;
using Verify.Bench.Workloads;
using Verify.Impl;
using Verify.Model.Contract;

namespace Verify.Bench.Benchmarks;

/// <summary>
/// The question the LSFMM 2018 summit left open: what pmalloc costs against plain vmalloc. N = 1000
/// small objects that end up read-only, on the impl through IKernel, 2^13 pages, 1 CPU.
/// Baseline: one vmalloc area per object (what a caller without pmalloc does: a page each, which
/// it could then map read-only), all freed again. Measured: one pool, N pool_alloc, a pool_protect
/// at the end (or after every 16 objects, so each batch seals its area and the next starts a new
/// one), then pool_destroy. Each invocation leaves the kernel as it found it. Pages used are
/// counted once in setup (PagesUsed) and printed to the log; time per allocation is the median
/// divided by N.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MicroJobConfig))]
public class PmallocAgainstVmallocBenchmarks
{
    public const int Objects = 1000;

    [Params(16, 64, 256)]
    public int ObjectBytes { get; set; }

    /// <summary>0: one protect after the last object; 16: a protect after every 16 objects.</summary>
    [Params(0, 16)]
    public int ProtectEvery { get; set; }

    private ImplKernel _impl = null!;
    private readonly long[] _areas = new long[Objects];

    [GlobalSetup]
    public void Setup()
    {
        _impl = new ImplKernel(new MachineConfig(1 << 13, 1));
        ulong before = _impl.Digest;
        long vmallocPages = PagesUsed(() => Vmalloc(free: false)), poolPages = PagesUsed(() => Pmalloc(destroy: false));
        Console.WriteLine($"// pages for {Objects} objects of {ObjectBytes} B: vmalloc {vmallocPages}, pmalloc (protect every {ProtectEvery}) {poolPages}");
        Require.That(_impl.Digest != before, "the measuring runs to leave their memory allocated");
        _impl.Reset(_impl.Machine);
        long free = _impl.FreePageCount;
        Vmalloc(free: true);
        Pmalloc(destroy: true);
        Require.That(_impl.FreePageCount == free, "an invocation to give every page back");
    }

    /// <summary>The pages a run holds afterwards, on a fresh machine.</summary>
    private long PagesUsed(Func<long> run)
    {
        _impl.Reset(_impl.Machine);
        run();
        return _impl.AllocatedPageCount;
    }

    [Benchmark(Baseline = true, Description = "impl vmalloc per object + vfree")]
    public long Vmalloc() => Vmalloc(free: true);

    [Benchmark(Description = "impl pmalloc pool: alloc, protect, destroy")]
    public long Pmalloc() => Pmalloc(destroy: true);

    private long Vmalloc(bool free)
    {
        long sum = 0;
        for (int i = 0; i < Objects; i++) sum += _areas[i] = _impl.Vmalloc(ObjectBytes).Value;
        if (free) for (int i = 0; i < Objects; i++) sum += (long)_impl.Vfree(_areas[i]).Errno;
        return sum;
    }

    private long Pmalloc(bool destroy)
    {
        long pool = _impl.PoolCreate(PoolFlags.None).Value, sum = 0;
        for (int i = 1; i <= Objects; i++)
        {
            sum += _impl.PoolAlloc(pool, ObjectBytes).Value;
            if (ProtectEvery > 0 && i % ProtectEvery == 0) _impl.PoolProtect(pool);
        }
        sum += (long)_impl.PoolProtect(pool).Errno;
        if (destroy) sum += (long)_impl.PoolDestroy(pool).Errno;
        return sum;
    }
}
