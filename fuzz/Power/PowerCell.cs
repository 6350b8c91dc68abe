namespace Verify.Fuzz.Power;

/// <summary>
/// The trials of one method on one planted bug, summarized: how many found it, the time and the
/// inputs to the first detection as censored samples (a censored trial at its own censoring value:
/// its budget, or for the gate the time and the sequences its whole budget took), and the shrunk
/// lengths of the trials that found it. Guarantees: independent of the order of the trials.
/// </summary>
public sealed record PowerCell(string Bug, PowerMethod Method, int Trials, int Found, CensoredSample Seconds, CensoredSample? Inputs, IReadOnlyList<int> Shrunk)
{
    public static PowerCell Of(string bug, PowerMethod method, IReadOnlyCollection<TrialRecord> trials)
    {
        var found = trials.Where(t => t.Found).ToList();
        var censored = trials.Where(t => !t.Found).ToList();
        var seconds = new CensoredSample(found.Select(t => t.Seconds), censored.Select(t => t.Seconds));
        // Inputs only where every trial counted them (campaign executions may be missing from crash names).
        CensoredSample? inputs = trials.All(t => t.Sequences is not null)
            ? new CensoredSample(found.Select(t => (double)t.Sequences!.Value), censored.Select(t => (double)t.Sequences!.Value))
            : null;
        var shrunk = found.Where(t => t.ShrunkOps is not null).Select(t => t.ShrunkOps!.Value).Order().ToList();
        return new PowerCell(bug, method, trials.Count, found.Count, seconds, inputs, shrunk);
    }

    /// <summary>"median [min–max]" of the shrunk lengths, or "—" when no trial found the bug.</summary>
    public string ShrunkText()
    {
        if (Shrunk.Count == 0) return "—";
        var sample = new CensoredSample(Shrunk.Select(n => (double)n), []);
        return sample.Text();
    }
}
