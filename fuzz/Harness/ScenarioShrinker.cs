using Verify.Model.Alphabet;
using Verify.Model.Contract;

namespace Verify.Fuzz.Harness;

/// <summary>
/// Smaller variants of a scenario: a smaller machine first, then drop chunks of operations (halves
/// down to single steps), then make arguments smaller (references toward 0, integers toward their
/// minimum). Every variant is valid by construction (relative references). Minimize ends by writing
/// each live reference as the index it resolves to (WithCanonicalReferences), kept if it still fails.
/// Used as FsCheck's shrinker and by Minimize.
/// </summary>
public static class ScenarioShrinker
{
    public static IEnumerable<Scenario> Candidates(Scenario scenario)
    {
        // Smaller machines first: every later attempt on a smaller machine is cheaper (snapshots and
        // resets are linear in pages), and a failure that needs few pages gets there in one step.
        foreach (var machine in SmallerMachines(scenario.Machine)) yield return scenario with { Machine = machine };
        var ops = scenario.Ops;
        for (int chunk = Math.Max(1, ops.Count / 2); chunk >= 1; chunk /= 2)
        {
            for (int start = 0; start + chunk <= ops.Count; start += chunk)
            {
                var fewer = ops.Take(start).Concat(ops.Skip(start + chunk)).ToList();
                yield return scenario with { Ops = fewer };
            }
            if (chunk == 1) break;
        }
        for (int i = 0; i < ops.Count; i++)
        {
            var spec = ops[i].Spec;
            for (int a = 0; a < spec.Args.Count; a++)
            {
                foreach (long value in SmallerValues(ops[i].Arg(a), spec.Args[a].Min))
                {
                    var changed = ops.ToArray();
                    changed[i] = ops[i].WithArg(a, value);
                    yield return scenario with { Ops = changed };
                }
            }
        }
    }

    /// <summary>
    /// Greedy minimization: repeatedly take the first smaller candidate that still fails with the
    /// same signature, until none does or the attempt budget is spent. Deterministic.
    /// </summary>
    public static Scenario Minimize(Scenario failing, Func<Scenario, bool> stillFails, int attemptsMax = 20_000)
    {
        var current = failing;
        int attempts = 0;
        bool improved = true;
        while (improved && attempts < attemptsMax)
        {
            improved = false;
            foreach (var candidate in Candidates(current))
            {
                if (++attempts > attemptsMax) break;
                if (!stillFails(candidate)) continue;
                current = candidate;
                improved = true;
                break;
            }
        }
        var canonical = WithCanonicalReferences(current);
        return !ReferenceEquals(canonical, current) && stillFails(canonical) ? canonical : current;
    }

    /// <summary>
    /// The same scenario with every live reference k written as the index it resolves to (k modulo
    /// the live count of its kind at that step, as the model runs it), so a trace says cgroup=1, not
    /// cgroup=190, for the same object. Stale references and steps that named nothing stay as they
    /// are. Returns the scenario itself when nothing changes.
    /// </summary>
    public static Scenario WithCanonicalReferences(Scenario scenario)
    {
        var ops = scenario.Ops.ToArray();
        bool changed = false;
        var runner = Runner.ModelOnly();
        runner.Observe = (step, _, _, _, _) =>
        {
            var spec = ops[step].Spec;
            for (int a = 0; a < spec.Args.Count; a++)
            {
                var arg = spec.Args[a];
                if (arg.Kind != ArgKind.Ref) continue;
                int index = runner.Handles.ResolveLive(arg.RefKind, ops[step].Arg(a));
                if (index < 0 || index == ops[step].Arg(a)) continue;
                ops[step] = ops[step].WithArg(a, index);
                changed = true;
            }
        };
        try { runner.Run(scenario); }
        catch (Exception) { return scenario; }
        return changed ? scenario with { Ops = ops } : scenario;
    }

    /// <summary>
    /// Smaller machines in ascending size: one page, the powers of two below, then pages - d for
    /// d = pages/2, pages/4, ..., 1. The greedy minimizer takes the first that still fails, so a
    /// failure that needs at least some threshold of pages reaches it in O(log pages) rounds
    /// instead of one page per round; then one CPU.
    /// </summary>
    private static IEnumerable<MachineConfig> SmallerMachines(MachineConfig machine)
    {
        var pages = new SortedSet<int> { 1 };
        for (int power = 1; power < machine.Pages; power <<= 1) pages.Add(power);
        foreach (long value in Approaching(machine.Pages, 1)) pages.Add((int)value);
        foreach (int candidate in pages.Where(p => p >= 1 && p < machine.Pages))
            yield return machine with { Pages = candidate };
        if (machine.Cpus > 1) yield return machine with { Cpus = 1 };
    }

    /// <summary>The minimum, then values closer and closer to value: value - d for d = (value - min)/2, /4, ..., 1.</summary>
    private static IEnumerable<long> SmallerValues(long value, long min)
    {
        if (value <= min) yield break;
        yield return min;
        foreach (long closer in Approaching(value, min))
            if (closer != min) yield return closer;
    }

    /// <summary>value - d for d = (value - min)/2, (value - min)/4, ..., 1: far from value first.</summary>
    private static IEnumerable<long> Approaching(long value, long min)
    {
        for (long distance = (value - min) / 2; distance >= 1; distance /= 2)
            yield return value - distance;
    }
}
