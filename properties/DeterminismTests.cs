using Verify.Fuzz.Engine;
using Verify.Fuzz.Formats;
using Verify.Fuzz.Harness;
using Verify.Fuzz.Planted;
using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Verify.Properties;

/// <summary>
/// Determinism as a property: a scenario run on a runner that has run arbitrary other scenarios
/// gives exactly what a fresh runner gives: every step's outcome, the failure (step, invariant,
/// message), and the final snapshots. So a failure found in one order reproduces on replay, and
/// what shrinking reports fails on its own.
/// </summary>
public sealed class DeterminismTests(ITestOutputHelper output)
{
    /// <summary>In the mutation gate: a reused ImplKernel must equal a fresh one, so Reset's mutants die here.</summary>
    [Fact]
    [Trait("Category", Profile.MutationCategory)]
    public void AReusedRunnerGivesExactlyWhatAFreshRunnerGives()
    {
        Check(nameof(AReusedRunnerGivesExactlyWhatAFreshRunnerGives), planted: null);
    }

    /// <summary>
    /// In the mutation gate, where the test above runs a single scenario (so its reused runner has
    /// run nothing before it): every corpus input, run one after another on one runner with cheap
    /// checks, gives what it gives on a fresh runner. The seeds reach every operation, so every part
    /// of Reset is used.
    /// </summary>
    [Fact]
    [Trait("Category", Profile.MutationCategory)]
    public void EveryCorpusInputGivesOnARunnerThatRanTheOthersWhatItGivesOnAFreshOne()
    {
        EveryCorpusInputOnOneRunner(CheckLevel.Cheap);
    }

    /// <summary>The same with full checks after every step: eight times as long, so in model/'s mutation run only.</summary>
    [Fact]
    [Trait("Category", Profile.MutationCategory)]
    [Trait(Profile.MutationOfTrait, Profile.ModelOnly)]
    public void EveryCorpusInputGivesOnARunnerThatRanTheOthersWhatItGivesOnAFreshOneWithFullChecks()
    {
        EveryCorpusInputOnOneRunner(CheckLevel.Full);
    }

    /// <summary>
    /// A runner that ran seeds/kmem-v1.trace (objects charged through obj_cgroup vectors) then runs
    /// the regression whose slab takes the same pages: what it gives on a fresh runner. In the
    /// sequence above other inputs come between the two and cover what a Reset leaves behind.
    /// </summary>
    [Fact]
    [Trait("Category", Profile.MutationCategory)]
    public void AKmemInputLeavesNothingForTheNextOnAReusedRunner()
    {
        var reused = new Recording(new Runner());
        string kmem = Path.Combine(RepoPaths.Corpus, "seeds", "kmem-v1.trace"), next = Path.Combine(RepoPaths.Corpus, "regressions", "76f50f3022e9.trace");
        reused.Run(InputFile.Load(kmem), CheckLevel.Cheap);
        string afterKmem = reused.Run(InputFile.Load(next), CheckLevel.Cheap);
        string fresh = new Recording(new Runner()).Run(InputFile.Load(next), CheckLevel.Cheap);
        AssertSame(fresh, afterKmem, $"{next} gives a different result on a runner that ran {kmem} before it");
    }

    /// <summary>A reused runner's rendering of a run against a fresh runner's, both printed when they differ.</summary>
    private static void AssertSame(string fresh, string reused, string what) =>
        Assert.True(reused == fresh,
            $"determinism: {what}\n  fresh:  {fresh.Replace("\n", "\n          ")}\n  reused: {reused.Replace("\n", "\n          ")}");

    private static void EveryCorpusInputOnOneRunner(CheckLevel level)
    {
        var reused = new Recording(new Runner());
        var inputs = InputFile.Expand([RepoPaths.Corpus]).ToList();
        foreach (string path in inputs.Concat(inputs.Take(3)))
        {
            var scenario = InputFile.Load(path);
            string afterOthers = reused.Run(scenario, level);
            string fresh = new Recording(new Runner()).Run(scenario, level);
            AssertSame(fresh, afterOthers, $"corpus input {path} ({level} checks) gives a different result on a runner that ran the inputs before it");
        }
    }

    /// <summary>The same with a planted bug, so failing runs (which stop early and leave state behind) are compared too.</summary>
    [Fact]
    public void AReusedRunnerReproducesFailuresExactly()
    {
        Check(nameof(AReusedRunnerReproducesFailuresExactly), planted: "buddy-top-free-ignored");
    }

    private void Check(string name, string? planted)
    {
        ulong seed = Profile.SeedFor(name);
        int count = Profile.Scale(60);
        output.WriteLine($"{name}: seed {seed}, {count} scenarios (replay with VERIFY_SEED={seed})");
        var random = new SplitMix64(seed);
        var reused = new Recording(new Runner(PlantedBugs.ImplFactory(planted)));
        int failing = 0;
        for (int i = 0; i < count; i++)
        {
            var scenario = ScenarioGenerator.Generate(random.Next(), 150);
            var level = random.Chance(50) ? CheckLevel.Full : CheckLevel.Cheap;
            string afterOthers = reused.Run(scenario, level);
            string fresh = new Recording(new Runner(PlantedBugs.ImplFactory(planted))).Run(scenario, level);
            if (fresh.Contains("failure ", StringComparison.Ordinal)) failing++;
            if (afterOthers == fresh) continue;
            string report = $"determinism: scenario {i} of seed {seed} (VERIFY_SEED={seed}), {level} checks, gives a different result on a reused runner\n" +
                            $"  fresh:  {fresh.Replace("\n", "\n          ")}\n  reused: {afterOthers.Replace("\n", "\n          ")}\n" +
                            $"  scenario:\n    {Verify.Fuzz.Formats.TraceFormat.Print(scenario).Replace("\n", "\n    ")}";
            output.WriteLine(report);
            throw new XunitException(report);
        }
        output.WriteLine($"{count} scenarios ({failing} failing) gave the same result on a reused and a fresh runner");
        if (planted is not null) Profile.AssertReached(failing > 0, $"no scenario of seed {seed} failed with planted bug {planted}: the failing path was not compared");
    }

    /// <summary>A runner that renders a run as text: every step's outcome, the failure, and both final snapshots' digests and contents.</summary>
    private sealed class Recording
    {
        private readonly Runner _runner;
        private readonly System.Text.StringBuilder _steps = new();

        public Recording(Runner runner)
        {
            _runner = runner;
            _runner.AfterStep = (step, op, outcome) => _steps.Append(step).Append(':').Append(outcome).Append(' ');
        }

        public string Run(Scenario scenario, CheckLevel level)
        {
            _steps.Clear();
            var result = _runner.Run(scenario, level);
            var failure = result.Failure is { } f ? $"failure {f.Step} {f.Invariant}: {f.Message}" : "passed";
            var model = _runner.Model.TakeSnapshot();
            var impl = _runner.Impl.TakeSnapshot();
            return $"{result.OpsRun} ops; {failure}\nsteps {_steps}\nmodel {_runner.Model.Digest:x16} impl {_runner.Impl.Digest:x16}\n" +
                   $"impl snapshot {Render(impl)}\nmodel snapshot {Render(model)}";
        }

        /// <summary>Every part of the snapshot, by name (lists element by element).</summary>
        private static string Render(Snapshot snapshot) =>
            string.Join(" | ", typeof(Snapshot).GetProperties().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"{p.Name} {Text(p.GetValue(snapshot))}"));

        private static string Text(object? value) =>
            value is System.Collections.IEnumerable list and not string ? string.Join(' ', list.Cast<object>()) : $"{value}";
    }
}
