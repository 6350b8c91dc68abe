using Verify.Model.Alphabet;
using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Fuzz.Harness;

/// <summary>
/// The invariants of process containers. Check reads one snapshot (the I8 cgroup shape, run with
/// every full check); CheckStep compares the snapshots before and after one step with the step's
/// outcome and effects (limits after a fork, isolation, exactly-once release notifications and
/// populated events), run after every step under CheckLevel.Full.
/// </summary>
public static class CgroupInvariants
{
    /// <summary>A snapshot with no cgroup and no task is of a side without process containers (hand-built ones in the checker's tests): nothing to check.</summary>
    public static void Check(Snapshot snapshot, Action<string, string> fail)
    {
        if (snapshot.Cgroups.Count == 0 && snapshot.Tasks.Count == 0) return;
        var layout = snapshot.Machine.Layout;
        int hierarchies = layout.HierarchyCount(), pidsHierarchy = layout.PidsHierarchy();
        var groups = new Dictionary<long, CgroupInfo>();
        foreach (var group in snapshot.Cgroups)
            if (!groups.TryAdd(group.Id, group)) fail(Invariant.CgroupTree, $"cgroup {group.Id} is listed twice");

        for (int h = 0; h < hierarchies; h++)
            if (!groups.TryGetValue(h + 1, out var root) || !root.IsRoot || root.Hierarchy != h || root.Path != "/")
                fail(Invariant.CgroupTree, $"hierarchy {h} has no root cgroup {h + 1} at /");
        foreach (var group in snapshot.Cgroups)
        {
            if (group.Hierarchy < 0 || group.Hierarchy >= hierarchies) fail(Invariant.CgroupTree, $"{group} is in no hierarchy of a {layout.Word()} machine");
            if (group.IsRoot) continue;
            if (!groups.TryGetValue(group.ParentId, out var parent) || parent.Hierarchy != group.Hierarchy)
                fail(Invariant.CgroupTree, $"{group} has no live parent in its hierarchy");
            else if (group.Path != (parent.IsRoot ? "" : parent.Path) + "/g" + group.Id)
                fail(Invariant.CgroupTree, $"{group} has path {group.Path}, not its parent's path and /g{group.Id}");
            if (layout == CgroupLayout.V2 && group.NotifyOnRelease) fail(Invariant.CgroupTree, $"{group} has notify_on_release on a v2 machine");
        }

        var own = new Dictionary<long, int>();
        var subtree = new Dictionary<long, int>();
        var pids = new HashSet<long>();
        foreach (var task in snapshot.Tasks)
        {
            if (!pids.Add(task.Pid)) fail(Invariant.CgroupMembership, $"{task} is listed twice");
            for (int h = 0; h < 2; h++)
            {
                long id = task.CgroupIn(h);
                if (h >= hierarchies)
                {
                    if (id != 0) fail(Invariant.CgroupMembership, $"{task} names a cgroup in hierarchy {h}, which a {layout.Word()} machine lacks");
                    continue;
                }
                if (!groups.TryGetValue(id, out var group) || group.Hierarchy != h)
                {
                    fail(Invariant.CgroupMembership, $"{task} is in no live cgroup of hierarchy {h}");
                    continue;
                }
                own[id] = own.GetValueOrDefault(id) + 1;
                for (long up = id; up != 0 && groups.TryGetValue(up, out var level); up = level.ParentId)
                    subtree[up] = subtree.GetValueOrDefault(up) + 1;
            }
        }
        if (!pids.Contains(InitPid)) fail(Invariant.CgroupMembership, "init (task 1) is not live");
        foreach (var task in snapshot.Tasks)
            if (task.Pid != InitPid && !pids.Contains(task.ParentPid))
                fail(Invariant.CgroupMembership, $"{task} has a parent that is not live (an exited parent's children go to init)");
        if (!pids.Contains(snapshot.CurrentTask) || snapshot.CurrentCpu < 0 || snapshot.CurrentCpu >= snapshot.Machine.Cpus)
            fail(Invariant.CgroupMembership, $"the current task {snapshot.CurrentTask} on CPU {snapshot.CurrentCpu} is not a live task on a CPU of the machine");

        foreach (var group in snapshot.Cgroups)
        {
            int inGroup = own.GetValueOrDefault(group.Id), inSubtree = subtree.GetValueOrDefault(group.Id);
            if (group.Tasks != inGroup) fail(Invariant.CgroupTasksCount, $"{group} counts {group.Tasks} tasks but {inGroup} live tasks are in it");
            if (group.Populated != inSubtree > 0) fail(Invariant.CgroupPopulated, $"{group} says populated={group.Populated} but its subtree holds {inSubtree} tasks");
            long expected = !group.IsRoot && group.Hierarchy == pidsHierarchy ? inSubtree : 0;
            if (group.PidsCurrent != expected) fail(Invariant.CgroupPidsCount, $"{group} has pids.current {group.PidsCurrent} but {expected} live tasks are charged to it");
        }
    }

