namespace Verify.Model.Contract;

/// <summary>
/// What a structure's self-check found: the broken internal invariants (the S* family of the
/// catalogue, see StructureInvariant), each with a message naming the element that breaks it.
/// Guarantees: at most ViolationsMax are kept, so a badly corrupted structure still gives a short
/// report; a check that finds nothing allocates nothing.
/// </summary>
public sealed class SelfCheckReport
{
    public const int ViolationsMax = 16;

    private readonly List<(string Invariant, string Message)> _found = [];

    public bool IsClean => _found.Count == 0;

    public IReadOnlyList<(string Invariant, string Message)> Found => _found;

    /// <summary>True once ViolationsMax violations are kept: checks may stop early.</summary>
    public bool IsFull => _found.Count >= ViolationsMax;

    public void Fail(string invariant, string message)
    {
        if (_found.Count < ViolationsMax) _found.Add((invariant, message));
    }

    public void Clear() => _found.Clear();
}
