using Verify.Impl.Cgroups;
using Verify.Impl.Memcg;
using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Impl.Oom;

/// <summary>
/// The OOM killer, optimized; the semantics are the model's (model/Oom/OomKiller.cs). Victim
/// selection is one pass over the live task slots with no allocation: a slot outside the domain is
/// skipped by an O(1) subtree test (PageCounters' descendant ranges), badness reads the slot's
/// resident and page-table pages kept incrementally by MemoryCgroups, and the scan order the model walks (a memcg
/// domain in pre-order, tasks by pid within a group; a global OOM by pid) is not materialized: a
/// candidate that ties the best so far replaces it exactly when it comes later in that order
/// (GroupTable.PreOrderBefore, O(depth), asked on ties only). A memory.oom.group sweep takes the
/// first remaining eligible task of the group's subtree in scan order, one pass per kill. Before
/// the selection, the forkbomb tracker may find a bomb (it asks this class which tasks count and
/// their badness, for the OOM at hand): then its kills are the OOM's.
/// </summary>
public sealed class OomKiller(ProcessContainers containers, MemoryCgroups memcg, ForkbombTracker forkbomb, EffectLog effects) : IOutOfMemoryHandler, IForkbombScorer
{
    private long _domain, _unit, _totalPages;

    /// <summary>Slips planted bugs emulate (test code only); none in the suite's own runs.</summary>
    [Flags]
    internal enum Slip
    {
        None = 0,

        /// <summary>A tie goes to the task scanned earlier.</summary>
        TieToEarlier = 1,

        /// <summary>adj x totalpages / 1000 instead of adj x (totalpages / 1000).</summary>
        AdjScaledAfterDivision = 2,

        /// <summary>A memory.oom.group sweep kills adj -1000 tasks too.</summary>
        SweepTakesProtected = 4,

        /// <summary>The lowest flagged group from the victim's up is killed whole instead of the highest.</summary>
        LowestOomGroup = 8,
    }

    internal Slip Slips { get; set; }

    private const long Machine = OomContext.MachineDomain;

    /// <summary>Set by the kernel: the task's exit (everything it owns goes back).</summary>
    public Action<long> Exit { get; set; } = _ => throw new InvalidOperationException("OomKiller.Exit is not wired");

    public bool OutOfMemory(in OomContext context)
    {
        effects.Add(Effect.Oom(context));
        long domain = context.Domain, unit = context.TotalPages / 1000;
        (_domain, _unit, _totalPages) = (domain, unit, context.TotalPages);
        int bomb = forkbomb.FindBomb(context, this);
        if (bomb >= 0)
        {
            int after = -1;
            for (int slot = forkbomb.NextVictim(bomb, ref after); slot >= 0; slot = forkbomb.NextVictim(bomb, ref after)) Kill(slot);
            return true;
        }
        var tasks = containers.TaskSlots;
        int victim = -1;
        long worst = 0;
        for (int slot = 0; slot < tasks.SlotCount; slot++)
        {
            if (!Eligible(slot, domain)) continue;
            long badness = Badness(slot);
            bool later = victim >= 0 && ((Slips & Slip.TieToEarlier) != 0 ? ScannedAfter(victim, slot, domain) : ScannedAfter(slot, victim, domain));
            if (victim < 0 || badness > worst || badness == worst && later) (victim, worst) = (slot, badness);
        }
        if (victim < 0) return false;
        long victimGroup = GroupIdOf(victim);
        long oomGroup = OomGroupOf(victimGroup, domain);
        Kill(victim);
        if (oomGroup < 0) return true;
        effects.Add(Effect.OomGroupKill(oomGroup));
        memcg.CountOomEvent(oomGroup, MemcgOomEvent.OomGroupKill);
        memcg.CountOomEvent(victimGroup, MemcgOomEvent.OomKill); // the victim is still in the group when the kernel sweeps it
        for (int next = FirstInScanOrder(oomGroup, sweep: true); next >= 0; next = FirstInScanOrder(oomGroup, sweep: true)) Kill(next);
        return true;
    }

    bool IForkbombScorer.Counts(int taskSlot) => Eligible(taskSlot, _domain);

    long IForkbombScorer.Badness(int taskSlot) => Badness(taskSlot);

    /// <summary>oom_badness for the OOM at hand: resident pages plus page-table pages plus adj x (totalpages / 1000).</summary>
    private long Badness(int slot)
    {
        long adj = containers.TaskSlots.OomScoreAdjOf(slot);
        return memcg.BadnessPages(slot) + ((Slips & Slip.AdjScaledAfterDivision) != 0 ? adj * _totalPages / 1000 : adj * _unit);
    }

    /// <summary>A live task other than init, with adj above -1000 (unless a planted sweep slip), in the domain's subtree (any, for the machine).</summary>
    private bool Eligible(int slot, long domain, bool sweep = false)
    {
        var tasks = containers.TaskSlots;
        bool protectedTask = tasks.OomScoreAdjOf(slot) == OomScoreAdjMin && !(sweep && (Slips & Slip.SweepTakesProtected) != 0);
        return slot != TaskTable.InitSlot && tasks.IsLive(slot) && !protectedTask
            && (domain == Machine || memcg.InSubtree(GroupIdOf(slot), domain));
    }

    /// <summary>Whether task slot a comes after b in the domain's scan order: by pid for the machine; else by group in pre-order, then by pid.</summary>
    private bool ScannedAfter(int a, int b, long domain)
    {
        var tasks = containers.TaskSlots;
        int groupA = tasks.GroupOf(a, 0), groupB = tasks.GroupOf(b, 0);
        if (domain == Machine || groupA == groupB) return tasks.PidOf(a) > tasks.PidOf(b);
        return containers.Groups.PreOrderBefore(groupB, groupA);
    }

    /// <summary>The eligible task of the group's subtree that its pre-order scan meets first; -1 when none is left.</summary>
    private int FirstInScanOrder(long group, bool sweep)
    {
        int first = -1;
        for (int slot = 0; slot < containers.TaskSlots.SlotCount; slot++)
            if (Eligible(slot, group, sweep) && (first < 0 || ScannedAfter(first, slot, group))) first = slot;
        return first;
    }

    /// <summary>The highest group with memory.oom.group from the victim's up to and including the domain (the root for the machine); -1 when none has it.</summary>
    private long OomGroupOf(long victimGroup, long domain)
    {
        long highest = -1;
        for (long level = victimGroup; level > 0; level = containers.ParentIdOf(level))
        {
            if (memcg.IsOomGroup(level))
            {
                highest = level;
                if ((Slips & Slip.LowestOomGroup) != 0) break;
            }
            if (level == domain) break;
        }
        return highest;
    }

    private long GroupIdOf(int slot) => containers.Groups.IdOf(containers.TaskSlots.GroupOf(slot, 0));

    private void Kill(int slot)
    {
        long group = GroupIdOf(slot), pid = containers.TaskSlots.PidOf(slot);
        effects.Add(Effect.OomKill(group, pid));
        memcg.CountOomEvent(group, MemcgOomEvent.OomKill);
        Exit(pid);
    }
}
