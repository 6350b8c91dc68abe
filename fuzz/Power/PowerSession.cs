using System.Diagnostics;
using Verify.Fuzz.Afl;
using Verify.Fuzz.Cli;
using Verify.Fuzz.Engine;
using Verify.Fuzz.Harness;

namespace Verify.Fuzz.Power;

/// <summary>
/// A power run: plans the trials (method by method, trial number by trial number, bug by bug, so an
/// interrupted run has covered every bug evenly), skips the ones trials.tsv already holds, runs the
/// rest one at a time, appending each to trials.tsv as it ends, and writes power.md and power.svg from
/// the whole file. Guarantees: a recorded trial is never run again; a recorded trial whose seed or
/// budget differs from what this run would use is an error before any trial runs (one file, one
/// design); campaign trials are skipped, saying how to install AFL++, when afl-fuzz is missing;
/// the report is written from the file alone, so --report-only and a finished run give the same one.
/// </summary>
public sealed class PowerSession(PowerSettings settings, TextWriter log)
{
    private sealed record Planned(string Bug, PowerMethod Method, int Trial, ulong Seed);

    private readonly string _host = Environment.MachineName;
    private RunTrial? _runTrial;
    private CampaignTrial? _campaignTrial;

    /// <summary>Runs what is missing (unless ReportOnly), then writes the report; returns the paths written.</summary>
    public IReadOnlyList<string> Run()
    {
        if (!settings.ReportOnly) RunTrials();
        return Render();
    }

