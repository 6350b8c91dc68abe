using Verify.Model.Contract;

namespace Verify.Fuzz.Harness;

/// <summary>
/// The first thing that went wrong in a run: at which step (-1: the initial state, Ops.Count: the
/// final full check), under which invariant, with both outcomes and a diff of the two snapshots.
/// </summary>
public sealed record Failure(
    int Step,
    string Invariant,
    string Message,
    Outcome? ModelOutcome = null,
    Outcome? ImplOutcome = null,
    IReadOnlyList<string>? SnapshotDiff = null)
{
    /// <summary>What identifies a failure for deduplication: the invariant and the kind of the failing operation.</summary>
    public string Signature(string opKeyword) => $"{Invariant}@{opKeyword}";
}

public readonly record struct RunResult(Failure? Failure, int OpsRun)
{
    public bool Passed => Failure is null;
}

public enum CheckLevel
{
    /// <summary>Digest and cheap invariants at the start and every step; full comparison and invariants at the end and on digest mismatch.</summary>
    Cheap,

    /// <summary>Full snapshot comparison and every full invariant after every step.</summary>
    Full,
}
