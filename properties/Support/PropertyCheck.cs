using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using Verify.Fuzz.Harness;
using Runner = Verify.Fuzz.Harness.Runner;
using Verify.Model.Alphabet;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Verify.Properties.Support;

/// <summary>
/// Runs an FsCheck property over scenarios with a logged seed. On failure it prints the seed, the
/// first failing step, the snapshot diff and the shrunk sequence as trace text, writes that trace
/// to a file whose path it prints, and fails the test.
/// </summary>
public static class PropertyCheck
{
    /// <summary>Where failing traces are written: a folder under the system temp folder.</summary>
    public static readonly string FailuresDirectory = Path.Combine(Path.GetTempPath(), "verify-failures");

    /// <summary>
    /// A property over scenarios that returns a Failure (null when it holds); fails the test with a
    /// full report. confirm, when given, is what shrinking and the report run instead of property
    /// (the differential properties confirm on a fresh runner).
    /// </summary>
    public static void ForAll(ITestOutputHelper output, string name, int count, int opsMax, Func<Scenario, Failure?> property, Func<Scenario, Failure?>? confirm = null)
    {
        var found = FindFailure(output, name, count, opsMax, property, confirm);
        if (found is null) return;
        output.WriteLine(found.Report);
        throw new XunitException(found.Report);
    }

    public sealed record Found(Scenario Shrunk, Failure Failure, string TracePath, string Report);

    /// <summary>
    /// Searches for a failing scenario with FsCheck, shrinks it to a fixpoint, writes its trace and
    /// returns it with the report; null when all generated scenarios pass.
    /// </summary>
    public static Found? FindFailure(ITestOutputHelper output, string name, int count, int opsMax, Func<Scenario, Failure?> property, Func<Scenario, Failure?>? confirm = null)
    {
        ulong seed = Profile.SeedFor(name);
        int tests = Profile.Scale(count);
        output.WriteLine($"{name}: seed {seed}, {tests} sequences (replay with VERIFY_SEED={seed})");
        (Scenario Scenario, Failure Failure)? lastFailure = null;
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(tests)
            .WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed, 0x9E3779B97F4A7C15UL | 1), FSharpOption<int>.None)));
        var prop = Prop.ForAll(ScenarioArbitrary.Create(opsMax), (Scenario scenario) =>
        {
            // Without shrinking (the mutation profile) every shrink candidate passes unrun, so FsCheck stops at once.
            if (!Profile.Shrinks && lastFailure is not null) return true;
            var failure = property(scenario);
            if (failure is not null) lastFailure = (scenario, failure);
            return failure is null;
        });
        try
        {
            Check.One(config, prop);
        }
        catch (Exception) when (lastFailure is not null)
        {
            // FsCheck reports the failure by throwing; the report below is built from lastFailure.
        }
        if (lastFailure is not { } last) return null;
        if (!Profile.Shrinks)
        {
            string firstReport = Report.Format(last.Failure, last.Scenario, $"property {name}, seed {seed} (VERIFY_SEED={seed}), not shrunk (mutation profile)");
            return new Found(last.Scenario, last.Failure, "(not written: mutation profile)", firstReport);
        }
        // FsCheck's shrinking ends on the last failing candidate; shrink once more to a fixpoint.
        var check = confirm ?? property;
        var shrunk = ScenarioShrinker.Minimize(last.Scenario, s => check(s) is { } f && f.Invariant == last.Failure.Invariant);
        var failure = check(shrunk) ?? last.Failure;
        string tracePath = Report.WriteTrace(FailuresDirectory, $"{name}-{seed}", shrunk, [Report.Describe(failure, shrunk), $"seed {seed} ({name})"]);
        string report = Report.Format(failure, shrunk, $"property {name}, seed {seed} (VERIFY_SEED={seed})", tracePath);
        return new Found(shrunk, failure, tracePath, report);
    }

    /// <summary>
    /// Runs one scenario that must pass (a seed, a hand-written example, a shrunk trace); on failure
    /// shrinks it on fresh runners, writes the trace and fails the test with the invariant, the
    /// failing step, both outcomes and the trace, naming origin (a path, or a seed and index).
    /// </summary>
    public static void AssertPasses(ITestOutputHelper output, Runner runner, Scenario scenario, CheckLevel level, string origin)
    {
        if (runner.Run(scenario, level).Failure is not { } failure) return;
        if (!Profile.Shrinks) throw new XunitException(Report.Format(failure, scenario, $"{origin}, not shrunk (mutation profile)"));
        var saved = FailureArtifacts.ShrinkAndSave(runner, scenario, failure, level, origin, FailuresDirectory, "must-pass");
        string report = Report.Format(failure, scenario, origin) + "shrunk:\n" + saved.ReportText;
        output.WriteLine(report);
        throw new XunitException(report);
    }

    /// <summary>
    /// The runner-based property most tests use: every scenario passes the differential runner.
    /// The search reuses one runner; shrinking and the report confirm each candidate on a fresh one.
    /// </summary>
    public static void ForAllDifferential(ITestOutputHelper output, string name, int count, int opsMax, Func<Runner> makeRunner, CheckLevel level)
    {
        var (search, confirm) = Differential(makeRunner, level);
        ForAll(output, name, level == CheckLevel.Full ? Profile.FullChecksShare(count) : count, opsMax, search, confirm);
    }

    /// <summary>The search (one reused runner) and confirm (a fresh runner per scenario) halves of the differential property.</summary>
    public static (Func<Scenario, Failure?> Search, Func<Scenario, Failure?> Confirm) Differential(Func<Runner> makeRunner, CheckLevel level = CheckLevel.Full)
    {
        var runner = makeRunner();
        return (scenario => runner.Run(scenario, level).Failure, scenario => runner.RunFresh(scenario, level).Failure);
    }
}
