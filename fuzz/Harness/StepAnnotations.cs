using Verify.Model.Alphabet;

namespace Verify.Fuzz.Harness;

/// <summary>
/// What each step of a scenario returns and causes on the model: "ok 5", "EAGAIN",
/// "ok 0; release cgroup=4", or "no-op: nothing live to name". Reports and saved traces print
/// them as comments after each operation, so a reader sees the side effects of every call.
/// Guarantees: depends on the scenario alone (a fresh model-only runner); a step the run did not
/// reach (after a failure of the model's own invariants) has an empty comment.
/// </summary>
public static class StepAnnotations
{
    public const string NoOp = "no-op: nothing live to name";

    public static IReadOnlyList<string> Of(Scenario scenario)
    {
        var comments = new string[scenario.Ops.Count];
        Array.Fill(comments, "");
        var runner = Runner.ModelOnly();
        runner.Observe = (step, outcome, effects, _, _) =>
            comments[step] = effects.Count == 0 ? outcome.ToString() : $"{outcome}; {effects}";
        RunResult result;
        try { result = runner.Run(scenario); }
        catch (Exception) { return comments; }
        for (int step = 0; step < Math.Min(result.OpsRun, comments.Length); step++)
            if (comments[step].Length == 0) comments[step] = NoOp;
        return comments;
    }
}
