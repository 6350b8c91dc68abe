using System.CommandLine;
using Verify.Fuzz.Formats;

namespace Verify.Fuzz.Cli;

/// <summary>fuzz encode: turns a trace into the fuzzer's binary form; never overwrites a file.</summary>
public static class EncodeCommand
{
    public static Command Create()
    {
        var trace = new Argument<string>("trace") { Description = "A .trace file" };
        var output = new Option<string>("--output", "-o") { Description = "The .bin file to create (must not exist)", Required = true };
        var command = new Command("encode", "Encode a trace as fuzzer input bytes") { trace, output };
        command.SetAction(parse =>
        {
            string source = parse.GetValue(trace)!, target = parse.GetValue(output)!;
            try
            {
                if (!source.EndsWith(".trace", StringComparison.Ordinal)) throw new InputException(source, 0, 0, "expected a .trace file");
                var bytes = ByteCodec.Encode(InputFile.Load(source));
                using var stream = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
                stream.Write(bytes);
                Console.WriteLine($"wrote {bytes.Length} bytes to {target}");
                return Program.ExitPass;
            }
            catch (InputException e)
            {
                Console.Error.WriteLine($"fuzz encode: {e.Message}");
                return Program.ExitUsage;
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"fuzz encode: {target}: {(File.Exists(target) ? "already exists; refusing to overwrite" : e.Message)}");
                return Program.ExitUsage;
            }
        });
        return command;
    }
}
