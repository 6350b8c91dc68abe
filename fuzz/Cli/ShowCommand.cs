using System.CommandLine;
using Verify.Fuzz.Formats;

namespace Verify.Fuzz.Cli;

/// <summary>fuzz show: prints an input (binary or trace) as trace text.</summary>
public static class ShowCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A .bin or .trace input" };
        var command = new Command("show", "Print an input as trace text") { file };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            try
            {
                Console.Write(TraceFormat.Print(InputFile.Load(path), [$"decoded from {path}"]));
                return Program.ExitPass;
            }
            catch (InputException e)
            {
                Console.Error.WriteLine($"fuzz show: {e.Message}");
                return Program.ExitUsage;
            }
        });
        return command;
    }
}
