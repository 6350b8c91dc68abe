using Verify.Fuzz.Engine;
using Verify.Fuzz.Harness;
using Verify.Fuzz.Planted;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties;

/// <summary>
/// The suite's proof of its own power: every planted bug (a test-only wrapper around the impl that
/// breaks one behaviour) must be found by the default gate's generator and shrunk to at most
/// ShrunkOpsMax operations. Some slips need a state that only many operations build with the
/// scenario the search happened to meet (a full slab of 64-byte objects takes 64 allocations,
/// whatever the shrinker does), so the search goes on past a failure that shrinks no further
/// than that, up to FailuresTried failures, and the shortest shrunk trace is the result. The OOM
/// killer's bugs need a group, a limit, tasks and a charge before any kill: issue 12 asks for at most
/// ShrunkOomOpsMax operations there.
/// </summary>
public sealed class PlantedBugTests(ITestOutputHelper output)
{
    /// <summary>The planted bugs in two halves, one test class each: xunit runs classes in parallel, so the two halves share the machine's cores.</summary>
    public static TheoryData<string> FirstHalf() => new(PlantedBugs.All.Keys.Where((_, i) => i % 2 == 0));

    public static TheoryData<string> SecondHalf() => new(PlantedBugs.All.Keys.Where((_, i) => i % 2 == 1));

    public const int ShrunkOpsMax = 8, ShrunkOomOpsMax = 12;

    private static int ShrunkMax(string planted) => planted.StartsWith("oom-", StringComparison.Ordinal) || planted.StartsWith("forkbomb-", StringComparison.Ordinal) ? ShrunkOomOpsMax : ShrunkOpsMax;
    public const int Sequences = 1000;
    public const int OpsMax = 200;
    public const int FailuresTried = 3;

    [Theory]
    [MemberData(nameof(FirstHalf))]
    public void TheGateFindsAndShrinksThePlantedBug(string planted) => FindAndShrink(output, planted);

    /// <summary>The gate finds the planted bug and shrinks it (see the class summary).</summary>
    internal static void FindAndShrink(ITestOutputHelper output, string planted)
    {
        string name = $"planted-{planted}";
        ulong seed = Profile.SeedFor(name);
        int count = Profile.Scale(Sequences);
        output.WriteLine($"{name}: seed {seed}, up to {count} sequences (replay with VERIFY_SEED={seed})");
        var runner = new Runner(PlantedBugs.ImplFactory(planted));
        var random = new SplitMix64(seed);
        FailureArtifacts.Saved? shortest = null;
        int failures = 0;
        for (int i = 0; i < count && failures < FailuresTried; i++)
        {
            // Lengths grow with i as FsCheck's sizes do, so short scenarios come first.
            int opsMax = ScenarioGenerator.OpsMaxForSize(1 + i * ScenarioGenerator.SizeMax / count, OpsMax);
            var scenario = ScenarioGenerator.Generate(random.Next(), opsMax);
            if (runner.Run(scenario, CheckLevel.Full).Failure is not { } failure) continue;
            failures++;
            // Shrunk on fresh runners, written with its report, as every engine does with a failure.
            var saved = FailureArtifacts.ShrinkAndSave(runner, scenario, failure, CheckLevel.Full,
                $"property {name}, seed {seed} (VERIFY_SEED={seed}), sequence {i}", PropertyCheck.FailuresDirectory, $"{name}-{seed}");
            output.WriteLine($"sequence {i}: {failure.Invariant}, {scenario.Ops.Count} operations shrunk to {saved.Shrunk.Ops.Count}");
            if (shortest is null || saved.Shrunk.Ops.Count < shortest.Shrunk.Ops.Count) shortest = saved;
            if (saved.Shrunk.Ops.Count <= ShrunkMax(planted)) break;
        }
        Assert.True(shortest is not null, $"the gate did not detect planted bug '{planted}' in {count} sequences of seed {seed}: {PlantedBugs.All[planted].Description}");
        output.WriteLine(shortest.ReportText);
        Assert.True(shortest.Shrunk.Ops.Count <= ShrunkMax(planted),
            $"planted bug '{planted}' was shrunk only to {shortest.Shrunk.Ops.Count} operations (at most {ShrunkMax(planted)} expected) in {failures} failures found:\n{shortest.ReportText}");
        PropertyCheck.AssertPasses(output, new Runner(), shortest.Shrunk, CheckLevel.Full, $"the shrunk trace of planted bug '{planted}' on the real impl");
    }
}

/// <summary>The second half of the planted bugs (PlantedBugTests has the first and the test body).</summary>
public sealed class PlantedBugTestsSecondHalf(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(PlantedBugTests.SecondHalf), MemberType = typeof(PlantedBugTests))]
    public void TheGateFindsAndShrinksThePlantedBug(string planted) => PlantedBugTests.FindAndShrink(output, planted);
}
