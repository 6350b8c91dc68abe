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
