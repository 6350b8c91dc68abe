using Verify.Impl;
using Verify.Model.Contract;

namespace Verify.Fuzz.Planted;

/// <summary>
/// rmdir is allowed while the group has a live child (but no task): the wrapper removes the empty
/// descendants, deepest first, then the group itself, and reports success.
/// </summary>
public sealed class RemoveWithLiveChild(IKernel inner) : DelegatingKernel(inner)
{
    public override Outcome CgroupRemove(long cgroupId)
    {
        var outcome = Inner.CgroupRemove(cgroupId);
        if (outcome.Errno != Errno.EBUSY) return outcome;
        var groups = Inner.TakeSnapshot().Cgroups;
        var group = groups.First(g => g.Id == cgroupId);
        if (group.Populated) return outcome;
        foreach (var descendant in Descendants(groups, cgroupId).Reverse()) Inner.CgroupRemove(descendant);
        return Inner.CgroupRemove(cgroupId);
    }

    /// <summary>The group's descendants, parents before children.</summary>
    private static IEnumerable<long> Descendants(IReadOnlyList<CgroupInfo> groups, long id)
    {
        foreach (var child in groups.Where(g => g.ParentId == id))
        {
            yield return child.Id;
            foreach (long below in Descendants(groups, child.Id)) yield return below;
        }
    }
}

/// <summary>A group with notify_on_release that empties because its last task moves away (attach) raises no release notification; by exit it still does.</summary>
public sealed class ReleaseMissedOnAttach(IKernel inner) : DelegatingKernel(inner)
{
    public override Outcome TaskAttach(long pid, long cgroupId)
    {
        var outcome = Inner.TaskAttach(pid, cgroupId);
        var kept = Inner.Effects.Items.Where(e => e.Kind != EffectKind.Release).ToList();
        Inner.Effects.Clear();
        foreach (var effect in kept) Inner.Effects.Add(effect);
        return outcome;
    }
}

/// <summary>
/// A fork charges only the forking group itself: its ancestors' pids counters are not raised
/// (the digest still counts them), so an ancestor's pids.max no longer holds a subtree.
/// </summary>
public sealed class ForkChargesOnlyLeaf(ImplKernel impl) : DelegatingKernel(impl)
{
    public override Outcome TaskFork(long pid)
    {
        var outcome = Inner.TaskFork(pid);
        if (!outcome.IsOk) return outcome;
        var containers = impl.Containers;
        var tasks = containers.TaskSlots;
        int group = tasks.GroupOf(tasks.SlotOf(outcome.Value), containers.PidsHierarchy);
        var chain = containers.Groups.ChainOf(group);
        for (int level = 1; level < chain.Length; level++) containers.Groups.PidsCurrentOf(chain[level])--;
        return outcome;
    }
}

/// <summary>An attach in the pids hierarchy charges the new group but never uncharges the old one.</summary>
public sealed class AttachKeepsOldCharge(ImplKernel impl) : DelegatingKernel(impl)
{
    public override Outcome TaskAttach(long pid, long cgroupId)
    {
        var containers = impl.Containers;
        var tasks = containers.TaskSlots;
        int slot = tasks.SlotOf(pid);
        int old = slot < 0 ? -1 : tasks.GroupOf(slot, containers.PidsHierarchy);
        var outcome = Inner.TaskAttach(pid, cgroupId);
        if (outcome.IsOk && old >= 0 && tasks.GroupOf(slot, containers.PidsHierarchy) != old) containers.Groups.Charge(old);
        return outcome;
    }
}
