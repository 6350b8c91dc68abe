using Verify.Fuzz.Harness;
using Verify.Fuzz.Planted;
using Verify.Fuzz.Power;
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

    public const int ShrunkOpsMax = GateSearch.ShrunkOpsMax, ShrunkOomOpsMax = GateSearch.ShrunkOomOpsMax;
    public const int Sequences = GateSearch.Sequences;
    public const int OpsMax = GateSearch.OpsMax;
    public const int FailuresTried = GateSearch.FailuresTried;

    [Theory]
    [MemberData(nameof(FirstHalf))]
    public void TheGateFindsAndShrinksThePlantedBug(string planted) => FindAndShrink(output, planted);

    /// <summary>The gate finds the planted bug and shrinks it (see the class summary; GateSearch is the search, shared with fuzz power).</summary>
    internal static void FindAndShrink(ITestOutputHelper output, string planted)
    {
        string name = $"planted-{planted}";
        ulong seed = Profile.SeedFor(name);
        int count = Profile.Scale(Sequences);
        output.WriteLine($"{name}: seed {seed}, up to {count} sequences (replay with VERIFY_SEED={seed})");
        var search = GateSearch.Run(planted, seed, count, i => $"property {name}, seed {seed} (VERIFY_SEED={seed}), sequence {i}",
            PropertyCheck.FailuresDirectory, $"{name}-{seed}", output.WriteLine);
        var shortest = search.Shortest;
        int failures = search.Failures;
        Assert.True(shortest is not null, $"the gate did not detect planted bug '{planted}' in {count} sequences of seed {seed}: {PlantedBugs.All[planted].Description}");
        output.WriteLine(shortest.ReportText);
        Assert.True(shortest.Shrunk.Ops.Count <= GateSearch.ShrunkMax(planted),
            $"planted bug '{planted}' was shrunk only to {shortest.Shrunk.Ops.Count} operations (at most {GateSearch.ShrunkMax(planted)} expected) in {failures} failures found:\n{shortest.ReportText}");
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
