using System.Text;
using Verify.Fuzz.Engine;
using Verify.Fuzz.Formats;
using Verify.Fuzz.Harness;
using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Verify.Properties;

/// <summary>
/// Invariant "reach": over a fixed budget of generated scenarios (swarm subsets and moods), every
/// operation runs, every mood occurs and runs operations, and every (operation, outcome) pair that
/// the seeds under corpus/seeds reach also occurs. A failure names the seed, what was missing,
/// and for a missing pair or operation the shortest seed prefix that reaches it, as a trace.
/// </summary>
public sealed class ReachTests(ITestOutputHelper output)
{
    private const int Scenarios = 400, OpsMax = 150;

    [Fact]
    public void GeneratedScenariosReachEveryOperationMoodAndEverySeedOutcome()
    {
        ulong seed = Profile.SeedFor(nameof(GeneratedScenariosReachEveryOperationMoodAndEverySeedOutcome));
        var random = new SplitMix64(seed);
        var counter = new ReachCounter(new Runner());
        for (int i = 0; i < Scenarios; i++)
        {
            var generated = ScenarioGenerator.Draw(random.Next(), OpsMax);
            var result = counter.Run(generated.Scenario, [$"mood {generated.Mood}"]);
            if (result.Failure is not null) // run again on a fresh runner, shrunk, reported with seed and invariant
                PropertyCheck.AssertPasses(output, new Runner(), generated.Scenario, CheckLevel.Cheap, $"reach test, seed {seed} (VERIFY_SEED={seed}), generated scenario {i}");
        }
        output.WriteLine($"reach: seed {seed} (VERIFY_SEED={seed}), {Scenarios} scenarios of at most {OpsMax} operations\n{counter.Format()}");

        var seeds = SeedReach();
        var missing = new StringBuilder();
        foreach (var spec in Alphabet.Specs.Where(spec => counter.Ran(spec.Code) == 0))
            missing.AppendLine($"operation {spec.Keyword} never ran{Shortest(seeds, spec.Code, errno: null)}");
        foreach (var mood in Enum.GetValues<Mood>().Where(mood => !counter.Groups.TryGetValue($"mood {mood}", out var tally) || tally.Ran == 0))
            missing.AppendLine($"mood {mood} never occurred (or ran no operation)");
        foreach (var (code, errno) in seeds.Keys.Where(pair => counter.Count(pair.Code, pair.Errno) == 0))
            missing.AppendLine($"({Alphabet.Specs[code].Keyword}, {Name(errno)}) never occurred; the seeds reach it{Shortest(seeds, code, errno)}");
        if (missing.Length > 0)
            Fail($"reach: seed {seed} (VERIFY_SEED={seed}), {Scenarios} generated scenarios of at most {OpsMax} operations miss:\n{missing}");
    }

    private void Fail(string report)
    {
        output.WriteLine(report);
        throw new XunitException(report);
    }

    /// <summary>For each (operation, outcome) a seed reaches: the shortest seed prefix that does, as a scenario.</summary>
    private Dictionary<(int Code, Errno Errno), Scenario> SeedReach()
    {
        var shortest = new Dictionary<(int, Errno), Scenario>();
        foreach (var path in InputFile.Expand([Path.Combine(RepoPaths.Corpus, "seeds")]))
        {
            var scenario = InputFile.Load(path);
            var counter = new ReachCounter(new Runner());
            if (!counter.Run(scenario, [], CheckLevel.Full).Passed) PropertyCheck.AssertPasses(output, new Runner(), scenario, CheckLevel.Full, path);
            foreach (var pair in counter.ReachedPairs())
            {
                int length = counter.FirstReach(pair.Code, pair.Errno)!.Value.Step + 1;
                if (shortest.TryGetValue(pair, out var known) && known.Ops.Count <= length) continue;
                shortest[pair] = new Scenario(scenario.Machine, scenario.Ops.Take(length).ToList());
            }
        }
        return shortest;
    }

    /// <summary>The shortest seed prefix reaching the pair (any outcome when errno is null), as trace text; empty when no seed does.</summary>
    private static string Shortest(Dictionary<(int Code, Errno Errno), Scenario> seeds, int code, Errno? errno)
    {
        var prefix = seeds.Where(entry => entry.Key.Code == code && (errno is null || entry.Key.Errno == errno))
            .Select(entry => entry.Value).OrderBy(scenario => scenario.Ops.Count).FirstOrDefault();
        return prefix is null ? "" : $"; shortest seed trace reaching it:\n    {TraceFormat.Print(prefix).TrimEnd('\n').Replace("\n", "\n    ")}";
    }

    private static string Name(Errno errno) => errno == Errno.Ok ? "ok" : errno.ToString();
}
