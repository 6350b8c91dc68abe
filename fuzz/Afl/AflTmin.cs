using System.Globalization;

namespace Verify.Fuzz.Afl;

/// <summary>
/// Minimizes one crashing input with afl-tmin against the instrumented target (afl-tmin keeps
/// whatever still crashes and reaches the same coverage path; the caller then checks that the
/// result still fails the same way). Guarantees: returns null, with the reason, instead of
/// throwing when afl-tmin fails or overruns its time limit; never touches the input file.
/// </summary>
public static class AflTmin
{
    public sealed record Outcome(byte[]? Minimized, string Note);

    public static Outcome Minimize(string aflTmin, string inputPath, string workDirectory, int timeoutMs, IReadOnlyList<string> target,
        IReadOnlyDictionary<string, string> environment, TimeSpan limit)
    {
        Directory.CreateDirectory(workDirectory);
        string output = Path.Combine(workDirectory, Path.GetFileName(inputPath) + ".tmin");
        if (File.Exists(output)) File.Delete(output);
        var arguments = new List<string> { "-i", inputPath, "-o", output, "-t", timeoutMs.ToString(CultureInfo.InvariantCulture), "-m", "none", "--" };
        arguments.AddRange(target);
        string log = Path.Combine(workDirectory, Path.GetFileName(inputPath) + ".tmin.log");
        var result = ExternalCommand.Run(aflTmin, arguments, limit, environment, workDirectory, log);
        if (result.TimedOut) return new Outcome(null, $"afl-tmin did not finish within {limit.TotalSeconds:F0} s (log {log})");
        if (result.ExitCode != 0 || !File.Exists(output)) return new Outcome(null, $"afl-tmin failed (exit {result.ExitCode}; log {log})");
        return new Outcome(File.ReadAllBytes(output), "afl-tmin");
    }
}
