using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Fuzz.Harness;

/// <summary>
/// The OOM killer's invariants over one step of one side, read from its effects and the snapshots
/// around it: each Oom effect names its domain, and the kills that follow it belong to it.
/// </summary>
public static class OomInvariants
{
    public static void CheckStep(Snapshot before, Snapshot after, EffectLog effects, Action<string, string> fail)
    {
        if (!effects.Items.Any(e => e.Kind is EffectKind.Oom or EffectKind.OomKill or EffectKind.OomGroupKill)) return;
        var tasks = before.Tasks.ToDictionary(t => t.Pid);
        var parents = before.Cgroups.ToDictionary(g => g.Id, g => g.ParentId);
        var maxOf = after.Memory.ToDictionary(m => m.Id, m => m.Max);
        var records = before.MmRecords.ToDictionary(r => r.Id);
        Effect? oom = null;
        long bomb = 0;
        foreach (var effect in effects.Items)
        {
            switch (effect.Kind)
            {
                case EffectKind.Oom:
                    (oom, bomb) = (effect, 0);
                    CheckNeeded(effect, maxOf, fail);
                    break;
                case EffectKind.Forkbomb:
                    bomb = effect.Value;
                    if (!records.ContainsKey(bomb) || effect.Detail < ForkbombFamilyMin)
                        fail(Invariant.OomForkbombSubtree, $"the forkbomb killer named mm_record {bomb} with family {effect.Detail}: it must be a record before the step, with a family of at least {ForkbombFamilyMin}");
                    break;
                case EffectKind.OomKill when oom is null:
                    fail(Invariant.OomDomain, $"task {effect.Value} was OOM-killed with no OOM before it");
                    break;
                case EffectKind.OomKill:
                    var domain = oom.Value;
                    if (!tasks.TryGetValue(effect.Value, out var task))
                    {
                        fail(Invariant.OomDomain, $"task {effect.Value} was OOM-killed but was not live before the step");
                        break;
                    }
                    if (task.Pid == InitPid || task.OomScoreAdj == OomScoreAdjMin)
                        fail(Invariant.OomNeverProtected, $"{task} was OOM-killed (init and adj -1000 never are)");
                    if (domain.Cgroup != OomContext.MachineDomain && !IsInSubtree(task.Cgroup0, domain.Cgroup, parents))
                        fail(Invariant.OomDomain, $"{task} was OOM-killed by an OOM of memcg {domain.Cgroup}, outside its subtree");
                    if (effect.Cgroup != task.Cgroup0)
                        fail(Invariant.OomDomain, $"the kill of {task} names memcg {effect.Cgroup}, not its group");
                    if (bomb != 0 && !IsUnderBomb(task.Pid, bomb, records))
                        fail(Invariant.OomForkbombSubtree, $"the forkbomb killer killed {task}, whose mm_record is not strictly under the bomb's record {bomb}");
                    if (after.Tasks.Any(t => t.Pid == task.Pid) || after.UserPages.Any(p => !p.File && p.OwnerPid == task.Pid) || after.PageTables.Any(t => t.OwnerPid == task.Pid))
                        fail(Invariant.ConservationOomKill, $"{task} was OOM-killed but is still live or still owns anonymous pages or page tables after the step");
                    break;
            }
        }
    }

    /// <summary>An OOM only when the request does not fit: a memcg domain's usage plus the pages is above its max (a memory.max write: usage alone); a global one only for at most 8 pages.</summary>
    private static void CheckNeeded(Effect oom, Dictionary<long, long> maxOf, Action<string, string> fail)
    {
        if (oom.Cgroup == OomContext.MachineDomain)
        {
            if (oom.Value > 1L << OomMaxOrder) fail(Invariant.OomOnlyWhenNeeded, $"a global OOM for {oom.Value} pages (only allocations of order 3 or less invoke it)");
            return;
        }
        if (!maxOf.TryGetValue(oom.Cgroup, out long max)) fail(Invariant.OomDomain, $"an OOM names memcg {oom.Cgroup}, which is no live memory group");
        else if (oom.Detail + oom.Value <= max || oom.Value > 1L << OomMaxOrder)
            fail(Invariant.OomOnlyWhenNeeded, $"memcg {oom.Cgroup} had an OOM with usage {oom.Detail} and {oom.Value} pages asked for under max {max} (it runs only when they do not fit, for at most 8 pages)");
    }

    /// <summary>Whether the task's record (before the step) is a proper descendant of the bomb's record.</summary>
    private static bool IsUnderBomb(long pid, long bomb, Dictionary<long, MmRecordInfo> records)
    {
        var own = records.Values.FirstOrDefault(r => r.Pid == pid);
        if (own.Pid != pid || own.Id == bomb) return false;
        for (long id = own.ParentId; id != 0 && records.TryGetValue(id, out var record); id = record.ParentId)
            if (id == bomb) return true;
        return false;
    }

    private static bool IsInSubtree(long group, long ancestor, Dictionary<long, long> parents)
    {
        for (long id = group; id != 0; id = parents.GetValueOrDefault(id))
            if (id == ancestor) return true;
        return false;
    }
}
