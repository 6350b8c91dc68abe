using System.Globalization;
using System.Text;

namespace Verify.Fuzz.Afl;

/// <summary>The closing report of a campaign: what ran, how fast, what it found and where the findings went.</summary>
public static class CampaignSummary
{
    public static string Format(CampaignSettings settings, TimeSpan fuzzed, CampaignStats stats, TriageResult triage, string coverage, string? plot)
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine();
        text.AppendLine(c, $"campaign summary: {settings.OutputDirectory}");
        text.AppendLine(c, $"  target: {(settings.Planted is null ? "impl" : $"impl with planted bug {settings.Planted}")}; {stats.Instances.Count} instance(s) on host {settings.HostName}; fuzzed {fuzzed:hh\\:mm\\:ss}");
        double seconds = Math.Max(1, fuzzed.TotalSeconds);
        if (!settings.TriageOnly)
        {
            text.AppendLine(c, $"  executions: {stats.Executions:N0} ({stats.Executions / seconds:N0}/s overall, {stats.Executions / seconds / Math.Max(1, stats.Instances.Count):N0}/s per instance)");
        }
        foreach (var instance in stats.Instances)
        {
            text.AppendLine(c, $"    {instance.Name}: {instance.Executions:N0} execs, {instance.Paths} paths, map {instance.MapCoveragePercent:F2}% ({instance.EdgesFound} edges), " +
                $"stability {(instance.StabilityPercent is { } s ? $"{s:F2}%" : "n/a")}, {instance.Crashes} crashes, {instance.Hangs} hangs");
        }
        text.AppendLine(c, $"  crashes: {triage.CrashFiles} file(s) saved by afl-fuzz, {triage.Findings.Count} distinct finding(s) after triage, " +
            $"{triage.NotReproduced.Count} file(s) not reproduced, {triage.GroupsNotReproduced.Count} group(s) lost while minimizing");
        foreach (var finding in triage.Findings)
        {
            text.AppendLine(c, $"    {finding.Signature}: {finding.Description}");
            text.AppendLine(c, $"      {finding.CrashCount} crash file(s); {finding.OpsFound} -> {finding.OpsSaved} operations ({finding.Note})");
            text.AppendLine(c, $"      regression: {finding.RegressionBin} (+ .trace); replay: fuzz replay {finding.RegressionBin}{(settings.Planted is null ? "" : $" --planted {settings.Planted}")}");
        }
        foreach (string problem in triage.NotReproduced.Take(10)) text.AppendLine(c, $"    not reproduced: {problem}");
        foreach (string group in triage.GroupsNotReproduced) text.AppendLine(c, $"    group not reproduced: {group}");
        foreach (string line in coverage.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("    ", StringComparison.Ordinal)))
            text.AppendLine(c, $"  {line.Trim()}");
        text.AppendLine(c, $"  coverage details: {Path.Combine(settings.LogDirectory, "coverage.log")}");
        text.AppendLine(plot is null ? "  chart: none (needs gnuplot and a main instance's plot_data)" : $"  chart: {plot}");
        return text.ToString();
    }
}
