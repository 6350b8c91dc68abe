using Verify.Model.Cgroups;
using Verify.Model.Contract;
using Verify.Model.Memcg;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Model.Oom;

/// <summary>
/// The reference OOM killer (KERNEL-FACTS.md, "OOM killer"), recomputed from scratch on every call.
/// The candidates are the tasks of the OOM domain in scan order: for a memcg OOM the domain's
/// subtree in pre-order (ProcessContainers.TasksInPreOrder), for a global OOM every task by pid.
/// Badness = resident pages + page-table pages + oom_score_adj * (totalpages / 1000); init and adj
/// -1000 are never chosen; the highest badness wins and a tie goes to the task scanned later.
/// The victim is killed (OomKill effect, oom_kill on its memory group, then the kernel's exit);
/// when memory.oom.group is set on its group or an ancestor up to the domain, the highest such
/// group is swept too (OomGroupKill effect, oom_group_kill there, oom_kill once more for the victim,
/// then every other eligible task of its subtree in scan order). Before any of that, the forkbomb
/// tracker may find a bomb among the domain's killable tasks: then its kills are the OOM's.
/// </summary>
public sealed class OomKiller(ProcessContainers containers, MemoryCgroups memcg, ForkbombTracker forkbomb, EffectLog effects)
{
    /// <summary>Set by the kernel: the task's exit (everything it owns goes back).</summary>
    public Action<long> Exit { get; set; } = _ => throw new InvalidOperationException("OomKiller.Exit is not wired");

    /// <summary>out_of_memory: the Oom effect, then a victim of the domain; whether a task was killed.</summary>
    public bool OutOfMemory(OomContext context)
    {
        effects.Add(Effect.Oom(context));
        long? domain = context.IsGlobal ? null : context.Domain;
        long totalPages = context.TotalPages;
        var pages = memcg.BadnessPagesByTask();
        long Badness(TaskInfo task) => pages.GetValueOrDefault(task.Pid) + task.OomScoreAdj * (totalPages / 1000);
        var candidates = domain is { } group ? containers.TasksInPreOrder(group) : containers.Tasks();
        var counting = candidates.Where(Killable).ToDictionary(t => t.Pid);
        var bomb = forkbomb.Bomb(context, counting.ContainsKey, pid => Badness(counting[pid]));
        foreach (long pid in bomb) Kill(counting[pid]);
        if (bomb.Count > 0) return true;
        TaskInfo? victim = null;
        long worst = 0;
        // oom_badness (never for init or adj -1000; no clamp, so it may be negative) of each candidate.
        foreach (var task in candidates.Where(Killable))
        {
            long badness = Badness(task);
            if (victim is null || badness >= worst) (victim, worst) = (task, badness);
        }
        if (victim is not { } chosen) return false;
        long? oomGroup = OomGroupOf(chosen.Cgroup0, domain);
        Kill(chosen);
        if (oomGroup is { } whole)
        {
            effects.Add(Effect.OomGroupKill(whole));
            memcg.CountOomEvent(whole, MemcgOomEvent.OomGroupKill);
            memcg.CountOomEvent(chosen.Cgroup0, MemcgOomEvent.OomKill); // the victim is still in the group when the kernel sweeps it
            foreach (var task in containers.TasksInPreOrder(whole).Where(Killable)) Kill(task);
        }
        return true;
    }

    private static bool Killable(TaskInfo task) => task.Pid != InitPid && task.OomScoreAdj != OomScoreAdjMin;

    /// <summary>The highest group with memory.oom.group from the victim's up to and including the domain (the root for a global OOM); null when none has it.</summary>
    private long? OomGroupOf(long victimGroup, long? domain)
    {
        long? highest = null;
        foreach (long level in containers.ChainOf(victimGroup)!)
        {
            if (memcg.IsOomGroup(level)) highest = level;
            if (level == domain) break;
        }
        return highest;
    }

    private void Kill(TaskInfo task)
    {
        effects.Add(Effect.OomKill(task.Cgroup0, task.Pid));
        memcg.CountOomEvent(task.Cgroup0, MemcgOomEvent.OomKill);
        Exit(task.Pid);
    }
}
