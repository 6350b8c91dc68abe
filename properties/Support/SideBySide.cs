using Verify.Impl;
using Verify.Model;
using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Support;

/// <summary>The model and the impl driven with the same steps, for the properties of the impl's task-indexed structures, and what their checker tests share.</summary>
public static class SideBySide
{
    /// <summary>The two sides a scenario runs on, by name, so a theory's row names its side.</summary>
    public static TheoryData<string> Sides() => new() { "model", "impl" };

    /// <summary>A fresh kernel of the named side ("model" or "impl") on the machine.</summary>
    public static IKernel Kernel(string side, MachineConfig machine) => side switch
    {
        "model" => new ModelKernel(machine),
        "impl" => new ImplKernel(machine),
        _ => throw new ArgumentException($"side is \"model\" or \"impl\", got \"{side}\"", nameof(side)),
    };

    /// <summary>A fresh model ([0]) and impl ([1]) of the machine, for tests that drive both with the same steps.</summary>
    public static IKernel[] Pair(MachineConfig machine) => [Kernel("model", machine), Kernel("impl", machine)];

    /// <summary>One step on a Pair: the model's outcome, after asserting the impl's outcome and effects equal it.</summary>
    public static Outcome Both(IKernel[] kernels, Func<IKernel, Outcome> op)
    {
        Assert.Null(Step(kernels[0], kernels[1], "the step", op, out var model));
        return model;
    }

    /// <summary>A new group under parent (by default the root of the first hierarchy) and a new child of init attached to it.</summary>
    public static (long Group, long Task) TaskInANewGroup(IKernel kernel, long parent = 1)
    {
        long group = kernel.CgroupCreate(parent).Value;
        long task = kernel.TaskFork(InitPid).Value;
        Assert.True(kernel.TaskAttach(task, group).IsOk);
        return (group, task);
    }

    /// <summary>The call is refused with EINVAL and leaves the kernel's snapshot as it was.</summary>
    public static void AssertRefusedAndNothingChanged(IKernel kernel, Func<IKernel, Outcome> call)
    {
        var before = kernel.TakeSnapshot();
        Assert.Equal(Outcome.Fail(Errno.EINVAL), call(kernel));
        Assert.Empty(SnapshotDiff.Compare(before, kernel.TakeSnapshot()));
    }

    /// <summary>The snapshots of a Pair agree (SnapshotDiff finds nothing).</summary>
    public static void AssertSameSnapshots(IKernel[] kernels) =>
        Assert.Empty(SnapshotDiff.Compare(kernels[0].TakeSnapshot(), kernels[1].TakeSnapshot()));

    /// <summary>A model and an impl of the machine, each with one memory group capped at limitPages and a child of init in it.</summary>
    public static (ModelKernel Model, ImplKernel Impl) WithLimitedGroup(MachineConfig machine, long limitPages)
    {
        var (model, impl) = (new ModelKernel(machine), new ImplKernel(machine));
        foreach (var k in new IKernel[] { model, impl })
        {
            long group = k.CgroupCreate(1).Value;
            k.CgroupSetLimit(group, MemcgCounter.Memory, limitPages);
            k.TaskAttach(k.TaskFork(InitPid).Value, group);
            k.Effects.Clear();
        }
        return (model, impl);
    }

    /// <summary>The private array field of an impl structure, for checker tests that corrupt it by hand.</summary>
    public static T[] PrivateArray<T>(object owner, string field) =>
        (T[])owner.GetType().GetField(field, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(owner)!;

    /// <summary>The live task other than init that the index names (modulo their count, in pid order, as the model lists them); init when there is none.</summary>
    public static long TaskAt(ModelKernel model, int index)
    {
        var pids = model.TakeSnapshot().Tasks.Where(t => t.Pid != InitPid).Select(t => t.Pid).ToList();
        return pids.Count == 0 ? InitPid : pids[index % pids.Count];
    }

    /// <summary>Step i on both sides with fresh effect logs: null when the outcomes and the effects agree, else what differs.</summary>
    public static string? Apply(ModelKernel model, ImplKernel impl, int i, object step, long pid, Func<IKernel, Outcome> apply) =>
        Step(model, impl, $"step {i} ({step} = pid {pid})", apply, out _);

    /// <summary>
    /// One step, described by what, on the model and the impl with fresh effect logs; modelOutcome is
    /// the model's outcome. Null when the two outcomes and the two effect logs agree, else what differs.
    /// </summary>
    public static string? Step(IKernel model, IKernel impl, string what, Func<IKernel, Outcome> apply, out Outcome modelOutcome)
    {
        model.Effects.Clear();
        impl.Effects.Clear();
        var (m, o) = (apply(model), apply(impl));
        modelOutcome = m;
        if (m != o) return $"outcome of {what}: model {m}, impl {o}";
        return model.Effects.SameAs(impl.Effects) ? null : $"effects of {what}: model [{model.Effects}], impl [{impl.Effects}]";
    }
}
