using BenchmarkDotNet.Attributes;
using Verify.Bench.Config;
using Verify.Bench.Workloads;
using Verify.Impl;
using Verify.Model;
using Verify.Model.Contract;

namespace Verify.Bench.Benchmarks;

/// <summary>
/// Process containers 1: one TaskFork + TaskExit pair of a task in a cgroup 4 levels deep
/// (/g2/g3/g4/g5 on the default v2 machine, every level with a pids.max the fork stays under), so
/// the fork charges and the exit uncharges 4 levels; other tasks keep every level populated, so
/// nothing flips. The pair leaves the state as it found it except the pid cursor, which moves on
/// (and wraps around at pid_max). Both sides are called through IKernel; a fork also takes the
/// child's task_struct and kernel stack and charges them to the group (4 levels), and the exit
/// frees them. A third case runs the impl's process containers alone (impl/Cgroups, the same
/// chain), the bookkeeping the 40 ns target was set for before forks took kernel memory.
/// Targets for impl: the containers alone at most 40 ns median; 0 bytes allocated per operation.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MicroJobConfig))]
public class CgroupForkExitBenchmarks
{
    public const int Depth = 4;

    private IKernel _model = null!;
    private IKernel _impl = null!;
    private Verify.Impl.Cgroups.ProcessContainers _containers = null!;
    private long _parent, _containersParent;

    [GlobalSetup]
    public void Setup()
    {
        _model = new ModelKernel(MachineConfig.Default);
        _impl = new ImplKernel(MachineConfig.Default);
        long modelParent = Prepare(_model), implParent = Prepare(_impl);
        Require.That(modelParent == implParent && _model.Digest == _impl.Digest, "model and impl to start from the same state");
        _parent = implParent;
        _containers = new Verify.Impl.Cgroups.ProcessContainers(new EffectLog());
        _containers.Reset(MachineConfig.Default);
        long group = 1;
        for (int level = 0; level < Depth; level++)
        {
            group = _containers.Create(group).Value;
            Require.That(_containers.SetPidsMax(group, 1000).IsOk, "pids.max to be set");
        }
        _containersParent = _containers.Fork(KernelConstants.InitPid).Value;
        Require.That(_containers.Attach(_containersParent, group).IsOk, "the task to move to the deepest cgroup");
    }

    /// <summary>A chain of Depth cgroups below the root with pids.max 1000 each, and a task in the deepest one.</summary>
    private static long Prepare(IKernel kernel)
    {
        long group = 1;
        for (int level = 0; level < Depth; level++)
        {
            group = kernel.CgroupCreate(group).Value;
            Require.That(kernel.CgroupSetPidsMax(group, 1000).IsOk, "pids.max to be set");
        }
        long task = kernel.TaskFork(KernelConstants.InitPid).Value;
        Require.That(kernel.TaskAttach(task, group).IsOk, "the task to move to the deepest cgroup");
        kernel.Effects.Clear();
        return task;
    }

    [Benchmark(Baseline = true, Description = "model fork+exit depth 4")]
    public long Model() => ForkExitPair(_model, _parent);

    [Benchmark(Description = "impl fork+exit depth 4")]
    public long Impl() => ForkExitPair(_impl, _parent);

    [Benchmark(Description = "impl containers alone fork+exit depth 4")]
    public long ContainersAlone()
    {
        long child = _containers.Fork(_containersParent).Value;
        return child + (long)_containers.Exit(child).Errno;
    }

    private static long ForkExitPair(IKernel kernel, long parent)
    {
        long child = kernel.TaskFork(parent).Value;
        return child + (long)kernel.TaskExit(child).Errno;
    }
}
