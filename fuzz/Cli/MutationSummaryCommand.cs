using System.CommandLine;
using System.Globalization;
using Verify.Fuzz.Mutation;

namespace Verify.Fuzz.Cli;

/// <summary>
/// fuzz mutation-summary: Stryker JSON reports (one, or the shards of one run) against the
/// equivalent-mutant and looping-mutant lists, as one summary. Prints the status counts, Stryker's
/// score and the score without equivalent mutants, then every untriaged survivor, timeout and
/// uncovered mutant (file:line, mutator, replacement). Exit 0 when none is left, 1 when some are,
/// 2 on unreadable input.
/// </summary>
public static class MutationSummaryCommand
{
    public static Command Create()
    {
        var reports = new Argument<string[]>("reports") { Description = "Stryker mutation-report.json files (the shards of one run are summed)", Arity = ArgumentArity.OneOrMore };
        var equivalents = new Option<string?>("--equivalents") { Description = "The equivalent-mutant list (tab-separated: file, line, mutator, original, replacement, reason)" };
        var looping = new Option<string?>("--looping") { Description = "The looping-mutant list: timeouts reviewed as mutants that never end (same six fields)" };
        var command = new Command("mutation-summary", "Summarize a Stryker report: scores with and without the listed equivalent mutants, and the untriaged mutants")
            { reports, equivalents, looping };
        command.SetAction(parse =>
        {
            try
            {
                var mutants = parse.GetValue(reports)!.SelectMany(MutationReport.Load).ToList();
                var equivalentList = parse.GetValue(equivalents) is { } equivalentPath ? ReviewedMutants.Load(equivalentPath) : [];
                var loopingList = parse.GetValue(looping) is { } loopingPath ? ReviewedMutants.Load(loopingPath) : [];
                var s = MutationSummary.Of(mutants, equivalentList, loopingList);
                var c = CultureInfo.InvariantCulture;
                Console.WriteLine(string.Create(c, $"mutation: killed {s.Killed}, timeout {s.Timeout} (looping {s.Looping}), survived {s.Survived}, no coverage {s.NoCoverage}; equivalent {s.Equivalent} (of them timeouts {s.EquivalentTimeouts})"));
                Console.WriteLine(string.Create(c, $"mutation: Stryker's score {s.StrykerScore:F2}%, without the equivalent mutants {s.Score:F2}%, untriaged {s.Untriaged.Count}"));
                foreach (var m in s.Untriaged) Console.WriteLine($"  {m.Status,-10} {m.File}:{m.Line} {m.Mutator}: {m.Replacement}");
                return s.Untriaged.Count == 0 ? Program.ExitPass : Program.ExitFinding;
            }
            catch (MutationReportException e)
            {
                Console.Error.WriteLine($"fuzz mutation-summary: {e.Message}");
                return Program.ExitUsage;
            }
        });
        return command;
    }
}
