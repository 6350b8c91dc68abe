using Verify.Model.Contract;

namespace Verify.Model.Alphabet;

/// <summary>
/// Process containers: tasks (fork, exit, exec, attach), cgroups (create, remove, pids.max,
/// notify_on_release) and the current task and CPU of later kernel allocations (run_on), appended
/// after the error-path operations. Task and Cgroup handles start with init and the roots
/// (InitialHandles), so these operations always have something to name.
/// </summary>
public static partial class Alphabet
{
    /// <summary>cgroup_set_pids_max's value: -2 (negative: EINVAL), -1 (the word "max"), 0..PID_MAX_LIMIT, PID_MAX_LIMIT + 1 (EINVAL).</summary>
    public const long PidsMaxArgMin = -2, PidsMaxArgMax = KernelConstants.PidMaxLimit + 1;

    private static readonly HashSet<string> CgroupKeywords = new(StringComparer.Ordinal)
    {
        "task_fork", "task_exit", "task_exit_stale", "task_exec", "task_attach", "task_attach_stale", "cgroup_create",
        "cgroup_remove", "cgroup_remove_stale", "cgroup_set_pids_max", "cgroup_set_notify_on_release", "run_on",
        "task_set_oom_score_adj", "tick", "forkbomb_enable", "forkbomb_set_interval",
    };

    /// <summary>True for the operations of process containers (tasks, cgroups, run_on).</summary>
    public static bool IsCgroupOp(OpSpec spec) => CgroupKeywords.Contains(spec.Keyword);

    /// <summary>The handles live when a machine starts: init, then each hierarchy's root in order.</summary>
    public static IEnumerable<Handle> InitialHandles(MachineConfig machine)
    {
        yield return new Handle(HandleKind.Task, KernelConstants.InitPid, 0, 0);
        for (int h = 0; h < machine.Layout.HierarchyCount(); h++) yield return new Handle(HandleKind.Cgroup, h + 1, 0, 0);
    }

    private static IEnumerable<OpSpec> CgroupOps()
    {
        yield return new OpSpec(
            "task_fork",
            [ArgSpec.Ref("task", HandleKind.Task)],
            static (IKernel k, in OpArgs a) => k.TaskFork(a.Ref(0).Value),
            Produces: static (in OpArgs a, Outcome o) => new Handle(HandleKind.Task, o.Value, 0, 0),
            Weight: 10,
            ChargesKernel: KernelCharger.TaskArgument);
        yield return new OpSpec(
            "task_exit",
            [ArgSpec.Ref("task", HandleKind.Task)],
            static (IKernel k, in OpArgs a) => k.TaskExit(a.Ref(0).Value),
            ConsumesArg: 0,
            Weight: 7);
        yield return new OpSpec(
            "task_exit_stale",
            [ArgSpec.StaleRef("task", HandleKind.Task)],
            // A pid no live task has (an exited one, or one never used): ESRCH, through the lookup every task operation shares.
            static (IKernel k, in OpArgs a) => k.TaskExit(a.Ref(0).Value),
            Weight: 1);
        yield return new OpSpec(
            "task_exec",
            [ArgSpec.Ref("task", HandleKind.Task)],
            static (IKernel k, in OpArgs a) => k.TaskExec(a.Ref(0).Value),
            Weight: 2);
        yield return new OpSpec(
            "task_attach",
            [ArgSpec.Ref("task", HandleKind.Task), ArgSpec.Ref("cgroup", HandleKind.Cgroup)],
            static (IKernel k, in OpArgs a) => k.TaskAttach(a.Ref(0).Value, a.Ref(1).Value),
            Weight: 10);
        yield return new OpSpec(
            "task_attach_stale",
            [ArgSpec.Ref("task", HandleKind.Task), ArgSpec.StaleRef("cgroup", HandleKind.Cgroup)],
            static (IKernel k, in OpArgs a) => k.TaskAttach(a.Ref(0).Value, a.Ref(1).Value),
            Weight: 1);
        yield return new OpSpec(
            "cgroup_create",
            [ArgSpec.Ref("parent", HandleKind.Cgroup)],
            static (IKernel k, in OpArgs a) => k.CgroupCreate(a.Ref(0).Value),
            Produces: static (in OpArgs a, Outcome o) => new Handle(HandleKind.Cgroup, o.Value, 0, 0),
            Weight: 6);
        yield return new OpSpec(
            "cgroup_remove",
            [ArgSpec.Ref("cgroup", HandleKind.Cgroup)],
            static (IKernel k, in OpArgs a) => k.CgroupRemove(a.Ref(0).Value),
            ConsumesArg: 0,
            Weight: 5);
        yield return new OpSpec(
            "cgroup_remove_stale",
            [ArgSpec.StaleRef("cgroup", HandleKind.Cgroup)],
            static (IKernel k, in OpArgs a) => k.CgroupRemove(a.Ref(0).Value),
            Weight: 1);
        yield return new OpSpec(
            "cgroup_set_pids_max",
            [ArgSpec.Ref("cgroup", HandleKind.Cgroup), ArgSpec.Int("value", PidsMaxArgMin, PidsMaxArgMax, Spread.Logarithmic)],
            static (IKernel k, in OpArgs a) => k.CgroupSetPidsMax(a.Ref(0).Value, a.Int(1)),
            Weight: 4);
        yield return new OpSpec(
            "cgroup_set_notify_on_release",
            [ArgSpec.Ref("cgroup", HandleKind.Cgroup), ArgSpec.Int("on", 0, 1)],
            static (IKernel k, in OpArgs a) => k.CgroupSetNotifyOnRelease(a.Ref(0).Value, a.Int(1) != 0),
            Weight: 2);
        yield return new OpSpec(
            "run_on",
            [ArgSpec.Ref("task", HandleKind.Task), ArgSpec.Int("cpu", 0, KernelConstants.CpusMax)],
            static (IKernel k, in OpArgs a) => k.RunOn(a.Ref(0).Value, (int)a.Int(1)),
            Weight: 2);
    }
}
