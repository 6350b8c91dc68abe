using System.CommandLine;
using System.Diagnostics;
using Verify.Fuzz.Engine;
using Verify.Fuzz.Formats;
using Verify.Fuzz.Harness;
using Verify.Model.Alphabet;

namespace Verify.Fuzz.Cli;

/// <summary>
/// fuzz run: the embedded engine. Input i is a generated scenario or a mutation of a corpus entry,
/// chosen and built from (seed, i) alone, so the same seed replays the same inputs in the same
/// order; only how many fit in the time differs (use --runs for an exact count).
/// </summary>
public static class RunCommand
{
    /// <summary>The default --ops-max: the longest sequence the engine generates.</summary>
    public const int OpsMaxDefault = 256;

    public static Command Create()
    {
        var seconds = new Option<int>("--seconds") { Description = "How long to run", DefaultValueFactory = _ => 60 };
        var runs = new Option<long?>("--runs") { Description = "Stop after this many inputs (exactly reproducible)" };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the run (default: derived from the current time, and printed)" };
        var corpus = new Option<string>("--corpus") { Description = "Corpus folder whose inputs are mutated", DefaultValueFactory = _ => "corpus" };
        var findings = new Option<string>("--findings") { Description = "Folder where failures are written (never overwritten)", DefaultValueFactory = _ => "findings" };
        var opsMax = new Option<int>("--ops-max") { Description = "Longest generated sequence", DefaultValueFactory = _ => OpsMaxDefault };
        var planted = CommonOptions.Planted();
        var check = new Option<CheckLevel>("--check")
        {
            Description = "Cheap: digest and cheap invariants every step, full checks at the end; Full: snapshots, every invariant and every self-check after every step",
            DefaultValueFactory = _ => CheckLevel.Cheap,
        };
        var selfChecks = new Option<bool>("--self-checks")
        {
            Description = "Run the impl structures' self-checks (S*) with the full checks; 'false' only to measure what they add",
            DefaultValueFactory = _ => true,
        };
        var command = new Command("run", "Run the embedded fuzzing engine (random sequences and corpus mutations, in process)")
            { seconds, runs, seed, corpus, findings, opsMax, planted, check, selfChecks };
        command.SetAction(parse =>
        {
            var runner = CommonOptions.RunnerFor(parse.GetValue(planted));
            if (runner is null) return Program.ExitUsage;
            ulong chosenSeed = parse.GetValue(seed) ?? (ulong)DateTime.UtcNow.Ticks;
            int opsLimit = Math.Clamp(parse.GetValue(opsMax), 1, Scenario.OpsMax);
            runner.SelfChecks = parse.GetValue(selfChecks);
            var options = new EngineOptions(chosenSeed, parse.GetValue(seconds), parse.GetValue(runs), parse.GetValue(corpus)!, parse.GetValue(findings)!, opsLimit,
                parse.GetValue(check));
            return Execute(runner, options);
        });
        return command;
    }

    public sealed record EngineOptions(ulong Seed, int Seconds, long? Runs, string Corpus, string Findings, int OpsMax, CheckLevel Check);

    private static int Execute(Runner runner, EngineOptions options)
    {
        var corpus = LoadCorpus(options.Corpus);
        if (corpus is null) return Program.ExitUsage;
        Console.WriteLine($"fuzz run: seed {options.Seed} ({corpus.Count} corpus inputs from {options.Corpus}), checks {options.Check}" +
                          $"{(runner.SelfChecks ? "" : ", self-checks off")}; replay with --seed {options.Seed}");
        var signatures = new HashSet<string>(StringComparer.Ordinal);
        long sequences = 0, operations = 0, failures = 0;
        var clock = Stopwatch.StartNew();
        long nextProgressMs = 1000;
        while (clock.Elapsed.TotalSeconds < options.Seconds && (options.Runs is null || sequences < options.Runs))
        {
            var scenario = NextInput(options, corpus, sequences);
            var result = runner.Run(scenario, options.Check);
            sequences++;
            operations += result.OpsRun;
            if (result.Failure is { } failure)
            {
                failures++;
                string signature = failure.Signature(Report.FailingKeyword(failure, scenario));
                if (signatures.Add(signature))
                {
                    string origin = $"fuzz run --seed {options.Seed}, input {sequences - 1}";
                    var saved = FailureArtifacts.ShrinkAndSave(runner, scenario, failure, options.Check, origin, options.Findings, $"run-{options.Seed}-{sequences - 1}");
                    Console.WriteLine(saved.ReportText);
                }
            }
            if (clock.ElapsedMilliseconds >= nextProgressMs)
            {
                nextProgressMs += 1000;
                Console.WriteLine($"[{clock.Elapsed.TotalSeconds,5:F0}s] sequences {sequences} ops {operations} ops/s {operations / clock.Elapsed.TotalSeconds:F0} failures {failures} (distinct {signatures.Count})");
            }
        }
        double elapsed = Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
        Console.WriteLine($"summary: seed {options.Seed}, {sequences} sequences, {operations} operations in {elapsed:F1} s, " +
                          $"{operations / elapsed:F0} ops/s, {sequences / elapsed:F0} sequences/s, {failures} failures ({signatures.Count} distinct)" +
                          (signatures.Count > 0 ? $", written under {options.Findings}/" : ""));
        return failures > 0 ? Program.ExitFinding : Program.ExitPass;
    }

    /// <summary>Input index of a run (shared with fuzz power's run trials): built from (seed, index) and the corpus alone.</summary>
    internal static Scenario NextInput(EngineOptions options, List<byte[]> corpus, long index)
    {
        var random = new SplitMix64(options.Seed ^ Model.Contract.StateDigest.Mix((ulong)index + 1));
        if (corpus.Count > 0 && random.Chance(30))
        {
            var parent = corpus[(int)random.Range(0, corpus.Count - 1)];
            return ByteCodec.Decode(ByteMutator.Mutate(ref random, parent, corpus));
        }
        return ScenarioGenerator.Generate(random.Next(), options.OpsMax);
    }

    /// <summary>Every corpus input in binary form; null (after a message) if one is unreadable.</summary>
    internal static List<byte[]>? LoadCorpus(string directory)
    {
        var inputs = new List<byte[]>();
        if (!Directory.Exists(directory)) return inputs;
        foreach (var path in InputFile.Expand([directory]))
        {
            try { inputs.Add(ByteCodec.Encode(InputFile.Load(path))); }
            catch (InputException e)
            {
                Console.Error.WriteLine($"fuzz run: {e.Message}");
                return null;
            }
        }
        return inputs;
    }
}
