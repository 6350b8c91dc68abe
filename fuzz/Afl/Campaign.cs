using System.Diagnostics;
using System.Runtime.InteropServices;
using Verify.Fuzz.Harness;

namespace Verify.Fuzz.Afl;

/// <summary>
/// A whole AFL++ campaign: build, instrument, seed, fuzz with one -M and Jobs-1 -S instances while
/// printing progress, stop (at the deadline, on Ctrl-C or SIGTERM, or when every instance has
/// ended), triage the crashes into regression tests, measure coverage, draw the chart, summarize.
/// Guarantees: every afl-fuzz it starts is stopped before triage begins; triage runs however the
/// fuzzing ended; the summary is also written to OUT/summary.txt.
/// </summary>
public sealed class Campaign(CampaignSettings settings, TextWriter log)
{
    /// <summary>Power schedules for secondaries, in turn, so they do not all explore alike (AFL++ docs, "Using multiple cores").</summary>
    private static readonly string[] SecondarySchedules = ["explore", "coe", "fast", "lin", "quad", "exploit", "rare"];
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5), StopGrace = TimeSpan.FromSeconds(20);

    private volatile bool _stopRequested;

    public int Run()
    {
        Directory.CreateDirectory(settings.OutputDirectory);
        Directory.CreateDirectory(settings.LogDirectory);
        log.WriteLine($"campaign: repository {settings.Repo.Root}; output {settings.OutputDirectory}");
        var tools = AflTools.Ensure(log, Path.Combine(settings.LogDirectory, "apt.log"));
        var environment = AflEnvironment.Create();
        // afl-fuzz exits once it has saved its first crash: time to first crash is all a power trial reads.
        if (settings.UntilFirstCrash) environment["AFL_BENCH_UNTIL_CRASH"] = "1";
        PrepareTargets();

        var clock = Stopwatch.StartNew();
        if (!settings.TriageOnly)
        {
            Seed();
            Fuzz(tools, environment, clock);
        }
        var fuzzed = clock.Elapsed;
        var stats = CampaignStats.Read(settings.SyncDirectory);
        var triage = Triage(tools, environment);
        string coverage = "afl queue: " + MeasureCoverage();
        if (settings.CompareGenerator && !settings.TriageOnly) coverage += "fscheck generator: " + MeasureGeneratorCoverage(fuzzed);
        string? plot = Plot(tools);
        var summary = CampaignSummary.Format(settings, fuzzed, stats, triage, coverage, plot);
        log.Write(summary);
        File.WriteAllText(Path.Combine(settings.OutputDirectory, "summary.txt"), summary);
        return triage.Findings.Count > 0 || triage.GroupsNotReproduced.Count > 0 ? 1 : 0;
    }

    private void PrepareTargets()
    {
        string buildOutput = settings.BuildOutput ?? BuildRelease();
        log.WriteLine($"campaign: instrumenting {buildOutput} into {settings.TargetDirectory} (AFL edges) and {settings.BlocksTargetDirectory} (block coverage)");
        var edges = InstrumentedCopy.Create(buildOutput, settings.TargetDirectory, ProbeMode.Edges);
        InstrumentedCopy.Create(buildOutput, settings.BlocksTargetDirectory, ProbeMode.Blocks);
        log.WriteLine($"campaign: {edges.Model.Marker.ProbeCount} probes in Verify.Model, {edges.Impl.Marker.ProbeCount} in Verify.Impl");
    }

    private string BuildRelease()
    {
        log.WriteLine($"campaign: building {settings.Repo.FuzzProject} (dotnet build -c Release)");
        return settings.Repo.BuildRelease(Path.Combine(settings.LogDirectory, "build.log"));
    }

    private void Seed()
    {
        var seeds = SeedCorpus.Prepare(settings.SeedsDirectory, settings.InputDirectory, new FuzzTarget(settings.Planted));
        log.WriteLine(seeds.BuiltIn
            ? $"campaign: no usable seed under {settings.SeedsDirectory}; starting from {seeds.Written} built-in inputs"
            : $"campaign: {seeds.Written} seeds from {settings.SeedsDirectory} in {settings.InputDirectory}");
        foreach (string failing in seeds.Failing) log.WriteLine($"campaign: seed left out because it already fails: {failing}");
        foreach (string unreadable in seeds.Unreadable) log.WriteLine($"campaign: seed skipped, unreadable: {unreadable}");
    }

    private void Fuzz(AflTools tools, Dictionary<string, string> environment, Stopwatch clock)
    {
        var target = AflEnvironment.TargetCommand(settings.TargetDirectory, settings.Planted);
        log.WriteLine($"campaign: {settings.Jobs} afl-fuzz instance(s) for {settings.Duration.TotalMinutes:0.#} min: {string.Join(' ', target)}; Ctrl-C stops and triages");
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStopSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStopSignal);
        var instances = new List<AflInstance>();
        try
        {
            for (int i = 0; i < settings.Jobs; i++)
            {
                bool main = i == 0;
                instances.Add(AflInstance.Start(tools.Fuzz, main ? settings.MainName : settings.SecondaryName(i), main,
                    main ? null : SecondarySchedules[(i - 1) % SecondarySchedules.Length], settings.InputDirectory, settings.SyncDirectory,
                    settings.TimeoutMs, target, environment, settings.LogDirectory));
            }
            var nextProgress = ProgressInterval;
            while (!_stopRequested && clock.Elapsed < settings.Duration && instances.Any(i => !i.HasExited))
            {
                Thread.Sleep(200);
                if (clock.Elapsed < nextProgress) continue;
                nextProgress += ProgressInterval;
                log.WriteLine(CampaignStats.Read(settings.SyncDirectory).ProgressLine(clock.Elapsed));
                if (!settings.UntilFirstCrash) foreach (var ended in instances.Where(i => i.HasExited)) ReportEnded(ended);
            }
            string why = _stopRequested ? "stop requested" : clock.Elapsed >= settings.Duration ? "time is up"
                : settings.UntilFirstCrash ? "every instance has stopped at its first crash (--until-first-crash)" : "every instance has ended";
            log.WriteLine($"campaign: {why}; stopping afl-fuzz");
        }
        finally
        {
            foreach (var instance in instances) instance.RequestStop();
            foreach (var instance in instances) instance.WaitOrKill(StopGrace);
            foreach (var instance in instances.Where(i => i.ExitCode != 0)) ReportEnded(instance);
            foreach (var instance in instances) instance.Dispose();
        }
    }

    private readonly HashSet<string> _reportedEnded = new(StringComparer.Ordinal);

    private void ReportEnded(AflInstance instance)
    {
        if (!_reportedEnded.Add(instance.Name)) return;
        log.WriteLine($"campaign: {instance.Name} ended (exit {instance.ExitCode}); the end of {instance.LogPath}:");
        log.WriteLine(instance.LogTail(8));
    }

    /// <summary>The first Ctrl-C (or SIGTERM) stops fuzzing and goes on to triage; a second one ends the process at once.</summary>
    private void OnStopSignal(PosixSignalContext context)
    {
        if (_stopRequested) return;
        _stopRequested = true;
        context.Cancel = true;
        log.WriteLine("campaign: stopping (press Ctrl-C again to quit without triage)");
    }

    private TriageResult Triage(AflTools tools, Dictionary<string, string> environment)
    {
        var crashes = Directory.Exists(settings.SyncDirectory)
            ? Directory.EnumerateDirectories(settings.SyncDirectory)
                .Select(instance => Path.Combine(instance, "crashes"))
                .Where(Directory.Exists)
                .SelectMany(directory => Directory.EnumerateFiles(directory, "id:*"))
                .Order(StringComparer.Ordinal).ToList()
            : [];
        log.WriteLine($"campaign: triaging {crashes.Count} crash file(s) into {settings.RegressionsDirectory}");
        string origin = settings.Planted is null ? $"host {settings.HostName}" : $"planted bug {settings.Planted}, host {settings.HostName}";
        var triageSettings = new TriageSettings(settings.Planted, settings.RegressionsDirectory, settings.TriageDirectory, tools.Tmin,
            settings.TargetDirectory, settings.TimeoutMs, settings.TminLimit, environment, origin);
        return CrashTriage.Run(crashes, triageSettings, log);
    }

    /// <summary>Runs every queued input of every instance through the blocks-instrumented target and returns its report.</summary>
    private string MeasureCoverage()
    {
        var queues = Directory.Exists(settings.SyncDirectory)
            ? Directory.EnumerateDirectories(settings.SyncDirectory).Select(d => Path.Combine(d, "queue")).Where(Directory.Exists).ToList()
            : [];
        if (queues.Count == 0) return "no queue to measure\n";
        return RunCoverageReport(queues, TimeSpan.FromMinutes(30), "coverage.log");
    }

    /// <summary>
    /// The coverage the FsCheck properties' scenario generator reaches in the time the campaign
    /// fuzzed, on one core, in the same blocks-instrumented target (GeneratorInputs).
    /// </summary>
    private string MeasureGeneratorCoverage(TimeSpan fuzzed)
    {
        log.WriteLine($"campaign: measuring the FsCheck generator's coverage for {fuzzed.TotalSeconds:F0} s on one core (--compare-generator)");
        string seconds = Math.Max(1, fuzzed.TotalSeconds).ToString("F0", System.Globalization.CultureInfo.InvariantCulture);
        return RunCoverageReport(["--generator-seconds", seconds], fuzzed + TimeSpan.FromMinutes(5), "generator-coverage.log");
    }

    /// <summary>`afl-target --coverage-report ARGS` in the blocks-instrumented target: its report, or why it failed.</summary>
    private string RunCoverageReport(IEnumerable<string> args, TimeSpan limit, string logName)
    {
        var command = AflEnvironment.TargetCommand(settings.BlocksTargetDirectory, settings.Planted);
        command.Add("--coverage-report");
        command.AddRange(args);
        var result = ExternalCommand.Run(command[0], command.Skip(1), limit, logPath: Path.Combine(settings.LogDirectory, logName));
        return result.ExitCode == 0 ? result.Output : $"measuring failed (exit {result.ExitCode}):\n{result.LastLines(5)}\n";
    }

    private string? Plot(AflTools tools)
    {
        string mainDirectory = Path.Combine(settings.SyncDirectory, settings.MainName);
        if (tools.Plot is null || !File.Exists(Path.Combine(mainDirectory, "plot_data"))) return null;
        var result = ExternalCommand.Run(tools.Plot, [mainDirectory, settings.PlotDirectory], TimeSpan.FromMinutes(2), logPath: Path.Combine(settings.LogDirectory, "afl-plot.log"));
        string index = Path.Combine(settings.PlotDirectory, "index.html");
        if (result.ExitCode == 0 && File.Exists(index)) return index;
        log.WriteLine($"campaign: afl-plot failed (exit {result.ExitCode}): {result.LastLines(3)}");
        return null;
    }
}
