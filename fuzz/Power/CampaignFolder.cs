using System.Globalization;
using System.Text.RegularExpressions;
using Verify.Fuzz.Formats;

namespace Verify.Fuzz.Power;

/// <summary>
/// What a finished `fuzz campaign --planted BUG --out DIR` left in DIR, read as a trial's result:
/// found when triage saved at least one regression (DIR/regressions/*.trace, a crash confirmed in
/// process); the first crash's time and executions from AFL++'s crash file names
/// (`id:N,sig:S,src:N,time:MS,execs:N,...`: milliseconds since that afl-fuzz started, by AFL++'s own
/// clock, and its execution count then), or, for a name without them, the file's write time after the
/// instance's fuzzer_stats start_time; the shrunk length is the shortest saved regression's.
/// Guarantees: reads only, never throws for a missing folder (nothing found), and is independent of
/// directory enumeration order.
/// </summary>
public static partial class CampaignFolder
{
    public sealed record Outcome(bool Found, double? FirstCrashSeconds, long? FirstCrashExecutions, int? ShrunkOps, int CrashFiles);

    public static Outcome Measure(string directory)
    {
        var regressions = Directory.Exists(Path.Combine(directory, "regressions"))
            ? Directory.EnumerateFiles(Path.Combine(directory, "regressions"), "*.trace").Order(StringComparer.Ordinal).ToList()
            : [];
        int? shrunk = regressions.Count == 0 ? null : regressions.Min(path => TraceFormat.ParseFile(path).Ops.Count);
        var crashes = new List<(double Seconds, long? Executions)>();
        string sync = Path.Combine(directory, "sync");
        if (Directory.Exists(sync))
        {
            foreach (string instance in Directory.EnumerateDirectories(sync).Order(StringComparer.Ordinal))
            {
                string crashDirectory = Path.Combine(instance, "crashes");
                if (!Directory.Exists(crashDirectory)) continue;
                double? started = StartTime(Path.Combine(instance, "fuzzer_stats"));
                foreach (string file in Directory.EnumerateFiles(crashDirectory, "id:*").Order(StringComparer.Ordinal))
                {
                    if (CrashTime(Path.GetFileName(file), out double seconds, out long? executions)) crashes.Add((seconds, executions));
                    else if (started is { } start) crashes.Add((new DateTimeOffset(File.GetLastWriteTimeUtc(file)).ToUnixTimeMilliseconds() / 1000.0 - start, null));
                }
            }
        }
        var first = crashes.Count == 0 ? ((double, long?)?)null : crashes.MinBy(c => c.Seconds);
        return new Outcome(shrunk is not null, first?.Item1, first?.Item2, shrunk, crashes.Count);
    }

    /// <summary>The time (seconds since afl-fuzz started) and execution count in a crash file name; false when it has no time field.</summary>
    public static bool CrashTime(string fileName, out double seconds, out long? executions)
    {
        var match = CrashName().Match(fileName);
        seconds = 0;
        executions = null;
        if (!match.Success) return false;
        seconds = long.Parse(match.Groups["time"].Value, CultureInfo.InvariantCulture) / 1000.0;
        if (match.Groups["execs"].Success) executions = long.Parse(match.Groups["execs"].Value, CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>fuzzer_stats' start_time (Unix seconds), or null.</summary>
    private static double? StartTime(string stats)
    {
        if (!File.Exists(stats)) return null;
        foreach (string line in File.ReadLines(stats))
        {
            string[] parts = line.Split(':', 2);
            if (parts.Length == 2 && parts[0].Trim() == "start_time" && long.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long start))
                return start;
        }
        return null;
    }

    [GeneratedRegex(@"(^|,)time:(?<time>\d+)(,execs:(?<execs>\d+))?(,|$)", RegexOptions.CultureInvariant)]
    private static partial Regex CrashName();
}