    private void RunTrials()
    {
        var recorded = TrialFile.Load(settings.TrialsPath).ToDictionary(l => l.Record.Key);
        var plan = Plan();
        foreach (var trial in plan) CheckRecorded(trial, recorded);
        var todo = plan.Where(p => !recorded.ContainsKey((p.Bug, p.Method, p.Trial))).ToList();
        log.WriteLine($"power: {plan.Count} trial(s) planned ({string.Join(", ", settings.Methods.Select(PowerMethods.Name))} on {settings.Bugs.Count} bug(s), " +
                      $"{settings.Trials} each, base seed {settings.BaseSeed}), {plan.Count - todo.Count} already in {settings.TrialsPath}");
        if (todo.Any(p => p.Method == PowerMethod.Campaign) && !CampaignTrial.ToolsInstalled)
        {
            log.WriteLine($"power: afl-fuzz is not installed, so {todo.Count(p => p.Method == PowerMethod.Campaign)} campaign trial(s) are skipped; install it with: {AflTools.InstallCommand}");
            todo.RemoveAll(p => p.Method == PowerMethod.Campaign);
        }
        log.WriteLine($"power: {todo.Count} trial(s) to run");
        if (todo.Count == 0) return;
        if (todo.Any(p => p.Method != PowerMethod.Campaign) && Interlocked.Exchange(ref _warmedUp, 1) == 0) WarmUp();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < todo.Count; i++)
        {
            var trial = todo[i];
            var record = RunOne(trial);
            TrialFile.Append(settings.TrialsPath, record);
            log.WriteLine($"[{i + 1}/{todo.Count} {clock.Elapsed:hh\\:mm\\:ss}] {Describe(record)}");
        }
        log.WriteLine($"power: {todo.Count} trial(s) in {clock.Elapsed.TotalSeconds:F0} s");
    }

    private List<Planned> Plan()
    {
        var plan = new List<Planned>();
        foreach (var method in settings.Methods)
            for (int trial = 1; trial <= settings.Trials; trial++)
                foreach (string bug in settings.Bugs)
                    plan.Add(new Planned(bug, method, trial, TrialSeeds.For(settings.BaseSeed, bug, method, trial)));
        return plan;
    }

    /// <summary>A recorded trial must be the one this run would make: same seed (gate, run) and same budget.</summary>
    private void CheckRecorded(Planned trial, Dictionary<(string, PowerMethod, int), TrialFile.Line> recorded)
    {
        if (!recorded.TryGetValue((trial.Bug, trial.Method, trial.Trial), out var line)) return;
        var r = line.Record;
        string where = $"{settings.TrialsPath}:{line.Number}: trial {r.Trial} of {PowerMethods.Name(r.Method)} on {r.Bug}";
        if (trial.Method != PowerMethod.Campaign && r.Seed != trial.Seed)
            throw new PowerException($"{where} has seed {r.Seed?.ToString() ?? "-"}, this run's would be {trial.Seed} (another --seed); use the same --seed or another --out");
        (string What, bool Same) budget = trial.Method switch
        {
            PowerMethod.Gate => ($"{settings.GateSequences} sequences (--gate-sequences)", r.BudgetSequences == settings.GateSequences),
            PowerMethod.Run => ($"{settings.RunSeconds} s (--run-seconds)", SameSeconds(r.BudgetSeconds, settings.RunSeconds)),
            _ => ($"{settings.CampaignMinutes} min (--campaign-minutes)", SameSeconds(r.BudgetSeconds, settings.CampaignMinutes * 60)),
        };
        if (!budget.Same) throw new PowerException($"{where} was recorded with another budget than this run's {budget.What}; use the same budget or another --out");
    }

    private static bool SameSeconds(double? recorded, double asked) => recorded is { } r && Math.Round(r, 6) == Math.Round(asked, 6);

    private TrialRecord RunOne(Planned trial)
    {
        string traces = Path.Combine(settings.OutputDirectory, "traces");
        switch (trial.Method)
        {
            case PowerMethod.Gate:
                return GateTrial.Run(trial.Bug, trial.Trial, trial.Seed, settings.GateSequences, traces, _host);
            case PowerMethod.Run:
                _runTrial ??= NewRunTrial(traces);
                return _runTrial.Run(trial.Bug, trial.Trial, trial.Seed, settings.RunSeconds);
            default:
                _campaignTrial ??= new CampaignTrial(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar), _host, log);
                return _campaignTrial.Run(trial.Bug, trial.Trial, settings.CampaignMinutes,
                    Path.Combine(settings.OutputDirectory, "campaigns", trial.Bug, $"trial-{trial.Trial}"));
        }
    }

    private RunTrial NewRunTrial(string traces)
    {
        string corpus = RepoLayout.Find().Corpus;
        var inputs = RunCommand.LoadCorpus(corpus) ?? throw new PowerException($"the corpus {corpus} has an unreadable input (see above)");
        log.WriteLine($"power: run trials mutate {inputs.Count} corpus input(s) from {corpus}");
        return new RunTrial(inputs, corpus, traces, _host);
    }

    private static int _warmedUp;

    /// <summary>Runs a few scenarios untimed, once per process, so the first timed trial does not pay for compiling the harness.</summary>
    private static void WarmUp()
    {
        var runner = new Runner();
        var random = new SplitMix64(1);
        for (int i = 0; i < 24; i++) runner.Run(ScenarioGenerator.Generate(random.Next(), 64), i % 2 == 0 ? CheckLevel.Full : CheckLevel.Cheap);
    }

    private static string Describe(TrialRecord r)
    {
        string seed = r.Seed is { } s ? $"seed {s}" : "no seed";
        string inputs = r.Sequences is { } n ? $" at input {n}" : "";
        return r.Found
            ? $"{PowerMethods.Name(r.Method)} {r.Bug} trial {r.Trial}, {seed}: found{inputs} after {r.Seconds:F3} s, shrunk to {r.ShrunkOps?.ToString() ?? "?"} operation(s)"
            : $"{PowerMethods.Name(r.Method)} {r.Bug} trial {r.Trial}, {seed}: not found in {(r.Sequences is { } m ? $"{m} input(s), " : "")}{r.Seconds:F1} s (censored)";
    }

    private List<string> Render()
    {
        var trials = TrialFile.Load(settings.TrialsPath).Select(l => l.Record).ToList();
        if (trials.Count == 0)
        {
            if (settings.ReportOnly) throw new PowerException($"{settings.TrialsPath}: no trials recorded; run fuzz power without --report-only first");
            log.WriteLine($"power: no trials recorded in {settings.TrialsPath}, so no report");
            return [];
        }
        var summary = new PowerSummary(trials);
        Directory.CreateDirectory(settings.OutputDirectory);
        string table = Path.Combine(settings.OutputDirectory, PowerTable.FileName);
        File.WriteAllText(table, PowerTable.Render(summary, TrialFile.FileName));
        var written = new List<string> { table };
        log.WriteLine($"power: {table} ({trials.Count} trials)");
        if (PowerPlot.Draw(summary, settings.OutputDirectory, log) is { } picture)
        {
            written.Add(picture);
            log.WriteLine($"power: {picture}");
        }
        return written;
    }
}
