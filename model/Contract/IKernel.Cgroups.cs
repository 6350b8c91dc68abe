namespace Verify.Model.Contract;

/// <summary>
/// Process containers (KERNEL-FACTS.md, "Generic process containers" and "The pids controller"):
/// cgroup hierarchies as the machine's layout says, tasks, the pids controller and release
/// notifications. Reset makes each hierarchy's root (ids 1 and, on v1, 2) and task 1 (init) in
/// every root, running on CPU 0. New cgroups get ids from HierarchyCount + 1 up, never reused.
/// Pids come from a cyclic cursor as alloc_pid's (KernelConstants.PidMax). Side effects go to Effects.
/// </summary>
public partial interface IKernel
{
    /// <summary>The side effects of the calls since the runner last cleared it.</summary>
    EffectLog Effects { get; }

    /// <summary>
    /// fork: a child of the task in each of its groups; the new pid. The pid is taken from the
    /// cursor before the pids controller is asked (as in copy_process), so a refused fork still
    /// moves the cursor. In the pids hierarchy every level up to, not including, the root is
    /// charged one; a level going above its pids.max fails the fork with EAGAIN, the charge is rolled
    /// back and the max event is counted (v2: that group and its non-root ancestors, events.local
    /// on that group; v1: the forking group). EAGAIN also when no pid is free. ESRCH: no such task.
    /// Before the pid, dup_task_struct takes the child's kernel memory: a task_struct object of the
    /// accounted task_struct cache and an order-2 kernel stack, both charged to the forking task's
    /// memory group; when the machine or that group cannot hold them the fork fails with ENOMEM and
    /// no pid is taken; a fork refused later frees them again. Exit frees them.
    /// </summary>
    Outcome TaskFork(long pid);

    /// <summary>exit and reap at once: its pid is uncharged, its groups may become unpopulated (effects), its children go to init. EINVAL for init.</summary>
    Outcome TaskExit(long pid);

    /// <summary>exec: a no-op for groups; the task's exec count goes up.</summary>
    Outcome TaskExec(long pid);

    /// <summary>
    /// Moves the task to the cgroup, within that cgroup's hierarchy only. The pids charge moves
    /// with it, unconditionally (attach may leave a group above pids.max). Attaching to the group
    /// it is in changes nothing. ENOENT: no live cgroup with that id.
    /// </summary>
    Outcome TaskAttach(long pid, long cgroupId);

    /// <summary>mkdir: a child of parent in parent's hierarchy, pids.max "max", notify_on_release inherited; its id. ENOENT: no live parent.</summary>
    Outcome CgroupCreate(long parentId);

    /// <summary>rmdir: EBUSY while it has tasks or live children; EINVAL for a root; ENOENT for no live cgroup. May raise a release for the parent (v1).</summary>
    Outcome CgroupRemove(long cgroupId);

    /// <summary>
    /// Writes pids.max: KernelConstants.PidsMaxWord ("max") or 0..PidMaxLimit; never EBUSY (current may
    /// stay above). EINVAL for other values; ENOENT where the file does not exist (a root, a group of
    /// a hierarchy without pids) or for no live cgroup.
    /// </summary>
    Outcome CgroupSetPidsMax(long cgroupId, long max);

    /// <summary>Writes notify_on_release (v1 only: EINVAL on v2). ENOENT for no live cgroup.</summary>
    Outcome CgroupSetNotifyOnRelease(long cgroupId, bool on);

    /// <summary>
    /// Makes the task the current task on that CPU: the context later allocations are charged in.
    /// EINVAL for a CPU the machine does not have; ESRCH: no such task. When the current task exits,
    /// init becomes current on the same CPU.
    /// </summary>
    Outcome RunOn(long pid, int cpu);
}
