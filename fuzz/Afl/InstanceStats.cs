using System.Globalization;

namespace Verify.Fuzz.Afl;

/// <summary>
/// One afl-fuzz instance's numbers, read from its output folder: fuzzer_stats (rewritten every 60
/// seconds by afl-fuzz 4.04c; the only source of stability) and the last line of plot_data
/// (appended every 5 seconds; fresher for executions, paths, map coverage and crashes). A value
/// neither file has yet is 0 (stability: null); afl-fuzz 4.04c writes its first plot line only
/// after a minute, so paths and crashes are also counted from the queue/ and crashes/ folders,
/// which are always current. Reading never fails a campaign: a file that is missing or
/// half-written is read as absent.
/// </summary>
public sealed record InstanceStats(string Name, long Executions, double ExecsPerSecond, long Paths, double MapCoveragePercent,
    long Crashes, long Hangs, double? StabilityPercent, long EdgesFound, bool Current)
{
    public static InstanceStats Read(string instanceDirectory)
    {
        string name = Path.GetFileName(instanceDirectory.TrimEnd('/'));
        var stats = ReadStats(Path.Combine(instanceDirectory, "fuzzer_stats"));
        var plot = ReadLastPlotLine(Path.Combine(instanceDirectory, "plot_data"));
        long Long(string key, int plotColumn) => Math.Max(
            stats.TryGetValue(key, out string? text) && long.TryParse(text, CultureInfo.InvariantCulture, out long value) ? value : 0,
            plot is not null && plot.Length > plotColumn && long.TryParse(plot[plotColumn], CultureInfo.InvariantCulture, out long fresh) ? fresh : 0);
        double Number(string text) => double.TryParse(text.TrimEnd('%'), CultureInfo.InvariantCulture, out double value) ? value : 0;

        double execsPerSecond = plot is { Length: > 10 } && double.TryParse(plot[10], CultureInfo.InvariantCulture, out double rate) ? rate
            : Number(stats.GetValueOrDefault("execs_per_sec", "0"));
        double map = Math.Max(Number(stats.GetValueOrDefault("bitmap_cvg", "0")), plot is { Length: > 6 } ? Number(plot[6]) : 0);
        double? stability = stats.TryGetValue("stability", out string? stabilityText) ? Number(stabilityText) : null;
        return new InstanceStats(name, Long("execs_done", 11), execsPerSecond,
            Math.Max(Long("corpus_count", 3), CountEntries(instanceDirectory, "queue")), map,
            Math.Max(Long("saved_crashes", 7), CountEntries(instanceDirectory, "crashes")),
            Math.Max(Long("saved_hangs", 8), CountEntries(instanceDirectory, "hangs")), stability, Long("edges_found", 12), Current: plot is not null);
    }

    /// <summary>The test cases (files named id:...) in one of the instance's folders.</summary>
    private static long CountEntries(string instanceDirectory, string folder)
    {
        string path = Path.Combine(instanceDirectory, folder);
        return Directory.Exists(path) ? Directory.EnumerateFiles(path, "id:*").LongCount() : 0;
    }

    private static Dictionary<string, string> ReadStats(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in ReadLines(path))
        {
            int colon = line.IndexOf(':');
            if (colon > 0) values[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return values;
    }

    private static string[]? ReadLastPlotLine(string path)
    {
        string? last = ReadLines(path).LastOrDefault(line => line.Length > 0 && line[0] != '#');
        return last?.Split(',', StringSplitOptions.TrimEntries);
    }

    /// <summary>The file's lines, or none when it does not exist yet (afl-fuzz creates it after its first stats interval).</summary>
    private static IEnumerable<string> ReadLines(string path)
    {
        if (!File.Exists(path)) return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n');
    }
}

/// <summary>The campaign's numbers: the instances' stats combined.</summary>
public sealed record CampaignStats(IReadOnlyList<InstanceStats> Instances)
{
    public long Executions => Instances.Sum(i => i.Executions);

    public double ExecsPerSecond => Instances.Sum(i => i.ExecsPerSecond);

    /// <summary>Paths of the largest queue: instances import each other's finds, so summing would count them twice.</summary>
    public long Paths => Instances.Count == 0 ? 0 : Instances.Max(i => i.Paths);

    public double MapCoveragePercent => Instances.Count == 0 ? 0 : Instances.Max(i => i.MapCoveragePercent);

    public long Crashes => Instances.Sum(i => i.Crashes);

    public long Hangs => Instances.Sum(i => i.Hangs);

    /// <summary>The lowest stability any instance reports (null until one has written fuzzer_stats).</summary>
    public double? StabilityPercent => Instances.Select(i => i.StabilityPercent).Where(s => s is not null).Min();

    public static CampaignStats Read(string syncDirectory) => new(
        Directory.Exists(syncDirectory)
            ? Directory.EnumerateDirectories(syncDirectory).Where(d => File.Exists(Path.Combine(d, "fuzzer_setup")) || File.Exists(Path.Combine(d, "plot_data")))
                .Order(StringComparer.Ordinal).Select(InstanceStats.Read).ToList()
            : []);

    /// <summary>Until some instance has written plot_data, executions come from start-up stats and mean little.</summary>
    public bool ExecutionsCurrent => Instances.Any(i => i.Current);

    public string ProgressLine(TimeSpan elapsed) => string.Create(CultureInfo.InvariantCulture,
        $"[{(int)elapsed.TotalMinutes,3}m{elapsed.Seconds:00}s] execs {(ExecutionsCurrent ? $"{Executions:N0} ({ExecsPerSecond:N0}/s)" : "(first report after 1 min)")}  paths {Paths}  map {MapCoveragePercent:F2}%  " +
        $"crashes {Crashes}  hangs {Hangs}  stability {(StabilityPercent is { } s ? $"{s:F2}%" : "n/a")}  ({Instances.Count} instances)");
}
