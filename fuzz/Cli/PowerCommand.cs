using System.CommandLine;
using Verify.Fuzz.Afl;
using Verify.Fuzz.Power;

namespace Verify.Fuzz.Cli;

/// <summary>
/// fuzz power: the power report of the planted bugs. For every chosen planted bug and method (the
/// default gate's search, the embedded engine of fuzz run, an AFL++ campaign) it runs K trials that
/// trials.tsv does not hold yet, appending each, then writes power.md and power.svg from the file
/// (fuzz/Power). Exit codes: 0 the report is written, 2 bad usage, a bad trials.tsv or a campaign
/// that could not run (one line on stderr naming the option, or the file and line).
/// </summary>
public static class PowerCommand
{
    public static Command Create()
    {
        var bugs = new Option<string>("--bugs") { Description = "Planted bugs, separated by commas, or all", DefaultValueFactory = _ => PowerSettings.BugsDefault };
        var methods = new Option<string>("--methods") { Description = "Methods, separated by commas: gate, run, campaign", DefaultValueFactory = _ => PowerSettings.MethodsDefault };
        var trials = new Option<string>("--trials") { Description = "Trials per bug and method (at least 1)", DefaultValueFactory = _ => PowerSettings.TrialsDefault };
        var seed = new Option<string>("--seed") { Description = "Base seed: each trial's seed derives from it, the bug, the method and the trial number", DefaultValueFactory = _ => PowerSettings.SeedDefault };
        var runSeconds = new Option<string>("--run-seconds") { Description = "Budget of a run trial in seconds", DefaultValueFactory = _ => PowerSettings.RunSecondsDefault };
        var campaignMinutes = new Option<string>("--campaign-minutes") { Description = "Fuzzing time of a campaign trial in minutes", DefaultValueFactory = _ => PowerSettings.CampaignMinutesDefault };
        var gateSequences = new Option<string>("--gate-sequences") { Description = "Budget of a gate trial in sequences (at most the gate's 1000)", DefaultValueFactory = _ => "1000" };
        var output = new Option<string?>("--out") { Description = "Report folder: trials.tsv, power.md, power.svg (default: reports/power in the repository)" };
        var reportOnly = new Option<bool>("--report-only") { Description = "Run no trial: write power.md and power.svg again from trials.tsv" };
        var command = new Command("power", "Measure how the gate, fuzz run and a campaign find each planted bug over several trials; write a table and a plot")
            { bugs, methods, trials, seed, runSeconds, campaignMinutes, gateSequences, output, reportOnly };
        command.SetAction(parse =>
        {
            try
            {
                string outDirectory = parse.GetValue(output) ?? Path.Combine(RepoLayout.Find().Root, "reports", "power");
                var settings = PowerSettings.Parse(parse.GetValue(bugs)!, parse.GetValue(methods)!, parse.GetValue(trials)!, parse.GetValue(seed)!,
                    parse.GetValue(runSeconds)!, parse.GetValue(campaignMinutes)!, outDirectory, parse.GetValue(reportOnly),
                    parse.GetValue(gateSequences)!);
                new PowerSession(settings, Console.Out).Run();
                return Program.ExitPass;
            }
            catch (Exception e) when (e is PowerException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"fuzz power: {e.Message}");
                return Program.ExitUsage;
            }
        });
        return command;
    }
}
