using Verify.Properties.Support;
using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Cgroups;

/// <summary>
/// Hand-written scenarios of process containers with their expected outcomes and effects, worked
/// out from KERNEL-FACTS.md ("Generic process containers", "The pids controller"), run on the
/// model and on the impl.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class CgroupScenarioTests
{
    public static TheoryData<string, CgroupLayout> SidesAndLayouts() => new()
    {
        { "model", CgroupLayout.V2 }, { "impl", CgroupLayout.V2 }, { "model", CgroupLayout.V1 }, { "impl", CgroupLayout.V1 },
    };


    private static IKernel Kernel(string side, CgroupLayout layout = CgroupLayout.V2)
    {
        var machine = new MachineConfig(4096, 4, layout);
        return SideBySide.Kernel(side, machine);
    }

    private static CgroupInfo Group(IKernel k, long id) => k.TakeSnapshot().Cgroups.Single(g => g.Id == id);

    /// <summary>Runs one call with the effect log cleared first; returns its outcome and effects.</summary>
    private static (Outcome Outcome, Effect[] Effects) Call(IKernel k, Func<IKernel, Outcome> call)
    {
        k.Effects.Clear();
        var outcome = call(k);
        return (outcome, k.Effects.Items.ToArray());
    }

    private static long Root(CgroupLayout layout, bool pids) => pids ? layout.PidsHierarchy() + 1 : 1;

    /// <summary>The DoS protection the containers work was for: a fork bomb in a group with pids.max 50 stops at 50 tasks; its sibling and init still fork.</summary>
    [Theory, MemberData(nameof(SidesAndLayouts))]
    public void AForkBombStopsAtItsPidsMaxWhileASiblingGroupStillForks(string side, CgroupLayout layout)
    {
        var k = Kernel(side, layout);
        long pidsRoot = Root(layout, pids: true);
        long bomb = k.CgroupCreate(pidsRoot).Value, sibling = k.CgroupCreate(pidsRoot).Value;
        Assert.True(k.CgroupSetPidsMax(bomb, 50).IsOk);
        long first = k.TaskFork(InitPid).Value;
        Assert.Equal(2, first);
        Assert.True(k.TaskAttach(first, bomb).IsOk);
        long newest = first;
        int refused = 0;
        for (int i = 0; i < 100; i++)
        {
            var forked = k.TaskFork(newest);
            if (forked.IsOk) newest = forked.Value;
            else { Assert.Equal(Errno.EAGAIN, forked.Errno); refused++; }
        }
        Assert.Equal(51, refused);
        var group = Group(k, bomb);
        Assert.Equal((50L, 50), (group.PidsCurrent, group.Tasks));
        Assert.Equal(51, group.PidsEventsMax); // v2: the group whose limit was hit (its only non-root ancestor is itself); v1: the forking group, the same one
        Assert.Equal(layout == CgroupLayout.V2 ? 51 : 0, group.PidsEventsLocalMax);
        // pids 3..51 were forked; each of the 51 refused forks took a pid (52..102) from the cursor and gave it back.
        Assert.Equal(51, newest);
        long outside = k.TaskFork(InitPid).Value;
        Assert.Equal(103, outside);
        Assert.True(k.TaskAttach(outside, sibling).IsOk);
        Assert.Equal(104, k.TaskFork(outside).Value);
        Assert.Equal(2, Group(k, sibling).PidsCurrent);
        Assert.Equal(Errno.EAGAIN, k.TaskFork(newest).Errno);
        // One task of the bomb exits: exactly one fork fits again.
        Assert.True(k.TaskExit(newest).IsOk);
        Assert.True(k.TaskFork(first).IsOk);
        Assert.Equal(Errno.EAGAIN, k.TaskFork(first).Errno);
    }

    /// <summary>v1: the release agent is told once when the last task moves away, and when the last child of an empty group is removed.</summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void V1ReleaseNotificationsComeOnceWhenAGroupEmpties(string side)
    {
        var k = Kernel(side, CgroupLayout.V1);
        long pidsRoot = Root(CgroupLayout.V1, pids: true);
        long parent = k.CgroupCreate(pidsRoot).Value;
        Assert.True(k.CgroupSetNotifyOnRelease(parent, true).IsOk);
        long child = k.CgroupCreate(parent).Value; // inherits notify_on_release
        Assert.True(Group(k, child).NotifyOnRelease);
        long a = k.TaskFork(InitPid).Value;
        Assert.True(k.TaskAttach(a, child).IsOk);
        long b = k.TaskFork(a).Value;
        Assert.Empty(Call(k, k => k.TaskAttach(a, pidsRoot)).Effects);
        // The last task moves away: the child empties (release), the parent does not (it still has a live child).
        Assert.Equal([Effect.Release(child)], Call(k, k => k.TaskAttach(b, pidsRoot)).Effects);
        Assert.Empty(Call(k, k => k.TaskAttach(b, pidsRoot)).Effects); // already there: nothing happens
        // Removing the parent's last child leaves the parent empty: release for the parent.
        Assert.Equal([Effect.Release(parent)], Call(k, k => k.CgroupRemove(child)).Effects);
        // Emptying by exit: the task leaves, its group is told.
        Assert.True(k.TaskAttach(b, parent).IsOk);
        Assert.Equal([Effect.Release(parent)], Call(k, k => k.TaskExit(b)).Effects);
        // A group of the other hierarchy is untouched by moves in this one.
        long memoryGroup = k.CgroupCreate(Root(CgroupLayout.V1, pids: false)).Value;
        Assert.True(k.CgroupSetNotifyOnRelease(memoryGroup, true).IsOk);
        Assert.True(k.TaskAttach(a, memoryGroup).IsOk);
        Assert.Empty(Call(k, k => k.TaskAttach(a, parent)).Effects);
        Assert.Equal([Effect.Release(memoryGroup)], Call(k, k => k.TaskAttach(a, 1)).Effects);
    }

    /// <summary>v2 cgroup.events: populated flips walk up from the group until an ancestor does not flip; an attach populates the new chain before it unpopulates the old.</summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void V2PopulatedEventsWalkUpUntilAnAncestorDoesNotFlip(string side)
    {
        var k = Kernel(side);
        long a = k.CgroupCreate(1).Value, b = k.CgroupCreate(a).Value, c = k.CgroupCreate(b).Value, d = k.CgroupCreate(1).Value;
        long t1 = k.TaskFork(InitPid).Value, t2 = k.TaskFork(InitPid).Value;
        Assert.Equal([Effect.Populated(c, true), Effect.Populated(b, true), Effect.Populated(a, true)], Call(k, k => k.TaskAttach(t1, c)).Effects);
        Assert.Empty(Call(k, k => k.TaskAttach(t2, b)).Effects);
        Assert.Equal([Effect.Populated(d, true), Effect.Populated(c, false)], Call(k, k => k.TaskAttach(t1, d)).Effects);
        Assert.Equal([Effect.Populated(b, false), Effect.Populated(a, false)], Call(k, k => k.TaskExit(t2)).Effects);
        Assert.Equal(Errno.EINVAL, k.CgroupSetNotifyOnRelease(a, true).Errno);
        Assert.False(Group(k, a).Populated);
        Assert.True(Group(k, d).Populated);
    }

    [Theory, MemberData(nameof(SidesAndLayouts))]
    public void RemovalIsBusyWhileATaskOrALiveChildRemains(string side, CgroupLayout layout)
    {
        var k = Kernel(side, layout);
        long root = Root(layout, pids: true);
        long parent = k.CgroupCreate(root).Value, child = k.CgroupCreate(parent).Value;
        long task = k.TaskFork(InitPid).Value;
        Assert.True(k.TaskAttach(task, child).IsOk);
        Assert.Equal(Errno.EBUSY, k.CgroupRemove(child).Errno);
        Assert.Equal(Errno.EBUSY, k.CgroupRemove(parent).Errno);
        Assert.True(k.TaskExit(task).IsOk);
        Assert.Equal(Errno.EBUSY, k.CgroupRemove(parent).Errno); // an empty live child still blocks it
        Assert.Equal(Errno.EINVAL, k.CgroupRemove(root).Errno);
        Assert.True(k.CgroupRemove(child).IsOk);
        Assert.Equal(Errno.ENOENT, k.CgroupRemove(child).Errno);
        Assert.Equal(Errno.ENOENT, k.TaskAttach(InitPid, child).Errno);
        Assert.Equal(Errno.ENOENT, k.CgroupCreate(child).Errno);
        Assert.True(k.CgroupRemove(parent).IsOk);
        Assert.Equal(Errno.ESRCH, k.TaskExit(task).Errno);
        Assert.Equal(Errno.EINVAL, k.TaskExit(InitPid).Errno);
    }

    /// <summary>init never exits, and its refused exit gives back none of its anonymous pages (init holds task slot 0).</summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void InitsRefusedExitKeepsItsAnonymousPages(string side)
    {
        var k = Kernel(side);
        Assert.True(k.TaskTouchAnon(InitPid, 3).IsOk);
        Assert.Equal(3, k.TakeSnapshot().UserPages.Count(p => p.OwnerPid == InitPid));
        Assert.Equal(Errno.EINVAL, k.TaskExit(InitPid).Errno);
        Assert.Equal(3, k.TakeSnapshot().UserPages.Count(p => p.OwnerPid == InitPid));
    }

    /// <summary>Attach is never refused and moves the charge, so a group may end above pids.max; a fork into it then fails.</summary>
    [Theory, MemberData(nameof(SidesAndLayouts))]
    public void AttachMovesTheChargeAndMayLeaveAGroupAbovePidsMax(string side, CgroupLayout layout)
    {
        var k = Kernel(side, layout);
        long root = Root(layout, pids: true);
        long outer = k.CgroupCreate(root).Value, inner = k.CgroupCreate(outer).Value, other = k.CgroupCreate(root).Value;
        Assert.True(k.CgroupSetPidsMax(inner, 1).IsOk);
        long a = k.TaskFork(InitPid).Value, b = k.TaskFork(InitPid).Value;
        Assert.True(k.TaskAttach(a, inner).IsOk);
        Assert.True(k.TaskAttach(b, inner).IsOk);
        Assert.Equal((2L, 1L), (Group(k, inner).PidsCurrent, Group(k, inner).PidsMax));
        Assert.Equal(2, Group(k, outer).PidsCurrent);
        Assert.Equal(Errno.EAGAIN, k.TaskFork(a).Errno);
        Assert.True(k.TaskAttach(b, other).IsOk);
        Assert.Equal((1L, 1L, 1L), (Group(k, inner).PidsCurrent, Group(k, outer).PidsCurrent, Group(k, other).PidsCurrent));
        // The first refusal was at inner (checked first, from the forking group up). Now only outer is tight.
        Assert.True(k.CgroupSetPidsMax(inner, PidsMaxWord).IsOk);
        Assert.True(k.CgroupSetPidsMax(outer, 0).IsOk); // below current: accepted, never EBUSY
        Assert.Equal(Errno.EAGAIN, k.TaskFork(a).Errno);
        // v2: the group whose limit was hit and its non-root ancestors count max, events.local only that group:
        // inner (hit once) 1/1, outer (ancestor of inner once, hit once) 2/1. v1: the forking group, inner, counts both.
        Assert.Equal(layout == CgroupLayout.V2 ? (1L, 1L) : (2L, 0L), (Group(k, inner).PidsEventsMax, Group(k, inner).PidsEventsLocalMax));
        Assert.Equal(layout == CgroupLayout.V2 ? (2L, 1L) : (0L, 0L), (Group(k, outer).PidsEventsMax, Group(k, outer).PidsEventsLocalMax));
        Assert.True(k.CgroupSetPidsMax(outer, PidsMaxWord).IsOk);
        Assert.Equal(PidsMaxValue, Group(k, outer).PidsMax);
    }
}
