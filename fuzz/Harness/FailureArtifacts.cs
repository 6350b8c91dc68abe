using Verify.Fuzz.Formats;
using Verify.Model.Alphabet;

namespace Verify.Fuzz.Harness;

/// <summary>
/// What every engine does with a failure: shrink it while it keeps its signature, write the
/// shrunk trace (and its .bin twin) to new files, and format the report. Every candidate runs on a
/// fresh runner at the level the failure was found with, so the saved trace fails on its own.
/// </summary>
public static class FailureArtifacts
{
    public sealed record Saved(Scenario Shrunk, Failure Failure, string TracePath, string ReportText);

    public static Saved ShrinkAndSave(Runner runner, Scenario scenario, Failure failure, CheckLevel level, string origin, string directory, string stem)
    {
        string signature = failure.Signature(Report.FailingKeyword(failure, scenario));
        var shrunk = ScenarioShrinker.Minimize(scenario, candidate =>
        {
            var result = runner.RunFresh(candidate, level);
            return result.Failure is { } f && f.Signature(Report.FailingKeyword(f, candidate)) == signature;
        });
        var shrunkFailure = runner.RunFresh(shrunk, level).Failure ?? failure;
        string tracePath = Report.WriteTrace(directory, stem, shrunk,
            [$"{Report.Describe(shrunkFailure, shrunk)}", $"origin: {origin}"]);
        string binPath = Path.ChangeExtension(tracePath, ".bin");
        if (!File.Exists(binPath)) File.WriteAllBytes(binPath, ByteCodec.Encode(shrunk));
        return new Saved(shrunk, shrunkFailure, tracePath, Report.Format(shrunkFailure, shrunk, origin, tracePath));
    }
}
