using System.CommandLine;
using Verify.Fuzz.Afl;
using Verify.Fuzz.Planted;

namespace Verify.Fuzz.Cli;

/// <summary>
/// fuzz campaign: an AFL++ campaign from start to regression tests (see fuzz/CAMPAIGNS.md).
/// Exit codes: 0 no finding, 1 findings (saved as regressions), 2 bad usage or a setup failure.
/// </summary>
public static class CampaignCommand
{
    public static Command Create()
    {
        var minutes = new Option<double>("--minutes") { Description = "How long to fuzz", DefaultValueFactory = _ => 10 };
        var jobs = new Option<int>("--jobs") { Description = "afl-fuzz instances: one main (-M), the rest secondaries (-S)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<string?>("--out") { Description = "Campaign folder (default: findings/campaigns/<UTC time> in the repository); reusing one resumes it" };
        var planted = CommonOptions.Planted();
        var seeds = new Option<string?>("--seeds") { Description = "Seed folder (default: the repository's corpus/)" };
        var regressions = new Option<string?>("--regressions") { Description = "Where findings are saved (default: corpus/regressions; with --planted: OUT/regressions)" };
        var timeout = new Option<int>("--timeout-ms") { Description = "afl-fuzz's per-run limit (-t)", DefaultValueFactory = _ => AflEnvironment.TimeoutMsDefault };
        var host = new Option<string>("--host") { Description = "This machine's name in instance names (main-HOST, HOST-sN): unique per machine", DefaultValueFactory = _ => SafeHostName() };
        var buildOutput = new Option<string?>("--build-output") { Description = "Use this fuzz build output instead of building Release" };
        var triageOnly = new Option<bool>("--triage-only") { Description = "Do not fuzz: triage the crashes already in --out (e.g. after syncing other hosts)" };
        var tminSeconds = new Option<int>("--tmin-seconds") { Description = "Time limit of afl-tmin per finding", DefaultValueFactory = _ => 180 };
        var compareGenerator = new Option<bool>("--compare-generator")
            { Description = "After fuzzing, also measure the coverage the FsCheck properties' generator reaches in the same time on one core" };
        var untilFirstCrash = new Option<bool>("--until-first-crash")
            { Description = "Each afl-fuzz instance stops at its first crash (AFL_BENCH_UNTIL_CRASH), and the campaign triages once all have stopped or the time is up (fuzz power's campaign trials)" };
        var command = new Command("campaign", "Run an AFL++ campaign: build, instrument, fuzz, triage crashes into corpus/regressions, summarize")
            { minutes, jobs, output, planted, seeds, regressions, timeout, host, buildOutput, triageOnly, tminSeconds, compareGenerator, untilFirstCrash };
        command.SetAction(parse =>
        {
            string? plantedName = parse.GetValue(planted);
            if (plantedName is not null && !PlantedBugs.All.ContainsKey(plantedName))
            {
                Console.Error.WriteLine($"fuzz campaign: unknown planted bug '{plantedName}' (known: {string.Join(", ", PlantedBugs.All.Keys)})");
                return Program.ExitUsage;
            }
            int jobCount = parse.GetValue(jobs);
            double minuteCount = parse.GetValue(minutes);
            if (jobCount < 1 || minuteCount < 0 || parse.GetValue(timeout) < 10)
            {
                Console.Error.WriteLine("fuzz campaign: --jobs must be at least 1, --minutes at least 0 and --timeout-ms at least 10");
                return Program.ExitUsage;
            }
            try
            {
                var repo = RepoLayout.Find();
                string outDirectory = Path.GetFullPath(parse.GetValue(output)
                    ?? Path.Combine(repo.Root, "findings", "campaigns", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture)));
                string regressionDirectory = Path.GetFullPath(parse.GetValue(regressions)
                    ?? (plantedName is null ? repo.Regressions : Path.Combine(outDirectory, "regressions")));
                var settings = new CampaignSettings(repo, outDirectory, TimeSpan.FromMinutes(minuteCount), jobCount, plantedName,
                    Path.GetFullPath(parse.GetValue(seeds) ?? repo.Corpus), regressionDirectory, parse.GetValue(timeout), parse.GetValue(host)!,
                    parse.GetValue(buildOutput) is { } built ? Path.GetFullPath(built) : null, parse.GetValue(triageOnly),
                    TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(tminSeconds))), parse.GetValue(compareGenerator), parse.GetValue(untilFirstCrash));
                return new Campaign(settings, Console.Out).Run() == 0 ? Program.ExitPass : Program.ExitFinding;
            }
            catch (Exception e) when (e is IOException or InstrumentationException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"fuzz campaign: {e.Message}");
                return Program.ExitUsage;
            }
        });
        return command;
    }

    /// <summary>The machine name, reduced to characters afl-fuzz accepts in an instance name.</summary>
    private static string SafeHostName()
    {
        string name = new(Environment.MachineName.Where(ch => char.IsAsciiLetterOrDigit(ch) || ch == '-' || ch == '_').ToArray());
        return name.Length == 0 ? "host" : name;
    }
}
