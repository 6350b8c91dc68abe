using System.Diagnostics;

namespace Verify.Fuzz.Power;

/// <summary>
/// One trial of the gate method: GateSearch, the procedure of properties/PlantedBugTests, with the
/// trial's seed and a budget of sequences (the gate's is GateSearch.Sequences), timed by a
/// Stopwatch from the start of the search to the first detection. Guarantees: Found, Sequences and
/// ShrunkOps depend on the bug and the seed alone; only Seconds depends on the machine. A trial that
/// finds nothing is censored at the time its whole budget took (BudgetSeconds).
/// </summary>
public static class GateTrial
{
    public static TrialRecord Run(string bug, int trial, ulong seed, int sequences, string tracesDirectory, string host)
    {
        double? detected = null;
        var clock = Stopwatch.StartNew();
        var search = GateSearch.Run(bug, seed, sequences, i => $"fuzz power: gate trial {trial} of {bug}, seed {seed}, sequence {i}",
            tracesDirectory, $"gate-{bug}-{trial}-{seed}", _ => { }, _ => detected ??= clock.Elapsed.TotalSeconds);
        double total = clock.Elapsed.TotalSeconds;
        if (search is { Shortest: { } shortest, FirstFailing: { } first })
            return new TrialRecord(bug, PowerMethod.Gate, trial, seed, true, detected ?? total, first + 1, shortest.Shrunk.Ops.Count, null, sequences, host);
        return new TrialRecord(bug, PowerMethod.Gate, trial, seed, false, total, search.SequencesRun, null, total, sequences, host);
    }
}
