using System.Globalization;

namespace Verify.Properties.Support;

/// <summary>
/// The three profiles, chosen by VERIFY_PROFILE:
/// - unset: the default CI gate;
/// - deep: the nightly one, 100 times the sequences, a fresh seed per run;
/// - mutation: the gate as Stryker runs it against every mutant (properties/Mutation/stryker-config.*.json
///   select the tests of category Mutation; the README's command exports the variable, which
///   Stryker's test hosts inherit):
///   every property keeps its pinned seed, runs MutationBudget of its gate budget (at least one
///   case) and does not shrink, since a kill needs only a failure.
/// VERIFY_SEED=N replays a run; without it each property uses a fixed seed derived from its name
/// (the gate and the mutation profile are reproducible), or in the deep profile a fresh one.
/// VERIFY_MUTATION_BUDGET overrides the mutation profile's fraction (for measuring it).
/// Every property prints the seed it used.
/// </summary>
public static class Profile
{
    public const int DeepFactor = 100;

    /// <summary>
    /// The mutation profile's share of each property's gate budget: a fiftieth. Chosen by
    /// measurement (README, "Mutation testing"): on a sample of 250 mutants it killed every mutant
    /// a tenth killed (the tenth's extra "kills" were timeouts of survivors) in about half the time,
    /// and on the planted bugs the gate's search kills more per second at small budgets.
    /// </summary>
    public const double MutationBudgetDefault = 0.02;

    /// <summary>The category of the tests the mutation profile runs (a class-level xunit Trait).</summary>
    public const string MutationCategory = "Mutation";

    /// <summary>
    /// A test of the mutation category with [Trait(MutationOfTrait, ModelOnly)] runs in model/'s
    /// mutation run but not in impl/'s (stryker-config.impl.json's filter is
    /// Category=Mutation&amp;MutationOf!=model): a test that killed no impl/ mutant in the whole run of
    /// record while it covered hundreds of survivors, or whose impl/ kills a cheaper test makes
    /// (README, "Mutation testing", where each one is named with its figures).
    /// </summary>
    public const string MutationOfTrait = "MutationOf";

    public const string ModelOnly = "model";

    private static readonly string? Chosen = Environment.GetEnvironmentVariable("VERIFY_PROFILE");

    public static bool IsDeep => Is("deep");

    public static bool IsMutation => Is("mutation");

    /// <summary>False in the mutation profile: a failing property reports its first failing case as found.</summary>
    public static bool Shrinks => !IsMutation;

    public static double MutationBudget
    {
        get
        {
            string? given = Environment.GetEnvironmentVariable("VERIFY_MUTATION_BUDGET");
            if (string.IsNullOrEmpty(given)) return MutationBudgetDefault;
            if (double.TryParse(given, NumberStyles.Float, CultureInfo.InvariantCulture, out double budget) && budget > 0 && budget <= 1) return budget;
            throw new ArgumentException($"VERIFY_MUTATION_BUDGET='{given}' is not a fraction in (0, 1]");
        }
    }

    /// <summary>
    /// Asserts that a run reached what its property is for (a depth, a failing case, an error path),
    /// except in the mutation profile, whose reduced budget is not meant to: there only the
    /// property's own checks decide.
    /// </summary>
    public static void AssertReached(bool reached, string message)
    {
        if (!IsMutation) Xunit.Assert.True(reached, message);
    }

    /// <summary>
    /// In the mutation profile a property that runs every self-check after every step keeps a fifth
    /// of its count before Scale: on Stryker's mutated assembly a self-check costs 9 to 40 times as
    /// much as on the plain one (README, "Mutation testing"), and the corruption tests kill the
    /// self-checks' own mutants directly. Elsewhere the count is unchanged.
    /// </summary>
    public static int FullChecksShare(int count) => IsMutation ? Math.Max(1, count / 5) : count;

    /// <summary>Every stride-th value of an exhaustive sweep in the mutation profile (1 elsewhere): a sweep keeps its ends and a spread sample.</summary>
    public static int SweepStride(int stride) => IsMutation ? stride : 1;

    /// <summary>
    /// The count of a property that drives one structure alone, without a kernel: its gate count in
    /// the mutation profile too, Scale elsewhere. Such a property covers only its structure's
    /// mutants, so its time falls on their runs alone (the whole set of them takes 6 s at the gate
    /// count against 0.5 s at a fiftieth), and at a fiftieth some never reach their states: the slab
    /// record table's 400 operations started no slab and covered 3 of its mutants (README,
    /// "Mutation testing").
    /// </summary>
    public static int ScaleOneStructure(int defaultCount) => IsMutation ? defaultCount : Scale(defaultCount);

    public static int Scale(int defaultCount) =>
        IsDeep ? defaultCount * DeepFactor
        : IsMutation ? Math.Max(1, (int)Math.Round(defaultCount * MutationBudget))
        : defaultCount;

    public static ulong SeedFor(string propertyName)
    {
        string? given = Environment.GetEnvironmentVariable("VERIFY_SEED");
        if (!string.IsNullOrEmpty(given))
        {
            if (ulong.TryParse(given, out ulong seed)) return seed;
            throw new ArgumentException($"VERIFY_SEED='{given}' is not an unsigned 64-bit number");
        }
        if (IsDeep) return (ulong)DateTime.UtcNow.Ticks;
        ulong hash = 14695981039346656037UL; // FNV-1a of the name: stable across runs and machines
        foreach (char c in propertyName) hash = (hash ^ c) * 1099511628211UL;
        return hash;
    }

    private static bool Is(string profile)
    {
        if (string.IsNullOrEmpty(Chosen)) return false;
        if (Chosen is not ("deep" or "mutation" or "gate"))
            throw new ArgumentException($"VERIFY_PROFILE='{Chosen}' is not a profile (gate, deep or mutation)");
        return Chosen == profile;
    }
}