    /// <summary>The invariants of one step: before and after are one side's snapshots around it.</summary>
    public static void CheckStep(Snapshot before, Snapshot after, Op op, in OpArgs args, Outcome outcome, EffectLog effects, Action<string, string> fail)
    {
        var layout = after.Machine.Layout;
        int pidsHierarchy = layout.PidsHierarchy();
        var was = before.Cgroups.ToDictionary(g => g.Id);
        var now = after.Cgroups.ToDictionary(g => g.Id);
        string keyword = op.Spec.Keyword;

        if (keyword == "task_fork" && outcome.IsOk)
        {
            var child = after.Tasks.FirstOrDefault(t => t.Pid == outcome.Value);
            for (long id = child.CgroupIn(pidsHierarchy); now.TryGetValue(id, out var level) && !level.IsRoot; id = level.ParentId)
                if (level.PidsCurrent > level.PidsMax)
                    fail(Invariant.LimitsPidsAfterFork, $"fork of task {outcome.Value} succeeded but left {level} above its pids.max");
        }

        // Isolation: only the ancestors of the groups the task was and is in may change their pids count.
        var touched = new HashSet<long>();
        var movedPids = effects.Items.Where(e => e.Kind == EffectKind.OomKill).Select(e => e.Value).ToList(); // a kill is an exit
        if (keyword is "task_fork" or "task_exit" or "task_attach" or "task_attach_stale") movedPids.Add(args.Ref(0).Value);
        foreach (long pid in movedPids)
        {
            foreach (var snapshot in new[] { before, after })
            {
                var task = snapshot.Tasks.FirstOrDefault(t => t.Pid == pid);
                if (task.Pid != pid) continue;
                var groups = snapshot == before ? was : now;
                for (long id = task.CgroupIn(pidsHierarchy); groups.TryGetValue(id, out var level); id = level.ParentId)
                    if (!touched.Add(id) || level.IsRoot) break;
            }
        }
        foreach (var (id, group) in now)
            if (was.TryGetValue(id, out var old) && old.PidsCurrent != group.PidsCurrent && !touched.Contains(id))
                fail(Invariant.IsolationPids, $"{keyword} changed the pids count of {group} (was {old.PidsCurrent}), which is no ancestor of a group the step touched");

        // Release: exactly the v1 groups with notify_on_release that went from holding something to empty, once each.
        var expectedReleases = new HashSet<long>();
        foreach (var (id, group) in now)
            if (was.TryGetValue(id, out var old) && group.NotifyOnRelease && old.NotifyOnRelease
                && IsEmpty(group, after) && !IsEmpty(old, before))
                expectedReleases.Add(id);
        var releases = effects.Items.Where(e => e.Kind == EffectKind.Release).Select(e => e.Cgroup).ToList();
        if (releases.Count != releases.Distinct().Count() || !releases.ToHashSet().SetEquals(expectedReleases))
            fail(Invariant.CgroupReleaseOnce, $"{keyword} raised release for [{string.Join(' ', releases)}] but the groups that became empty with notify_on_release are [{string.Join(' ', expectedReleases.Order())}]");

        // Populated events (v2): exactly the non-root groups whose populated flipped, with the new value, once each.
        var expectedFlips = new HashSet<(long, long)>();
        if (layout == CgroupLayout.V2)
            foreach (var (id, group) in now)
                if (!group.IsRoot && was.TryGetValue(id, out var old) && old.Populated != group.Populated)
                    expectedFlips.Add((id, group.Populated ? 1 : 0));
        var flips = effects.Items.Where(e => e.Kind == EffectKind.Populated).Select(e => (e.Cgroup, e.Value)).ToList();
        if (flips.Count != flips.Distinct().Count() || !flips.ToHashSet().SetEquals(expectedFlips))
            fail(Invariant.CgroupPopulatedEvents, $"{keyword} raised populated events [{string.Join(' ', flips)}] but the groups that flipped are [{string.Join(' ', expectedFlips.Order())}]");
    }

    /// <summary>Empty as release notification means it: no task in the subtree and no live child.</summary>
    private static bool IsEmpty(CgroupInfo group, Snapshot snapshot) =>
        !group.Populated && !snapshot.Cgroups.Any(c => c.ParentId == group.Id);
}
