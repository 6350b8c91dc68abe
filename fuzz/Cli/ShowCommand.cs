using System.CommandLine;
using Verify.Fuzz.Formats;

namespace Verify.Fuzz.Cli;

/// <summary>fuzz show: prints an input (binary or trace) as trace text, each operation with the model's outcome and effects as a comment; for a binary one, a comment describes its header.</summary>
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
                var scenario = InputFile.Load(path);
                string[] comments = path.EndsWith(".bin", StringComparison.Ordinal)
                    ? [$"decoded from {path}", ByteCodec.DecodeWithHeader(File.ReadAllBytes(path)).Header.Describe()]
                    : [$"decoded from {path}"];
                Console.Write(TraceFormat.Print(scenario, comments, Harness.StepAnnotations.Of(scenario)));
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
