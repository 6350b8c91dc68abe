using System.Diagnostics;
using System.Globalization;
using Verify.Fuzz.Afl;

namespace Verify.Fuzz.Power;

/// <summary>
/// One trial of the campaign method: `fuzz campaign --planted BUG --minutes N --jobs 1
/// --until-first-crash --out DIR --build-output BUILD` as a child process of the same fuzz build (so
/// every trial instruments the one build output and none rebuilds; afl-fuzz stops at its first
/// crash, the only one the trial reads), its output in DIR/power-campaign.log, then read by
/// CampaignFolder. The campaign has no seed option: trials differ by AFL++'s own randomness and
/// timing, so the record's seed is empty. A DIR left by an interrupted trial (not in trials.tsv) is
/// deleted first, since a campaign resumes a folder it is given. Guarantees: a campaign that fails to
/// set up or outlives its limit is a PowerException naming its log, never a recorded trial; a trial
/// without a confirmed finding is censored at N minutes.
/// </summary>
public sealed class CampaignTrial(string buildOutput, string host, TextWriter log)
{
    /// <summary>Beyond the fuzzing time: instrumenting, seeding, triage with afl-tmin (180 s per finding at most), coverage.</summary>
    private static readonly TimeSpan Overhead = TimeSpan.FromMinutes(45);

    /// <summary>True when afl-fuzz and afl-tmin are on PATH; the campaign would otherwise try to install them (as root), which a power run must not start by itself.</summary>
    public static bool ToolsInstalled => ExternalCommand.FindOnPath("afl-fuzz") is not null && ExternalCommand.FindOnPath("afl-tmin") is not null;

    public TrialRecord Run(string bug, int trial, double minutes, string directory)
    {
        if (Directory.Exists(directory))
        {
            log.WriteLine($"power: removing {directory}, left by an interrupted campaign trial");
            Directory.Delete(directory, recursive: true);
        }
        Directory.CreateDirectory(directory);
        string logPath = Path.Combine(directory, "power-campaign.log");
        string[] arguments =
        [
            Path.Combine(buildOutput, InstrumentedCopy.HarnessAssembly), "campaign", "--planted", bug,
            "--minutes", minutes.ToString("R", CultureInfo.InvariantCulture), "--jobs", "1", "--out", directory, "--build-output", buildOutput, "--until-first-crash",
        ];
        var clock = Stopwatch.StartNew();
        var result = ExternalCommand.Run("dotnet", arguments, TimeSpan.FromMinutes(minutes) + Overhead, logPath: logPath);
        if (result.TimedOut || result.ExitCode is not (Cli.Program.ExitPass or Cli.Program.ExitFinding))
            throw new PowerException($"campaign trial {trial} of {bug} {(result.TimedOut ? "did not end in time" : $"failed (exit {result.ExitCode})")}; see {logPath}: {result.LastLines(1)}");
        var outcome = CampaignFolder.Measure(directory);
        double budget = minutes * 60;
        log.WriteLine($"power: campaign trial {trial} of {bug} took {clock.Elapsed.TotalSeconds:F0} s in all; {outcome.CrashFiles} crash file(s)");
        if (!outcome.Found) return new TrialRecord(bug, PowerMethod.Campaign, trial, null, false, budget, null, null, budget, null, host);
        // A confirmed finding whose crash names carry no time (never seen with AFL++ 4.04c) counts as found at the budget.
        return new TrialRecord(bug, PowerMethod.Campaign, trial, null, true, Math.Min(outcome.FirstCrashSeconds ?? budget, budget),
            outcome.FirstCrashExecutions, outcome.ShrunkOps, budget, null, host);
    }
}
