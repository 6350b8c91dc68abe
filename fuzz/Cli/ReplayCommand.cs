using System.CommandLine;
using Verify.Fuzz.Formats;
using Verify.Fuzz.Harness;
using Verify.Fuzz.Planted;

namespace Verify.Fuzz.Cli;

/// <summary>fuzz replay: runs inputs through the differential runner with full checks after every step.</summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = "Input files (.trace or .bin) or folders to search for them", Arity = ArgumentArity.OneOrMore };
        var findings = new Option<string>("--findings") { Description = "Folder for shrunk traces of failures", DefaultValueFactory = _ => "findings" };
        var planted = CommonOptions.Planted();
        var command = new Command("replay", "Replay inputs; exit 0 when all pass, 1 on a finding, 2 on bad usage or unreadable input") { paths, findings, planted };
        command.SetAction(parse => Replay(parse.GetValue(paths)!, parse.GetValue(findings)!, parse.GetValue(planted)));
        return command;
    }

    private static int Replay(string[] paths, string findingsDirectory, string? planted)
    {
        var runner = CommonOptions.RunnerFor(planted);
        if (runner is null) return Program.ExitUsage;
        var inputs = InputFile.Expand(paths);
        if (inputs.Count == 0)
        {
            Console.Error.WriteLine($"fuzz replay: no .trace or .bin inputs under {string.Join(' ', paths)}");
            return Program.ExitUsage;
        }
        int passed = 0, failed = 0, unreadable = 0;
        foreach (var path in inputs)
        {
            Model.Alphabet.Scenario scenario;
            try { scenario = InputFile.Load(path); }
            catch (InputException e)
            {
                Console.Error.WriteLine($"fuzz replay: {e.Message}");
                unreadable++;
                continue;
            }
            var result = runner.RunFresh(scenario, CheckLevel.Full); // each file on its own: its verdict never depends on the files before it
            if (result.Failure is null)
            {
                passed++;
                continue;
            }
            failed++;
            var saved = FailureArtifacts.ShrinkAndSave(runner, scenario, result.Failure, CheckLevel.Full, $"replay of {path}", findingsDirectory, Path.GetFileNameWithoutExtension(path) + ".shrunk");
            Console.WriteLine(Report.Format(result.Failure, scenario, $"replay of {path}"));
            Console.WriteLine("shrunk:");
            Console.WriteLine(saved.ReportText);
        }
        Console.WriteLine($"replay: {passed} passed, {failed} failed{(unreadable > 0 ? $", {unreadable} unreadable" : "")}");
        return failed > 0 ? Program.ExitFinding : unreadable > 0 ? Program.ExitUsage : Program.ExitPass;
    }
}
