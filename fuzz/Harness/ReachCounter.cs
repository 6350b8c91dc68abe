using System.Text;
using Verify.Fuzz.Engine;
using Verify.Model.Alphabet;
using Verify.Model.Contract;

namespace Verify.Fuzz.Harness;

/// <summary>
/// Counts what a stream of scenarios reaches on the differential runner: per operation how often
/// it was drawn and how often it ran (a step whose reference finds nothing live is a no-op on both
/// sides and does not run); per (operation, outcome) how often each outcome came back, and the
/// first scenario and step that reached it; per group label (a mood, a focus, a swarm size) how
/// many scenarios and operations; two events the outcomes alone do not show:
///   "reuse K": an operation made a handle of kind K whose value a remembered freed handle of K has
///              (a freed slot, address or id handed out again);
///   "stale after reuse K": a stale reference of kind K at most ReuseWindow steps after a reuse of K;
/// and how many scenarios reach three deep states (as the reach tests define them, read from the
/// impl's counters after each step): memory full (no free page on a machine of 64 pages or more),
/// fragmented (8 or more free order-0 blocks with at most half the pages free), and an empty slab
/// released (a successful cache_free that lowers the allocated page count); and four of process
/// containers, read from the model: a hierarchy 6 or more groups deep, a fork refused by
/// pids.max, a release notification, and pids above max (an attach or a lowered pids.max left a
/// group above its limit: the kernel's counted exception to "limits never exceeded"); then, from
/// the effects, the OOM states (a memcg OOM of a charge or of a memory.max write, a global OOM, one
/// with nothing killable, a group killed whole, a fork bomb killed), and from the impl's counts a
/// task holding a second page table.
/// Counts only, no clocks: the same scenarios in the same order give the same table.
/// </summary>
public sealed class ReachCounter
{
    public const int ReuseWindow = 4;

    private static readonly Errno[] Errnos = Enum.GetValues<Errno>();
    private static readonly HandleKind[] Kinds = Enum.GetValues<HandleKind>();

    private readonly Runner _runner;
    private readonly int _codes = Alphabet.Specs.Count;
    private readonly long[] _drawn, _ran;
    private readonly long[,] _outcomes;
    private readonly (int Scenario, int Step)?[,] _first;
    private readonly int[] _lastReuse = new int[Kinds.Length];
    private readonly SortedDictionary<string, GroupTally> _groups = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _events = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _statesThisScenario = new(StringComparer.Ordinal);
    private long _allocatedBefore;

    public static readonly string[] States =
        ["memory full", "fragmented", "empty slab released", "hierarchy 6 deep", "fork refused by pids.max", "release notified", "pids above max",
         "memcg oom", "oom by a memory.max write", "global oom", "oom with nothing killable", "oom group killed whole", "fork bomb killed", "second page table"];

    /// <summary>How deep a group must be (its path's segments) to count as a deep hierarchy.</summary>
    public const int DeepHierarchyLevels = 6;

    public ReachCounter(Runner runner)
    {
        _runner = runner;
        _drawn = new long[_codes];
        _ran = new long[_codes];
        _outcomes = new long[_codes, Errnos.Length];
        _first = new (int, int)?[_codes, Errnos.Length];
        runner.AfterStep = OnStep;
    }

    public sealed class GroupTally
    {
        public long Scenarios { get; internal set; }
        public long Drawn { get; internal set; }
        public long Ran { get; internal set; }

        /// <summary>How many of the group's scenarios reached each of States, in that order.</summary>
        public long[] Reaching { get; } = new long[States.Length];
    }

    public int Scenarios { get; private set; }

    public int Failures { get; private set; }

    /// <summary>The first failure seen, with its scenario, for the report.</summary>
    public (Failure Failure, Scenario Scenario)? FirstFailure { get; private set; }

    public long Drawn(int code) => _drawn[code];

    public long Ran(int code) => _ran[code];

    public long Count(int code, Errno errno) => _outcomes[code, (int)errno];

    /// <summary>The first (scenario index, step) at which the operation returned that outcome; null if never.</summary>
    public (int Scenario, int Step)? FirstReach(int code, Errno errno) => _first[code, (int)errno];

    public IReadOnlyDictionary<string, GroupTally> Groups => _groups;

    public IReadOnlyDictionary<string, long> Events => _events;

