namespace Verify.Fuzz.Harness;

/// <summary>
/// The invariant catalogue: numbered, named, each with its meaning. README.md lists the same
/// entries; a test keeps the two in step.
/// </summary>
public static class Invariant
{
    public const string ConservationPages = "I4.conservation.pages";
    public const string ConservationBuddyInfo = "I4.conservation.buddyinfo";
    public const string BuddyAligned = "I5.buddy-shape.aligned";
    public const string BuddyInside = "I5.buddy-shape.inside-machine";
    public const string BuddyDisjoint = "I5.buddy-shape.disjoint";
    public const string BuddyCoalesced = "I5.buddy-shape.coalesced";
    public const string BuddyAllocationLive = "I5.buddy-shape.allocation-not-free";

    /// <summary>Not invariants of one side but of the pair: the contract of equivalence.</summary>
    public const string EquivalenceOutcome = "E1.equivalence.outcome";
    public const string EquivalenceSnapshot = "E2.equivalence.snapshot";
    public const string NoException = "E3.no-exception";

    public static readonly IReadOnlyDictionary<string, string> Meanings = new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        [ConservationPages] = "free pages plus allocated pages equal the machine's pages",
        [ConservationBuddyInfo] = "/proc/buddyinfo counts exactly the free blocks of each order",
        [BuddyAligned] = "every free block and every Block allocation starts at a multiple of its size",
        [BuddyInside] = "every block lies wholly inside the machine",
        [BuddyDisjoint] = "no two blocks (free or allocated) share a page",
        [BuddyCoalesced] = "no free block has its buddy free at the same order (maximal coalescing)",
        [BuddyAllocationLive] = "a page just allocated lies in no free block; a page just freed lies in one",
        [EquivalenceOutcome] = "model and impl return the same outcome at every step",
        [EquivalenceSnapshot] = "model and impl have the same snapshot (and digest) after every step",
        [NoException] = "no call throws: expected failures are errno outcomes",
    };
}

/// <summary>One broken invariant on one side ("model" or "impl", or "pair" for equivalence).</summary>
public sealed record Violation(string Invariant, string Side, string Message)
{
    public override string ToString() => $"{Invariant} on {Side}: {Message}";
}
