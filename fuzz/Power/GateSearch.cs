using Verify.Fuzz.Engine;
using Verify.Fuzz.Harness;
using Verify.Fuzz.Planted;

namespace Verify.Fuzz.Power;

/// <summary>
/// The default gate's search for a planted bug, the one procedure that properties/PlantedBugTests
/// asserts on and that `fuzz power --methods gate` measures: up to Count scenarios of
/// ScenarioGenerator drawn from one SplitMix64 seed, lengths growing with the index as FsCheck's
/// sizes do (short scenarios first), each run with full checks on one reused runner. Each failure is
/// shrunk on fresh runners and saved with its report; the search goes on past a failure that shrinks
/// to more than ShrunkMax operations (some slips need a state only many operations build), up to
/// FailuresTried failures, and the shortest shrunk trace is the result.
/// Guarantees: the same planted bug, seed and count give the same failures at the same sequence
/// indices and the same shrunk traces; it reads no clock (a caller that times the first detection
/// passes onDetected, called before each failure is shrunk).
/// </summary>
public static class GateSearch
{
    /// <summary>The gate's budget per planted bug, the longest sequence it draws, and how many failures it shrinks at most.</summary>
    public const int Sequences = 1000, OpsMax = 200, FailuresTried = 3;

    /// <summary>The longest shrunk trace the gate accepts: 12 for the OOM and forkbomb killers' bugs, which need a group, a limit, tasks and a charge before any kill.</summary>
    public const int ShrunkOpsMax = 8, ShrunkOomOpsMax = 12;

    public static int ShrunkMax(string planted) =>
        planted.StartsWith("oom-", StringComparison.Ordinal) || planted.StartsWith("forkbomb-", StringComparison.Ordinal) ? ShrunkOomOpsMax : ShrunkOpsMax;

    /// <summary>
    /// The search's result: the shortest shrunk failure (null when none was found), how many failures
    /// were shrunk, the index of the first failing sequence (null when none) and how many sequences ran.
    /// </summary>
    public sealed record Result(FailureArtifacts.Saved? Shortest, int Failures, int? FirstFailing, int SequencesRun);

    /// <param name="planted">the planted bug (a key of PlantedBugs.All)</param>
    /// <param name="seed">the seed of the scenario stream</param>
    /// <param name="count">the sequence budget (the gate's is Sequences, scaled by its profile)</param>
    /// <param name="origin">the origin line of the saved report of a failure at sequence i</param>
    /// <param name="failuresDirectory">where shrunk traces are written (never overwritten)</param>
    /// <param name="stem">the file name stem of the traces</param>
    /// <param name="log">one line per failure found</param>
    /// <param name="onDetected">called with the sequence index of each failure, before it is shrunk</param>
    public static Result Run(string planted, ulong seed, int count, Func<int, string> origin, string failuresDirectory, string stem,
        Action<string> log, Action<int>? onDetected = null)
    {
        var runner = new Runner(PlantedBugs.ImplFactory(planted));
        var random = new SplitMix64(seed);
        FailureArtifacts.Saved? shortest = null;
        int failures = 0, sequencesRun = 0;
        int? firstFailing = null;
        for (int i = 0; i < count && failures < FailuresTried; i++)
        {
            // Lengths grow with i as FsCheck's sizes do, so short scenarios come first.
            int opsMax = ScenarioGenerator.OpsMaxForSize(1 + i * ScenarioGenerator.SizeMax / count, OpsMax);
            var scenario = ScenarioGenerator.Generate(random.Next(), opsMax);
            sequencesRun = i + 1;
            if (runner.Run(scenario, CheckLevel.Full).Failure is not { } failure) continue;
            onDetected?.Invoke(i);
            firstFailing ??= i;
            failures++;
            // Shrunk on fresh runners, written with its report, as every engine does with a failure.
            var saved = FailureArtifacts.ShrinkAndSave(runner, scenario, failure, CheckLevel.Full, origin(i), failuresDirectory, stem);
            log($"sequence {i}: {failure.Invariant}, {scenario.Ops.Count} operations shrunk to {saved.Shrunk.Ops.Count}");
            if (shortest is null || saved.Shrunk.Ops.Count < shortest.Shrunk.Ops.Count) shortest = saved;
            if (saved.Shrunk.Ops.Count <= ShrunkMax(planted)) break;
        }
        return new Result(shortest, failures, firstFailing, sequencesRun);
    }
}
