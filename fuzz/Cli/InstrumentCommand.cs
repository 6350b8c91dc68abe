using System.CommandLine;
using Verify.Fuzz.Afl;

namespace Verify.Fuzz.Cli;

/// <summary>
/// fuzz instrument: writes an instrumented copy of a fuzz build output (by default the one this
/// command runs from) into --out, for afl-fuzz (edges) or for measuring coverage (--blocks).
/// `dotnet OUT/Verify.Fuzz.dll replay corpus` must still pass: instrumentation only counts.
/// </summary>
public static class InstrumentCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Folder for the instrumented copy (new, empty, or an earlier instrumented copy)", Required = true };
        var from = new Option<string>("--from") { Description = "The fuzz build output to copy (default: the folder this command runs from)", DefaultValueFactory = _ => AppContext.BaseDirectory };
        var blocks = new Option<bool>("--blocks") { Description = "Record block coverage with consecutive ids (for afl-target --coverage-report) instead of AFL edges" };
        var command = new Command("instrument", "Copy a fuzz build output, rewriting Verify.Model.dll and Verify.Impl.dll to record coverage into AFL's map") { output, from, blocks };
        command.SetAction(parse => Run(parse.GetValue(from)!, parse.GetValue(output)!, parse.GetValue(blocks) ? ProbeMode.Blocks : ProbeMode.Edges));
        return command;
    }

    private static int Run(string from, string output, ProbeMode mode)
    {
        try
        {
            var result = InstrumentedCopy.Create(from, output, mode);
            foreach (var assembly in new[] { result.Model, result.Impl })
            {
                Console.WriteLine($"instrumented {Path.GetFileName(assembly.Path)}: {assembly.Marker.ProbeCount} probes in {assembly.MethodCount} methods ({mode.ToString().ToLowerInvariant()}); probe list {assembly.ProbeListPath}");
            }
            Console.WriteLine($"run it with: dotnet {Path.Combine(result.TargetDirectory, InstrumentedCopy.HarnessAssembly)} afl-target");
            return Program.ExitPass;
        }
        catch (Exception e) when (e is InstrumentationException or IOException or UnauthorizedAccessException or BadImageFormatException)
        {
            Console.Error.WriteLine($"fuzz instrument: {e.Message}");
            return Program.ExitUsage;
        }
    }
}
