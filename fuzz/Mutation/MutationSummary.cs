namespace Verify.Fuzz.Mutation;

/// <summary>
/// A mutation report read against the reviewed lists. Stryker's score counts timeouts as kills and
/// equivalent mutants as survivors; this summary shows both apart:
/// - StrykerScore = (killed + timeout) / (killed + timeout + survived + no coverage);
/// - Score = the same with the listed equivalent survivors left out of the denominator;
/// - Looping = the timeouts on the looping list (reviewed: the mutant never ends, a real detection);
/// - Untriaged: every survivor not on the equivalent list, every timeout not on the looping list
///   (a slow gate is not a detection until someone looked) and every uncovered mutant: the queue to work.
/// Compile errors and ignored mutants count nowhere, as in Stryker.
/// </summary>
public sealed record MutationSummary(int Killed, int Timeout, int Survived, int NoCoverage, int Equivalent, int Looping, IReadOnlyList<Mutant> Untriaged)
{
    public double StrykerScore => Percent(Killed + Timeout, Killed + Timeout + Survived + NoCoverage);

    public double Score => Percent(Killed + Timeout, Killed + Timeout + Survived - Equivalent + NoCoverage);

    public static MutationSummary Of(IReadOnlyList<Mutant> mutants, IReadOnlyList<ReviewedMutant> equivalents, IReadOnlyList<ReviewedMutant> looping)
    {
        int Count(string status) => mutants.Count(m => m.Status == status);
        bool Reviewed(Mutant m) => m.Status switch
        {
            "Survived" => equivalents.Any(e => e.Matches(m)),
            "Timeout" => looping.Any(e => e.Matches(m)),
            _ => false,
        };
        var untriaged = mutants.Where(m => m.Status is "Survived" or "Timeout" or "NoCoverage" && !Reviewed(m))
            .OrderBy(m => m.File, StringComparer.Ordinal).ThenBy(m => m.Line).ToList();
        return new MutationSummary(Count("Killed"), Count("Timeout"), Count("Survived"), Count("NoCoverage"),
            mutants.Count(m => m.Status == "Survived" && Reviewed(m)), mutants.Count(m => m.Status == "Timeout" && Reviewed(m)), untriaged);
    }

    private static double Percent(int part, int whole) => whole == 0 ? 100 : 100.0 * part / whole;
}
