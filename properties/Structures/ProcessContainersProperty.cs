using Verify.Fuzz.Engine;
using Verify.Impl;
using Verify.Model;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Structures;

/// <summary>
/// The impl's process containers (GroupTable's pids and populated counters, TaskTable's lists and
/// lookups, the pid cursor, the incremental digest) against the model, called directly through
/// IKernel with task- and cgroup-heavy random streams on v1 and v2 machines, with pids.max limits
/// small enough to refuse forks and notify_on_release on: after every step the same outcome, the
/// same effects in the same order, the same cgroup and task lists in order, the same current task
/// and digest, and S8 to S10 clean. Resets in the stream (other layouts, CPU counts) run on the
/// same impl, so storage reused across Reset must leave nothing of the earlier stream behind.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class ProcessContainersProperty(ITestOutputHelper output)
{
    public enum Kind { Fork, Exit, Exec, Attach, AttachStale, Create, Remove, RemoveStale, SetPidsMax, SetNotify, RunOn, MissingTask, Reset }

    public readonly record struct CgroupOp(Kind Kind, long A, long B)
    {
        public override string ToString() => $"{Kind} {A} {B}";
    }

    private static readonly long[] PidsMaxValues = [-2, PidsMaxWord, 0, 1, 2, 3, 5, 8, PidMaxLimit, PidMaxLimit + 1];

    [Fact]
    public void AgreesWithTheModelOnEveryStep()
    {
        StructureProperty.Check(output, nameof(AgreesWithTheModelOnEveryStep), 4_000, Generate, Run, StructureScope.WholeKernel);
    }

    /// <summary>
    /// The pid cursor through a whole wrap-around, twice, against the model: tasks held at low pids
    /// and from RESERVED_PIDS up (so a wrap finds its first candidate taken), then fork and exit of
    /// short-lived children (some forks refused by pids.max, which still moves the cursor) until
    /// pids wrapped past pid_max; the same outcome every call, the same lists and digest every 4096
    /// calls and at the end.
    /// </summary>
    [Fact]
    [Trait(Profile.MutationOfTrait, Profile.ModelOnly)]
    public void PidsWrapAroundAsInTheModel()
    {
        var machine = new MachineConfig(4096, 1, CgroupLayout.V2);
        var model = new ModelKernel(machine);
        var impl = new ImplKernel(machine);
        long group = Same(model.CgroupCreate(1), impl.CgroupCreate(1), "mkdir").Value;
        Same(model.CgroupSetPidsMax(group, 3), impl.CgroupSetPidsMax(group, 3), "pids.max");
        long limited = Same(model.TaskFork(InitPid), impl.TaskFork(InitPid), "fork").Value;
        Same(model.TaskAttach(limited, group), impl.TaskAttach(limited, group), "attach");
        var held = new List<long>();
        long last = 0;
        int wraps = 0;
        for (int i = 0; i < 2 * PidMax(1) + 700; i++)
        {
            bool limit = i % 7 == 0;
            var forked = Same(model.TaskFork(limit ? limited : InitPid), impl.TaskFork(limit ? limited : InitPid), $"call {i}: fork");
            if (forked.IsOk && forked.Value < last) wraps++;
            if (forked.IsOk) last = forked.Value;
            if (forked.IsOk && (forked.Value < 10 || (forked.Value >= ReservedPids && forked.Value < ReservedPids + 8) || forked.Value % 4099 == 0)) held.Add(forked.Value);
            else if (forked.IsOk) Same(model.TaskExit(forked.Value), impl.TaskExit(forked.Value), $"call {i}: exit {forked.Value}");
            if (i % 4096 == 0) Assert.Null(Compare(model, impl));
            model.Effects.Clear();
            impl.Effects.Clear();
        }
        Assert.Null(Compare(model, impl));
        Assert.True(wraps == 2 && held.Count > 20, $"pids wrapped {wraps} times, {held.Count} tasks held");
    }

    private static Outcome Same(Outcome model, Outcome impl, string what)
    {
        Assert.True(model == impl, $"{what}: model {model}, impl {impl}");
        return model;
    }

    /// <summary>Steady-state fork and exit in a cgroup 4 levels deep (v1, so both hierarchies), with an attach away and back, and a clean self-check allocate nothing once warm.</summary>
    [Fact]
    public void SteadyForkExitAndACleanCheckAllocateNothing()
    {
        var impl = new ImplKernel(new MachineConfig(4096, 4, CgroupLayout.V1));
        long group = 2;
        for (int level = 0; level < 4; level++) group = impl.CgroupCreate(group).Value;
        long parent = impl.TaskFork(InitPid).Value;
        Assert.True(impl.TaskAttach(parent, group).IsOk);
        var report = new SelfCheckReport();
        long before = 0;
        for (int round = 0; round < 2; round++)
        {
            before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                long child = impl.TaskFork(parent).Value;
                impl.TaskAttach(child, 2);
                impl.TaskAttach(child, group);
                impl.TaskExit(child);
            }
            impl.Containers.CheckConsistency(report);
            impl.Effects.Clear();
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(report.IsClean, report.IsClean ? "" : report.Found[0].Message);
        Assert.True(allocated == 0, $"1000 fork/attach/exit rounds and a self-check allocated {allocated} bytes");
    }

    private static CgroupOp Generate(SplitMix64 random)
    {
        long roll = random.Range(0, 999);
        var kind = roll switch
        {
            < 220 => Kind.Fork,
            < 380 => Kind.Exit,
            < 410 => Kind.Exec,
            < 560 => Kind.Attach,
            < 575 => Kind.AttachStale,
            < 680 => Kind.Create,
            < 760 => Kind.Remove,
            < 775 => Kind.RemoveStale,
            < 860 => Kind.SetPidsMax,
            < 910 => Kind.SetNotify,
            < 970 => Kind.RunOn,
            < 995 => Kind.MissingTask,
            _ => Kind.Reset,
        };
        return new CgroupOp(kind, random.Range(0, 1 << 20), random.Range(0, 1 << 20));
    }

    private static string? Run(IReadOnlyList<CgroupOp> ops)
    {
        var machine = new MachineConfig(4096, 2, CgroupLayout.V2);
        var model = new ModelKernel(machine);
        var impl = new ImplKernel(machine);
        var tasks = new List<long> { InitPid };
        var groups = new List<long> { 1 };
        var removed = new List<long>();
        if (Compare(model, impl) is { } start) return $"at the start: {start}";
        for (int step = 0; step < ops.Count; step++)
        {
            var op = ops[step];
            long task = tasks[(int)(op.A % tasks.Count)];
            long group = groups[(int)(op.B % groups.Count)];
            long stale = removed.Count > 0 && op.B % 3 != 0 ? removed[(int)(op.B % removed.Count)] : 1000 + op.B % 50;
            Outcome m, i;
            switch (op.Kind)
            {
                case Kind.Fork:
                    (m, i) = (model.TaskFork(task), impl.TaskFork(task));
                    if (m.IsOk) tasks.Add(m.Value);
                    break;
                case Kind.Exit:
                    (m, i) = (model.TaskExit(task), impl.TaskExit(task));
                    if (m.IsOk) tasks.Remove(task);
                    break;
                case Kind.Exec:
                    (m, i) = (model.TaskExec(task), impl.TaskExec(task));
                    break;
                case Kind.Attach:
                    (m, i) = (model.TaskAttach(task, group), impl.TaskAttach(task, group));
                    break;
                case Kind.AttachStale:
                    (m, i) = (model.TaskAttach(task, stale), impl.TaskAttach(task, stale));
                    break;
                case Kind.Create:
                    (m, i) = (model.CgroupCreate(group), impl.CgroupCreate(group));
                    if (m.IsOk) groups.Add(m.Value);
                    break;
                case Kind.Remove:
                    (m, i) = (model.CgroupRemove(group), impl.CgroupRemove(group));
                    if (m.IsOk)
                    {
                        groups.Remove(group);
                        removed.Add(group);
                    }
                    break;
                case Kind.RemoveStale:
                    (m, i) = (model.CgroupRemove(stale), impl.CgroupRemove(stale));
                    break;
                case Kind.SetPidsMax:
                    long max = PidsMaxValues[op.A % PidsMaxValues.Length];
                    (m, i) = (model.CgroupSetPidsMax(group, max), impl.CgroupSetPidsMax(group, max));
                    break;
                case Kind.SetNotify:
                    (m, i) = (model.CgroupSetNotifyOnRelease(group, op.A % 3 != 0), impl.CgroupSetNotifyOnRelease(group, op.A % 3 != 0));
                    break;
                case Kind.RunOn:
                    int cpu = (int)(op.B % (machine.Cpus + 2)) - 1;
                    (m, i) = (model.RunOn(task, cpu), impl.RunOn(task, cpu));
                    break;
                case Kind.MissingTask:
                    long missing = op.B % 4 == 0 ? -op.B : 40_000 + op.B;
                    (m, i) = (model.TaskExit(missing), impl.TaskExit(missing));
                    break;
                default:
                    machine = new MachineConfig(4096, 1 + (int)(op.A % 64), op.B % 2 == 0 ? CgroupLayout.V1 : CgroupLayout.V2);
                    model.Reset(machine);
                    impl.Reset(machine);
                    (m, i) = (Outcome.Ok(0), Outcome.Ok(0));
                    tasks = [InitPid];
                    groups = machine.Layout == CgroupLayout.V1 ? [1, 2] : [1];
                    removed.Clear();
                    break;
            }
            if (m != i) return $"step {step + 1} ({op}): model {m}, impl {i}";
            if (!model.Effects.SameAs(impl.Effects)) return $"step {step + 1} ({op}): model effects {model.Effects}, impl effects {impl.Effects}";
            model.Effects.Clear();
            impl.Effects.Clear();
            if (Compare(model, impl) is { } differs) return $"step {step + 1} ({op}): {differs}";
        }
        return null;
    }

    /// <summary>The impl's self-check first (a broken structure is named by its invariant), then the lists, current task and digest.</summary>
    private static string? Compare(ModelKernel model, ImplKernel impl)
    {
        if (StructureProperty.Violation(impl.CheckConsistency) is { } broken) return broken;
        var expected = model.TakeSnapshot();
        var actual = impl.TakeSnapshot();
        if (!expected.Cgroups.SequenceEqual(actual.Cgroups))
            return $"cgroups differ:\n  model {string.Join(' ', expected.Cgroups)}\n  impl  {string.Join(' ', actual.Cgroups)}";
        if (!expected.Tasks.SequenceEqual(actual.Tasks))
            return $"tasks differ:\n  model {string.Join(' ', expected.Tasks)}\n  impl  {string.Join(' ', actual.Tasks)}";
        if (expected.CurrentTask != actual.CurrentTask || expected.CurrentCpu != actual.CurrentCpu)
            return $"current: model {expected.CurrentTask}@{expected.CurrentCpu}, impl {actual.CurrentTask}@{actual.CurrentCpu}";
        return model.Digest != impl.Digest ? $"digests differ: model {model.Digest:x16}, impl {impl.Digest:x16}" : null;
    }
}
