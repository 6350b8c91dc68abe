using System.Text;
using Verify.Fuzz.Formats;
using Verify.Model.Alphabet;

namespace Verify.Fuzz.Harness;

/// <summary>
/// The readable account of a failure: where it came from (seed or input), the first failing step,
/// both outcomes, the snapshot diff, and the (shrunk) scenario as trace text that can be saved
/// under corpus/ and replayed, each operation followed by a comment with the model's outcome and
/// side effects (StepAnnotations).
/// </summary>
public static class Report
{
    public static string Describe(Failure failure, Scenario scenario) =>
        $"{failure.Invariant} at {StepName(failure, scenario)}";

    public static string StepName(Failure failure, Scenario scenario) => failure.Step switch
    {
        < 0 => "setup",
        var s when s >= scenario.Ops.Count => "final check",
        var s => $"step {s + 1} ({scenario.Ops[s]})",
    };

    /// <summary>The keyword of the failing operation ("setup" or "final" outside the sequence), for deduplication.</summary>
    public static string FailingKeyword(Failure failure, Scenario scenario) => failure.Step switch
    {
        < 0 => "setup",
        var s when s >= scenario.Ops.Count => "final",
        var s => scenario.Ops[s].Spec.Keyword,
    };

    public static string Format(Failure failure, Scenario scenario, string origin, string? tracePath = null)
    {
        var text = new StringBuilder();
        text.AppendLine($"FAILED: {Describe(failure, scenario)}");
        text.AppendLine($"  origin: {origin}");
        foreach (var line in failure.Message.Split('\n')) text.AppendLine($"  {line}");
        if (failure.ModelOutcome is { } model) text.AppendLine($"  model outcome: {model}");
        if (failure.ImplOutcome is { } impl) text.AppendLine($"  impl outcome:  {impl}");
        if (failure.SnapshotDiff is { Count: > 0 } diff)
        {
            text.AppendLine("  snapshot diff (model vs impl):");
            foreach (var line in diff) text.AppendLine($"    {line}");
        }
        text.AppendLine($"  sequence ({scenario.Ops.Count} ops){(tracePath is null ? "" : $", written to {tracePath}")}:");
        foreach (var line in TraceFormat.Print(scenario, stepComments: StepAnnotations.Of(scenario)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            text.AppendLine($"    {line}");
        return text.ToString();
    }

    /// <summary>Writes the trace to a new file in directory (never overwriting) and returns its path.</summary>
    public static string WriteTrace(string directory, string stem, Scenario scenario, IEnumerable<string> comments)
    {
        Directory.CreateDirectory(directory);
        for (int attempt = 0; ; attempt++)
        {
            string path = Path.Combine(directory, attempt == 0 ? $"{stem}.trace" : $"{stem}-{attempt}.trace");
            try
            {
                using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
                using var writer = new StreamWriter(stream);
                writer.Write(TraceFormat.Print(scenario, comments, StepAnnotations.Of(scenario)));
                return path;
            }
            catch (IOException) when (File.Exists(path))
            {
                // Taken: try the next name. Nothing existing is ever overwritten.
            }
        }
    }
}
