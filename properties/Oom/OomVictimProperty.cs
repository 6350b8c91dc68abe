using Verify.Fuzz.Engine;
using Verify.Impl;
using Verify.Model;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Oom;

/// <summary>
/// The impl's OOM killer chooses the model's victims: each trial builds a fresh machine on both
/// sides (a small tree of memory groups, some with memory.oom.group; tasks with few anonymous
/// pages, so badness ties are common, and oom_score_adj from the whole range, -1000 included),
/// then runs out of memory in one domain: a group's memory.max set just above its usage and a
/// new task inside it pushing past it, or the machine filled by a protected ballast task. Every
/// step's outcome and effects (each OOM, kill and group kill, in order) must agree, and at the
/// end of the trial the snapshots and the impl's self-checks. Aimed at the selection's details:
/// ties broken by the domain's scan order (groups in pre-order, pids within a group; pids for the
/// machine), the adj scaling, the domain's subtree, the highest memory.oom.group up to the domain
/// and the sweep that spares adj -1000.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class OomVictimProperty(ITestOutputHelper output)
{
    private static readonly int[] Adjs = [OomScoreAdjMin, OomScoreAdjMin, -999, -500, -1, 0, 0, 0, 0, 1, 300, 999, OomScoreAdjMax];

    /// <summary>A task of a trial: the index of its group (-1 the root), its oom_score_adj and the anonymous pages it touches.</summary>
    public readonly record struct TrialTask(int Group, int Adj, int Pages)
    {
        public override string ToString() => $"task in {TrialGroupName(Group)} adj {Adj} touching {Pages}";
    }

    /// <summary>
    /// One OOM trial. Groups: Parents[i] is the index of an earlier group (-1 the root), OomGroups[i]
    /// its memory.oom.group. A ballast makes the OOM's totalpages 1000 or more, so that adj weighs
    /// adj x (totalpages / 1000) pages: Domain -1, the machine of 4096 pages, whose MachineFill blocks
    /// (3840 pages) are taken unaccounted first; else, when BallastOrder &gt; 0, a task of adj -1000 in the
    /// domain group allocates a block of that order accounted (kernel memory, not in any badness).
    /// Then the domain's memory.max becomes its usage + Slack (no limit for the machine) and a new task
    /// in Trigger (in the domain's subtree) with adj PushAdj touches PushPages at a time, Push times,
    /// stopping at the first touch that fails (its task killed, or no victim left).
    /// </summary>
    public sealed record Trial(int[] Parents, bool[] OomGroups, TrialTask[] Tasks, int Domain, int BallastOrder, int Trigger, int Slack, int PushAdj, int PushPages, int Push)
    {
        public override string ToString() =>
            $"groups [{string.Join(", ", Parents.Select((p, i) => $"{TrialGroupName(i)} under {TrialGroupName(p)}{(OomGroups[i] ? " oom.group" : "")}"))}]; " +
            $"tasks [{string.Join(", ", Tasks)}]; " +
            (Domain < 0 ? $"machine, 3840 pages taken: push in {TrialGroupName(Trigger)} adj {PushAdj} touching {PushPages} x{Push}"
                : $"domain {TrialGroupName(Domain)} ballast order {BallastOrder}, max usage+{Slack}: push in {TrialGroupName(Trigger)} adj {PushAdj} touching {PushPages} x{Push}");
    }

    /// <summary>The blocks a machine trial takes first: 3840 of the 4096 pages (MAX_PAGE_ORDER is 10).</summary>
    private static readonly int[] MachineFill = [10, 10, 10, 9, 8];

    private static string TrialGroupName(int index) => index < 0 ? "root" : $"g{index}";

    /// <summary>
    /// A trial, drawn so that ties at the top are common and cross groups: few pages per task, three
    /// in four tasks inside the domain's subtree, and the domain often g0 (always a child of the root,
    /// so its subtree tends to be wide). Groups are created in index order and tasks in array order, so
    /// slot and pid order differ from the domain's pre-order scan whenever a later group sits earlier
    /// in the tree.
    /// </summary>
    private static Trial Draw(SplitMix64 random)
    {
        int groups = (int)random.Range(1, 6);
        var parents = new int[groups];
        var oomGroups = new bool[groups];
        for (int i = 0; i < groups; i++)
        {
            parents[i] = (int)random.Range(-1, i - 1);
            oomGroups[i] = random.Chance(30);
        }
        int domain = random.Chance(20) ? -1 : random.Chance(50) ? 0 : (int)random.Range(0, groups - 1);
        var inDomain = Enumerable.Range(-1, groups + 1).Where(g => domain < 0 || IsUnder(parents, g, domain)).ToArray();
        var tasks = new TrialTask[random.Range(2, 9)];
        for (int i = 0; i < tasks.Length; i++)
        {
            int group = random.Chance(75) ? inDomain[random.Range(0, inDomain.Length - 1)] : (int)random.Range(-1, groups - 1);
            tasks[i] = new TrialTask(group, Adjs[random.Range(0, Adjs.Length - 1)], (int)random.Range(0, 3));
        }
        int trigger = inDomain[random.Range(0, inDomain.Length - 1)];
        return domain < 0
            ? new Trial(parents, oomGroups, tasks, domain, 0, trigger, 0, OomScoreAdjMin, 16, 20)
            : new Trial(parents, oomGroups, tasks, domain, random.Chance(50) ? 0 : (int)random.Range(10, 11), trigger, (int)random.Range(0, 3),
                Adjs[random.Range(0, Adjs.Length - 1)], (int)random.Range(1, 3), (int)random.Range(1, 4));
    }

    /// <summary>Whether group g (-1 the root) is ancestor itself or below it.</summary>
    private static bool IsUnder(int[] parents, int g, int ancestor)
    {
        for (int level = g; level >= 0; level = parents[level])
            if (level == ancestor) return true;
        return false;
    }

    [Fact]
    public void TheImplKillsTheModelsVictims()
    {
        int ooms = 0, kills = 0, groupKills = 0, machineOoms = 0;
        StructureProperty.Check(output, "oom-victims", 200, Draw, trials =>
        {
            for (int t = 0; t < trials.Count; t++)
            {
                var trial = trials[t];
                var machine = new MachineConfig(4096, 2);
                var (model, impl) = (new ModelKernel(machine), new ImplKernel(machine));
                Outcome last = default;
                // One step on both sides (last: the model's outcome): null when outcomes and effects agree.
                string? Both(string what, Func<IKernel, Outcome> apply) =>
                    SideBySide.Step(model, impl, what, apply, out last) is { } differs ? $"{differs}; trial {t}: {trial}" : null;
                var ids = new long[trial.Parents.Length];
                long pid = 0;
                long Id(int index) => index < 0 ? 1 : ids[index];
                for (int g = 0; g < ids.Length; g++)
                {
                    if (Both($"mkdir g{g}", k => k.CgroupCreate(Id(trial.Parents[g]))) is { } differs) return differs;
                    ids[g] = last.Value;
                    if (trial.OomGroups[g] && Both($"oom.group g{g}", k => k.CgroupSetOomGroup(ids[g], 1)) is { } flagged) return flagged;
                }
                foreach (var task in trial.Tasks)
                    if (Spawn(task.Group, task.Adj, task.Pages) is { } differs) return differs;
                if (trial.Domain < 0)
                {
                    foreach (int order in MachineFill)
                        if (Both($"alloc_pages order {order}", k => k.AllocPages(order)) is { } differs) return differs;
                }
                else
                {
                    long domain = ids[trial.Domain];
                    if (trial.BallastOrder > 0 && (Spawn(trial.Domain, OomScoreAdjMin, 0) ?? Both($"run {pid}", k => k.RunOn(pid, 0))
                        ?? Both($"alloc_pages account order {trial.BallastOrder}", k => k.AllocPagesAccount(trial.BallastOrder))) is { } ballast) return ballast;
                    long usage = model.TakeSnapshot().Memory.Single(m => m.Id == domain).Current;
                    if (Both($"max g{trial.Domain} {usage + trial.Slack}", k => k.CgroupSetLimit(domain, MemcgCounter.Memory, usage + trial.Slack)) is { } differs) return differs;
                }
                if (Spawn(trial.Trigger, trial.PushAdj, 0) is { } spawned) return spawned;
                long pusher = pid;
                for (int push = 0; push < trial.Push; push++)
                {
                    if (Both($"push {trial.PushPages}", k => k.TaskTouchAnon(pusher, trial.PushPages)) is { } differs) return differs;
                    ooms += model.Effects.Items.Count(e => e.Kind == EffectKind.Oom);
                    machineOoms += trial.Domain < 0 ? model.Effects.Items.Count(e => e.Kind == EffectKind.Oom) : 0;
                    kills += model.Effects.Items.Count(e => e.Kind == EffectKind.OomKill);
                    groupKills += model.Effects.Items.Count(e => e.Kind == EffectKind.OomGroupKill);
                    if (!last.IsOk) break; // the pusher was killed, or nothing was left to kill
                }
                var diff = SnapshotDiff.Compare(model.TakeSnapshot(), impl.TakeSnapshot());
                if (diff.Count > 0) return $"snapshot: trial {t} ({trial}): {diff[0]}";
                if (StructureProperty.Violation(impl.CheckConsistency) is { } broken) return $"trial {t} ({trial}): {broken}";

                // A child of init in group index g (-1: the root) with the adj, touching pages; its pid in pid.
                string? Spawn(int g, int adj, int pages)
                {
                    if (Both("fork", k => k.TaskFork(InitPid)) is { } forked) return forked;
                    pid = last.Value;
                    return (g >= 0 ? Both($"attach {pid} g{g}", k => k.TaskAttach(pid, Id(g))) : null)
                        ?? (adj != 0 ? Both($"adj {pid} {adj}", k => k.TaskSetOomScoreAdj(pid, adj)) : null)
                        ?? (pages > 0 ? Both($"touch {pid} {pages}", k => k.TaskTouchAnon(pid, pages)) : null);
                }
            }
            return null;
        }, StructureScope.Focused);
        output.WriteLine($"{ooms} OOMs ({machineOoms} of the machine), {kills} kills, {groupKills} group kills");
        Profile.AssertReached(ooms > 0 && kills > 0 && groupKills > 0 && machineOoms > 0, $"{ooms} OOMs ({machineOoms} of the machine), {kills} kills, {groupKills} group kills");
    }
}
