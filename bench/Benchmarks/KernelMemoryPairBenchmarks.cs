using BenchmarkDotNet.Attributes;
using Verify.Bench.Config;
using Verify.Bench.Workloads;
using Verify.Impl;
using Verify.Model.Contract;
using Verify.Model.Slab;

namespace Verify.Bench.Benchmarks;

/// <summary>
/// Kernel-memory accounting at the kernel level: one kmalloc(64) + kfree pair on the impl through
/// IKernel, by the current task of a group 3 levels below its root (4 counters), on one of 4 CPUs.
/// Baseline: the same pair without __GFP_ACCOUNT (kmalloc-64, nothing charged). Measured: the pair
/// with __GFP_ACCOUNT (kmalloc-cg-64, 72 bytes charged through the group's obj_cgroup), which hits
/// this CPU's byte stock both ways; the ratio is what accounting costs. Each pair leaves the state
/// as it found it. Targets: the accounted pair at most 30 ns median, 0 bytes allocated.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MicroJobConfig))]
public class KernelMemoryPairBenchmarks
{
    private ImplKernel _impl = null!;

    [GlobalSetup]
    public void Setup()
    {
        _impl = new ImplKernel(new MachineConfig(4096, 4));
        long group = 1;
        for (int level = 0; level < 3; level++) group = _impl.CgroupCreate(group).Value;
        Require.That(_impl.TaskAttach(KernelConstants.InitPid, group).IsOk && _impl.RunOn(KernelConstants.InitPid, 2).IsOk, "init to run in the leaf group on CPU 2");
        // Live neighbours, so the pair neither makes nor releases a slab, and a first pair to fill the byte stock.
        for (int i = 0; i < 8; i++) Require.That(_impl.Kmalloc(64, KmallocFlags.Account).IsOk && _impl.Kmalloc(64, KmallocFlags.None).IsOk, "neighbours");
        Pair(KmallocFlags.Account);
        ulong before = _impl.Digest;
        long stocked = _impl.TakeSnapshot().StockedPages;
        Pair(KmallocFlags.Account);
        Pair(KmallocFlags.None);
        Require.That(_impl.Digest == before && _impl.TakeSnapshot().StockedPages == stocked, "a pair to leave the state unchanged");
    }

    [Benchmark(Baseline = true, Description = "impl kmalloc+kfree 64 B, not accounted")]
    public long Plain() => Pair(KmallocFlags.None);

    [Benchmark(Description = "impl kmalloc-cg+kfree 64 B, byte-stock hit")]
    public long Accounted() => Pair(KmallocFlags.Account);

    private long Pair(KmallocFlags flags)
    {
        long address = _impl.Kmalloc(64, flags).Value;
        return address + (long)_impl.Kfree(address).Errno;
    }
}
