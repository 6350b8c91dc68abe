namespace Verify.Fuzz.Mutation;

/// <summary>
/// A mutation report read against the equivalent-mutant list. Stryker's score counts timeouts as
/// kills and equivalent mutants as survivors; this summary shows both apart:
/// - StrykerScore = (killed + timeout) / (killed + timeout + survived + no coverage);
/// - Score = the same with the listed equivalent survivors left out of the denominator;
/// - Untriaged: every survivor, timeout and uncovered mutant not on the list, the queue to work.
/// Compile errors and ignored mutants count nowhere, as in Stryker.
/// </summary>
public sealed record MutationSummary(int Killed, int Timeout, int Survived, int NoCoverage, int Equivalent, IReadOnlyList<Mutant> Untriaged)
{
    public double StrykerScore => Percent(Killed + Timeout, Killed + Timeout + Survived + NoCoverage);

    public double Score => Percent(Killed + Timeout, Killed + Timeout + Survived - Equivalent + NoCoverage);

    public static MutationSummary Of(IReadOnlyList<Mutant> mutants, IReadOnlyList<EquivalentMutant> equivalents)
    {
        int Count(string status) => mutants.Count(m => m.Status == status);
        bool Listed(Mutant m) => equivalents.Any(e => e.Matches(m));
        int equivalent = mutants.Count(m => m.Status == "Survived" && Listed(m));
        var untriaged = mutants.Where(m => m.Status is "Survived" or "Timeout" or "NoCoverage" && !(m.Status == "Survived" && Listed(m)))
            .OrderBy(m => m.File, StringComparer.Ordinal).ThenBy(m => m.Line).ToList();
        return new MutationSummary(Count("Killed"), Count("Timeout"), Count("Survived"), Count("NoCoverage"), equivalent, untriaged);
    }

    private static double Percent(int part, int whole) => whole == 0 ? 100 : 100.0 * part / whole;
}