    /// <summary>Every (operation code, outcome) reached at least once.</summary>
    public IEnumerable<(int Code, Errno Errno)> ReachedPairs()
    {
        for (int code = 0; code < _codes; code++)
            foreach (var errno in Errnos)
                if (_outcomes[code, (int)errno] > 0) yield return (code, errno);
    }

    /// <summary>Runs one scenario and counts it under each group label (e.g. "mood FillUp").</summary>
    public RunResult Run(Scenario scenario, IEnumerable<string> labels, CheckLevel level = CheckLevel.Cheap)
    {
        Array.Fill(_lastReuse, int.MinValue / 2);
        _statesThisScenario.Clear();
        _allocatedBefore = 0;
        long ranBefore = _ran.Sum();
        var result = _runner.Run(scenario, level);
        for (int step = 0; step < result.OpsRun; step++) _drawn[scenario.Ops[step].Code]++;
        long ran = _ran.Sum() - ranBefore;
        foreach (var label in labels)
        {
            if (!_groups.TryGetValue(label, out var tally)) _groups[label] = tally = new GroupTally();
            tally.Scenarios++;
            tally.Drawn += result.OpsRun;
            tally.Ran += ran;
            for (int i = 0; i < States.Length; i++) if (_statesThisScenario.Contains(States[i])) tally.Reaching[i]++;
        }
        if (result.Failure is { } failure)
        {
            Failures++;
            FirstFailure ??= (failure, scenario);
        }
        foreach (var state in _statesThisScenario) Event($"scenarios reaching {state}");
        Scenarios++;
        return result;
    }

    private void OnStep(int step, Op op, Outcome outcome)
    {
        _ran[op.Code]++;
        _outcomes[op.Code, (int)outcome.Errno]++;
        _first[op.Code, (int)outcome.Errno] ??= (Scenarios, step);
        var spec = op.Spec;
        var handles = _runner.Handles; // still as before this step
        if (outcome.IsOk && OpRoles.Produces(spec) is { } kind && IsFreedValue(handles, kind, outcome.Value))
        {
            Event($"reuse {kind}");
            _lastReuse[(int)kind] = step;
        }
        foreach (var arg in spec.Args)
        {
            if (arg.Kind == ArgKind.StaleRef && step - _lastReuse[(int)arg.RefKind] <= ReuseWindow) Event($"stale after reuse {arg.RefKind}");
        }
        // The kernels are already past the step (the handle table is not); the impl's counters are O(1) and equal the model's here.
        var impl = _runner.Impl;
        long pages = impl.Machine.Pages, free = impl.FreePageCount, allocated = impl.AllocatedPageCount;
        if (free == 0 && pages >= 64) _statesThisScenario.Add("memory full");
        if (free * 2 <= pages && impl.FreeBlockCount(0) >= 8) _statesThisScenario.Add("fragmented");
        if (spec.Keyword == "cache_free" && outcome.IsOk && allocated < _allocatedBefore) _statesThisScenario.Add("empty slab released");
        _allocatedBefore = allocated;
        var model = _runner.Model;
        if (spec.Keyword == "task_fork" && outcome.Errno == Errno.EAGAIN) _statesThisScenario.Add("fork refused by pids.max");
        if (model.Effects.Items.Any(e => e.Kind == EffectKind.Release)) _statesThisScenario.Add("release notified");
        foreach (var effect in model.Effects.Items)
        {
            if (effect.Kind == EffectKind.Oom) _statesThisScenario.Add(effect.Cgroup == OomContext.MachineDomain ? "global oom" : effect.Value == 0 ? "oom by a memory.max write" : "memcg oom");
            if (effect.Kind == EffectKind.OomGroupKill) _statesThisScenario.Add("oom group killed whole");
            if (effect.Kind == EffectKind.Forkbomb) _statesThisScenario.Add("fork bomb killed");
        }
        if (model.Effects.Items.Any(e => e.Kind == EffectKind.Oom) && !model.Effects.Items.Any(e => e.Kind == EffectKind.OomKill)) _statesThisScenario.Add("oom with nothing killable");
        if (spec.Keyword == "task_touch_anon" && outcome.IsOk && impl is Verify.Impl.ImplKernel { Memcg: var memcg } && memcg.MostPageTablesPerTask() >= 2) _statesThisScenario.Add("second page table");
        if (spec.Keyword == "cgroup_create" && outcome.IsOk
            && model.TakeSnapshot().Cgroups.Any(g => g.Id == outcome.Value && g.Path.Count(c => c == '/') >= DeepHierarchyLevels))
            _statesThisScenario.Add("hierarchy 6 deep");
        if (spec.Keyword is "task_attach" or "cgroup_set_pids_max" && outcome.IsOk && model.TakeSnapshot().Cgroups.Any(g => g.PidsCurrent > g.PidsMax))
        {
            _statesThisScenario.Add("pids above max");
            Event("steps leaving pids above max (attach, lowered pids.max)");
        }
    }

