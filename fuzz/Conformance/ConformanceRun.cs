using System.Text;

namespace Verify.Fuzz.Conformance;

/// <summary>Runs conformance scenarios: checks the machine, builds the agent, clears an earlier run's leftovers, and prints the rows as a table.</summary>
public static class ConformanceRun
{
    /// <summary>Our own cgroups and the agent's binary, with earlier leftovers removed; null with the one-line reason when this machine cannot run the scenarios.</summary>
    public static (OwnCgroups Own, string Agent)? Prepare(out string? unavailable)
    {
        var own = OwnCgroups.Find(out unavailable);
        if (own is null) return null;
        string? agent = NativeAgent.Build(out unavailable);
        if (agent is null) return null;
        var kept = own.RemoveLeftovers();
        if (kept.Count > 0)
        {
            unavailable = $"conformance scenarios skipped: groups of an earlier run still hold tasks that are not ours to end: {string.Join(", ", kept)}";
            return null;
        }
        return (own, agent);
    }

    /// <summary>One scenario on a fresh footprint, removed afterwards even when the scenario throws.</summary>
    public static List<ConformanceRow> Run(OwnCgroups own, string agent, ConformanceScenarios.Scenario scenario)
    {
        using var kernel = new KernelSide(own, agent);
        return scenario.Run(kernel);
    }

    /// <summary>The rows as an aligned text table: scenario, quantity, kernel, model, tolerance, verdict.</summary>
    public static string Table(IEnumerable<ConformanceRow> rows)
    {
        var all = rows.ToList();
        string[] headers = ["scenario", "quantity", "kernel", "model", "tolerance", "verdict"];
        var cells = all.Select(r => new[] { r.Scenario, r.Quantity, r.Kernel, r.Model, r.Tolerance, r.Agrees ? "agrees" : "DISAGREES" }).Prepend(headers).ToList();
        int[] widths = Enumerable.Range(0, headers.Length).Select(i => cells.Max(c => c[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in cells) text.AppendLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        return text.ToString();
    }
}
