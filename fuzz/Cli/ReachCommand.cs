using System.CommandLine;
using Verify.Fuzz.Engine;
using Verify.Fuzz.Formats;
using Verify.Fuzz.Harness;
using Verify.Model.Alphabet;

namespace Verify.Fuzz.Cli;

/// <summary>
/// fuzz reach: runs N scenarios (generated from a seed, decoded from random bytes, or the corpus
/// files) through the differential runner and prints what they reach: per operation how often it
/// was drawn and ran, per (operation, outcome) the count, per mood/focus group and the reuse events
/// (see ReachCounter). Deterministic: the same arguments print the same tables.
/// </summary>
public static class ReachCommand
{
    public enum Source { Generator, Bytes, Corpus }

    public static Command Create()
    {
        var scenarios = new Option<int>("--scenarios") { Description = "How many scenarios (generator and bytes)", DefaultValueFactory = _ => 2000 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the scenario stream", DefaultValueFactory = _ => 1 };
        var opsMax = new Option<int>("--ops-max") { Description = "Longest generated sequence", DefaultValueFactory = _ => 256 };
        var bytesMax = new Option<int>("--bytes-max") { Description = "Longest random byte input (bytes source)", DefaultValueFactory = _ => 600 };
        var source = new Option<Source>("--source") { Description = "generator: ScenarioGenerator; bytes: random byte strings through ByteCodec; corpus: the files under --corpus", DefaultValueFactory = _ => Source.Generator };
        var corpus = new Option<string>("--corpus") { Description = "Folder of inputs for --source corpus", DefaultValueFactory = _ => "corpus" };
        var planted = CommonOptions.Planted();
        var command = new Command("reach", "Count per operation and per (operation, outcome) what generated, random-byte or corpus scenarios reach")
            { scenarios, seed, opsMax, bytesMax, source, corpus, planted };
        command.SetAction(parse =>
        {
            var runner = CommonOptions.RunnerFor(parse.GetValue(planted));
            if (runner is null) return Program.ExitUsage;
            var counter = new ReachCounter(runner);
            ulong chosenSeed = parse.GetValue(seed);
            int count = Math.Max(0, parse.GetValue(scenarios));
            var chosen = parse.GetValue(source);
            string described = chosen switch
            {
                Source.Generator => $"generator, seed {chosenSeed}, {count} scenarios, ops-max {parse.GetValue(opsMax)}",
                Source.Bytes => $"random bytes, seed {chosenSeed}, {count} inputs of 0..{parse.GetValue(bytesMax)} bytes",
                _ => $"corpus {parse.GetValue(corpus)}",
            };
            Console.WriteLine($"fuzz reach: {described}");
            try
            {
                foreach (var (scenario, labels) in Inputs(chosen, chosenSeed, count, Math.Clamp(parse.GetValue(opsMax), 1, Scenario.OpsMax), Math.Max(0, parse.GetValue(bytesMax)), parse.GetValue(corpus)!))
                    counter.Run(scenario, labels);
            }
            catch (InputException e)
            {
                Console.Error.WriteLine($"fuzz reach: {e.Message}");
                return Program.ExitUsage;
            }
            Console.Write(counter.Format());
            if (counter.FirstFailure is not { } first) return Program.ExitPass;
            Console.WriteLine($"first failure: {Report.Describe(first.Failure, first.Scenario)}; its scenario (fuzz run or replay shrinks and saves failures):");
            Console.Write(TraceFormat.Print(first.Scenario));
            return Program.ExitFinding;
        });
        return command;
    }

    private static string SizeBucket(int enabled) => enabled switch { <= 4 => "1-4", <= 8 => "5-8", <= 12 => "9-12", <= 16 => "13-16", _ => "17+" };

    private static IEnumerable<(Scenario Scenario, string[] Labels)> Inputs(Source source, ulong seed, int count, int opsMax, int bytesMax, string corpus)
    {
        var random = new SplitMix64(seed);
        switch (source)
        {
            case Source.Generator:
                for (int i = 0; i < count; i++)
                {
                    var generated = ScenarioGenerator.Draw(random.Next(), opsMax);
                    string subset = generated.WholeAlphabet ? "whole alphabet" : $"subset of {SizeBucket(generated.Swarm.EnabledCount)} operations";
                    string[] labels = generated.Kind is { } kind
                        ? [$"mood {generated.Mood}", $"mood {generated.Mood} on {kind}", $"focus {generated.Focus}", $"swarm {subset}"]
                        : [$"mood {generated.Mood}", $"focus {generated.Focus}", $"swarm {subset}"];
                    yield return (generated.Scenario, labels);
                }
                break;
            case Source.Bytes:
                for (int i = 0; i < count; i++)
                {
                    var bytes = new byte[random.Range(0, bytesMax)];
                    for (int b = 0; b < bytes.Length; b++) bytes[b] = (byte)random.Next();
                    var (scenario, header) = ByteCodec.DecodeWithHeader(bytes);
                    string mood = header.Mood < Moods.Count ? $"mood {Moods.Name(header.Mood)}" : "mood byte naming no mood";
                    yield return (scenario, header.V2 ? ["header v2", $"header v2 {mood}"] : ["header legacy"]);
                }
                break;
            default:
                foreach (var path in InputFile.Expand([corpus])) yield return (InputFile.Load(path), [$"file {Path.GetRelativePath(corpus, path)}"]);
                break;
        }
    }
}
