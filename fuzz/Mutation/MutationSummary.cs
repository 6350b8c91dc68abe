namespace Verify.Fuzz.Mutation;

/// <summary>
/// A mutation report read against the reviewed lists. Stryker's score counts timeouts as kills and
/// equivalent mutants as survivors; this summary shows both apart:
/// - StrykerScore = (killed + timeout) / (killed + timeout + survived + no coverage);
/// - Equivalent = the mutants on the equivalent list, whatever their status: a survivor, a timeout
///   (an equivalent mutant that only ran slower than the timeout) or an uncovered one (unreachable code);
/// - Score = StrykerScore's fraction with the equivalent mutants left out of both sides;
/// - Looping = the timeouts on the looping list (reviewed: the mutant never ends, a real detection);
/// - Untriaged: every survivor and uncovered mutant not on the equivalent list and every timeout on
///   neither list (a slow gate is not a detection until someone looked): the queue to work.
/// Compile errors and ignored mutants count nowhere, as in Stryker.
/// </summary>
public sealed record MutationSummary(int Killed, int Timeout, int Survived, int NoCoverage, int Equivalent, int EquivalentTimeouts, int Looping,
    IReadOnlyList<Mutant> Untriaged)
{
    public double StrykerScore => Percent(Killed + Timeout, Killed + Timeout + Survived + NoCoverage);

    public double Score => Percent(Killed + Timeout - EquivalentTimeouts, Killed + Timeout + Survived + NoCoverage - Equivalent);

    public static MutationSummary Of(IReadOnlyList<Mutant> mutants, IReadOnlyList<ReviewedMutant> equivalents, IReadOnlyList<ReviewedMutant> looping)
    {
        int Count(string status) => mutants.Count(m => m.Status == status);
        bool Equivalent(Mutant m) => m.Status is "Survived" or "Timeout" or "NoCoverage" && equivalents.Any(e => e.Matches(m));
        bool Looping(Mutant m) => m.Status == "Timeout" && !Equivalent(m) && looping.Any(e => e.Matches(m));
        var untriaged = mutants.Where(m => m.Status is "Survived" or "Timeout" or "NoCoverage" && !Equivalent(m) && !Looping(m))
            .OrderBy(m => m.File, StringComparer.Ordinal).ThenBy(m => m.Line).ToList();
        return new MutationSummary(Count("Killed"), Count("Timeout"), Count("Survived"), Count("NoCoverage"),
            mutants.Count(Equivalent), mutants.Count(m => m.Status == "Timeout" && Equivalent(m)), mutants.Count(Looping), untriaged);
    }

    private static double Percent(int part, int whole) => whole == 0 ? 100 : 100.0 * part / whole;
}