    private static bool IsFreedValue(HandleTable handles, HandleKind kind, long value)
    {
        foreach (var dead in handles.Dead(kind)) if (dead.Value == value) return true;
        return false;
    }

    private void Event(string name) => _events[name] = _events.GetValueOrDefault(name) + 1;

    /// <summary>The tables as text: operations with outcomes, groups, events.</summary>
    public string Format()
    {
        var text = new StringBuilder();
        text.Append($"{"operation",-26}{"drawn",10}{"ran",10}{"no-op",9}");
        foreach (var errno in Errnos) text.Append($"{(errno == Errno.Ok ? "ok" : errno.ToString()),9}");
        text.AppendLine();
        for (int code = 0; code < _codes; code++)
        {
            text.Append($"{Alphabet.Specs[code].Keyword,-26}{_drawn[code],10}{_ran[code],10}{_drawn[code] - _ran[code],9}");
            foreach (var errno in Errnos) text.Append($"{_outcomes[code, (int)errno],9}");
            text.AppendLine();
        }
        long drawn = _drawn.Sum(), ran = _ran.Sum();
        text.AppendLine($"{"total",-26}{drawn,10}{ran,10}{drawn - ran,9}");
        text.AppendLine();
        int width = Math.Max(32, _groups.Keys.Select(label => label.Length + 2).DefaultIfEmpty(0).Max());
        text.AppendLine($"{"group".PadRight(width)}{"scenarios",10}{"drawn",10}{"ran",10}{"full",7}{"frag",7}{"slab-",7}{"deep",7}{"bomb",7}{"rel",7}{">max",7}{"oom",7}{"oomw",7}{"goom",7}{"oom0",7}{"oomg",7}{"fbk",7}{"pt2",7}");
        foreach (var (label, tally) in _groups)
            text.AppendLine($"{label.PadRight(width)}{tally.Scenarios,10}{tally.Drawn,10}{tally.Ran,10}{string.Concat(tally.Reaching.Select(n => $"{n,7}"))}");
        text.AppendLine("(full, frag, slab-, deep, bomb, rel, >max: scenarios reaching memory full, fragmented, an empty slab released,");
        text.AppendLine(" a hierarchy 6 deep, a fork refused by pids.max, a release notification, pids above max;");
        text.AppendLine(" oom, oomw, goom, oom0, oomg, fbk: a memcg OOM of a charge, one of a memory.max write, a global OOM,");
        text.AppendLine(" an OOM with nothing killable, a memory.oom.group killed whole, a fork bomb killed;");
        text.AppendLine(" pt2: a task holding a second page table, 513 anonymous pages or more)");
        text.AppendLine();
        text.AppendLine($"{"event",-32}{"count",10}");
        foreach (var kind in Kinds)
        {
            text.AppendLine($"{$"reuse {kind}",-32}{_events.GetValueOrDefault($"reuse {kind}"),10}");
            text.AppendLine($"{$"stale after reuse {kind}",-32}{_events.GetValueOrDefault($"stale after reuse {kind}"),10}");
        }
        foreach (var state in States) text.AppendLine($"{$"scenarios reaching {state}",-32}{_events.GetValueOrDefault($"scenarios reaching {state}"),10}");
        const string overMax = "steps leaving pids above max (attach, lowered pids.max)";
        text.AppendLine($"{overMax,-32}{_events.GetValueOrDefault(overMax),10}");
        int pairs = ReachedPairs().Count();
        int opsRun = Enumerable.Range(0, _codes).Count(code => _ran[code] > 0);
        text.AppendLine();
        text.AppendLine($"{Scenarios} scenarios, {Failures} failing; {opsRun}/{_codes} operations ran; {pairs} (operation, outcome) pairs reached");
        return text.ToString();
    }
}
