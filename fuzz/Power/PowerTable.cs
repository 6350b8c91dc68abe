using System.Globalization;
using System.Text;

namespace Verify.Fuzz.Power;

/// <summary>
/// power.md: the power report as Markdown. A header states where the numbers come from, each
/// method's budget and the censoring convention; one table row per planted bug with, per method,
/// found k/K, the time to the first detection and the inputs run until then (median [min–max] over
/// the trials, censored trials at their budget), and the median shrunk length; then one line per
/// method over all bugs. Guarantees: a pure function of the summary (the same trials give the same
/// text, byte for byte).
/// </summary>
public static class PowerTable
{
    public const string FileName = "power.md";

    public static string Render(PowerSummary summary, string trialsPath)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("# Power report: how the suite finds its planted bugs");
        text.AppendLine();
        var hosts = summary.Trials.Select(t => t.Host).Distinct().Order(StringComparer.Ordinal).ToList();
        text.Append(c, $"From `{trialsPath}` beside this file: {summary.Trials.Count} trials of {summary.Bugs.Count} planted bugs on {string.Join(", ", hosts.Select(h => $"`{h}`"))}. ");
        text.AppendLine("Written by `fuzz power`; `fuzz power --report-only --out DIR` writes it again from the trials.");
        text.AppendLine();
        foreach (var method in summary.Methods) text.AppendLine(c, $"- **{PowerMethods.Name(method)}**: {Budget(summary, method)}");
        text.AppendLine();
        text.AppendLine("Each cell is over the trials of one method on one bug. **found**: trials that detected the bug within the budget, of all trials. " +
            "**seconds**: wall time to the first detection, **inputs**: scenarios (gate), engine inputs (run) or AFL++ executions (campaign) run up to it, " +
            "as median [min–max]. A trial that did not find the bug is censored at its budget and counts as the budget, ranked after every trial that found it: " +
            "so `>x` is a median when fewer than half the trials found the bug (or a maximum beyond a budget x), and `≥x` a median that averages in one censored trial. " +
            "**shrunk**: the shrunk trace's length in operations, median [min–max] over the trials that found the bug. Gate and run inputs and shrunk lengths " +
            "depend on the seeds alone; seconds depend on the machine and its load.");
        text.AppendLine();
        text.Append("| bug |");
        foreach (var method in summary.Methods)
        {
            string name = PowerMethods.Name(method);
            text.Append(c, $" {name} found | {name} seconds | {name} inputs | {name} shrunk |");
        }
        text.AppendLine();
        text.Append("| --- |");
        foreach (var _ in summary.Methods) text.Append(" --- | --- | --- | --- |");
        text.AppendLine();
        foreach (string bug in summary.Bugs)
        {
            text.Append(c, $"| `{bug}` |");
            foreach (var method in summary.Methods)
            {
                if (summary.Cell(bug, method) is not { } cell)
                {
                    text.Append(" — | — | — | — |");
                    continue;
                }
                text.Append(c, $" {cell.Found}/{cell.Trials} | {cell.Seconds.Text()} | {cell.Inputs?.Text() ?? "—"} | {cell.ShrunkText()} |");
            }
            text.AppendLine();
        }
        text.AppendLine();
        foreach (var method in summary.Methods) text.AppendLine(Totals(summary, method));
        return text.ToString();
    }

    /// <summary>One line over all bugs: bugs found by some trial and by every trial, trials that found their bug, the median time over all trials.</summary>
    private static string Totals(PowerSummary summary, PowerMethod method)
    {
        var cells = summary.Bugs.Select(b => summary.Cell(b, method)).OfType<PowerCell>().ToList();
        var trials = summary.TrialsOf(method).ToList();
        var all = new CensoredSample(trials.Where(t => t.Found).Select(t => t.Seconds), trials.Where(t => !t.Found).Select(t => t.Seconds));
        return string.Create(CultureInfo.InvariantCulture,
            $"- {PowerMethods.Name(method)}: {cells.Count(x => x.Found > 0)} of {cells.Count} bugs found by some trial, {cells.Count(x => x.Found == x.Trials)} by every trial; " +
            $"{trials.Count(t => t.Found)} of {trials.Count} trials found their bug; seconds over all trials {all.Text()}.");
    }

    /// <summary>The budgets the trials of a method ran with, as recorded.</summary>
    private static string Budget(PowerSummary summary, PowerMethod method)
    {
        var trials = summary.TrialsOf(method).ToList();
        string Distinct(IEnumerable<string> values) => string.Join(", ", values.Distinct().Order(StringComparer.Ordinal));
        return method switch
        {
            PowerMethod.Gate => $"the default gate's search (`PlantedBugTests`, `GateSearch`) with each trial's seed, " +
                                $"budget {Distinct(trials.Select(t => t.BudgetSequences?.ToString(CultureInfo.InvariantCulture) ?? "?"))} sequences with full checks; " +
                                "a trial that finds nothing is censored at the time its whole budget took.",
            PowerMethod.Run => $"the embedded engine as `fuzz run --planted BUG --seed SEED` runs it, budget {Distinct(trials.Select(t => Seconds(t.BudgetSeconds)))} s.",
            _ => $"an AFL++ campaign, `fuzz campaign --planted BUG --jobs 1 --until-first-crash`, budget {Distinct(trials.Select(t => Seconds(t.BudgetSeconds)))} s of fuzzing; " +
                 "the campaign has no seed option, so its trials differ by AFL++'s own randomness and timing (no seed recorded); " +
                 "the time is that of the first crash file, by AFL++'s clock from the start of afl-fuzz, and a trial counts as found when triage saved a regression.",
        };
    }

    private static string Seconds(double? value) => value is { } v ? Estimate.Number(v) : "?";
}
