using Verify.Fuzz.Engine;
using Verify.Fuzz.Formats;
using Verify.Fuzz.Harness;
using Verify.Fuzz.Planted;
using Verify.Model.Alphabet;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties;

/// <summary>
/// The suite's proof of its own power: every planted bug (a test-only wrapper around the impl that
/// breaks one behaviour) must be found by the default gate's generator and shrunk to at most
/// ShrunkOpsMax operations. Some slips need a state that only many operations build with the
/// scenario the search happened to meet (a full slab of 64-byte objects takes 64 allocations,
/// whatever the shrinker does), so the search goes on past a failure that shrinks no further
/// than that, up to FailuresTried failures, and the shortest shrunk trace is the result.
/// </summary>
public sealed class PlantedBugTests(ITestOutputHelper output)
{
    public const int ShrunkOpsMax = 8;
    public const int Sequences = 1000;
    public const int OpsMax = 200;
    public const int FailuresTried = 3;

    public static TheoryData<string> Names() => new(PlantedBugs.All.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void TheGateFindsAndShrinksThePlantedBug(string planted)
    {
        string name = $"planted-{planted}";
        ulong seed = Profile.SeedFor(name);
        int count = Profile.Scale(Sequences);
        output.WriteLine($"{name}: seed {seed}, up to {count} sequences (replay with VERIFY_SEED={seed})");
        var runner = new Runner(PlantedBugs.ImplFactory(planted));
        var random = new SplitMix64(seed);
        Scenario? shortest = null;
        Failure? shortestFailure = null;
        int failures = 0;
        for (int i = 0; i < count && failures < FailuresTried; i++)
        {
            // Lengths grow with i as FsCheck's sizes do, so short scenarios come first.
            int opsMax = ScenarioGenerator.OpsMaxForSize(1 + i * ScenarioGenerator.SizeMax / count, OpsMax);
            var scenario = ScenarioGenerator.Generate(random.Next(), opsMax);
            if (runner.Run(scenario, CheckLevel.Full).Failure is not { } failure) continue;
            failures++;
            string signature = failure.Invariant;
            var shrunk = ScenarioShrinker.Minimize(scenario, s => runner.RunFresh(s, CheckLevel.Full).Failure is { } f && f.Invariant == signature);
            var shrunkFailure = runner.RunFresh(shrunk, CheckLevel.Full).Failure ?? failure;
            output.WriteLine($"sequence {i}: {failure.Invariant}, {scenario.Ops.Count} operations shrunk to {shrunk.Ops.Count}");
            if (shortest is null || shrunk.Ops.Count < shortest.Ops.Count) (shortest, shortestFailure) = (shrunk, shrunkFailure);
            if (shrunk.Ops.Count <= ShrunkOpsMax) break;
        }
        Assert.True(shortest is not null, $"the gate did not detect planted bug '{planted}' in {count} sequences of seed {seed}: {PlantedBugs.All[planted].Description}");
        string tracePath = Report.WriteTrace(PropertyCheck.FailuresDirectory, $"{name}-{seed}", shortest, [Report.Describe(shortestFailure!, shortest), $"seed {seed} ({name})"]);
        string report = Report.Format(shortestFailure!, shortest, $"property {name}, seed {seed} (VERIFY_SEED={seed})", tracePath);
        output.WriteLine(report);
        Assert.True(shortest.Ops.Count <= ShrunkOpsMax,
            $"planted bug '{planted}' was shrunk only to {shortest.Ops.Count} operations (at most {ShrunkOpsMax} expected) in {failures} failures found:\n{report}");
        PropertyCheck.AssertPasses(output, new Runner(), shortest, CheckLevel.Full, $"the shrunk trace of planted bug '{planted}' on the real impl");
    }
}
