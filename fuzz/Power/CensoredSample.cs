namespace Verify.Fuzz.Power;

/// <summary>
/// The trials of one method on one bug, as a fuzzing benchmark reports them: the values of the trials
/// that found the bug, and for the others the budget they were censored at (a lower bound of the time
/// they would have needed). Convention: a censored trial counts as its budget and ranks after every
/// trial that found the bug; the median is the usual one of that ranking (the mean of the two middle
/// values for an even count). So when fewer than half the trials found the bug the median is only
/// known to be above the budget (&gt;), and when exactly half of an even count did, it averages in a
/// budget and is a lower bound (≥). Guarantees: independent of the order values are given in.
/// </summary>
public sealed class CensoredSample
{
    private readonly List<double> _found, _censored;

    public CensoredSample(IEnumerable<double> found, IEnumerable<double> censored)
    {
        _found = found.Order().ToList();
        _censored = censored.Order().ToList();
    }

    public int Trials => _found.Count + _censored.Count;

    public int FoundCount => _found.Count;

    public Estimate Median()
    {
        if (Trials == 0) throw new InvalidOperationException("the median of no trials");
        var ranked = _found.Concat(_censored).ToList();
        int upper = Trials / 2;
        if (Trials % 2 == 1) return new Estimate(ranked[upper], upper < FoundCount ? Bound.Exact : Bound.Above);
        int lower = upper - 1;
        if (lower >= FoundCount) return new Estimate(ranked[lower], Bound.Above);
        double mean = (ranked[lower] + ranked[upper]) / 2;
        return new Estimate(mean, upper < FoundCount ? Bound.Exact : Bound.AtLeast);
    }

    public Estimate Min() => FoundCount > 0 ? new Estimate(_found[0], Bound.Exact) : new Estimate(_censored[0], Bound.Above);

    public Estimate Max()
    {
        if (_censored.Count == 0) return new Estimate(_found[^1], Bound.Exact);
        return FoundCount > 0 && _found[^1] > _censored[^1] ? new Estimate(_found[^1], Bound.AtLeast) : new Estimate(_censored[^1], Bound.Above);
    }

    /// <summary>"median [min–max]", or the one value when every trial agrees (only "—" for no trials).</summary>
    public string Text()
    {
        if (Trials == 0) return "—";
        var (median, min, max) = (Median(), Min(), Max());
        return min == max ? median.Text() : $"{median.Text()} [{min.Text()}–{max.Text()}]";
    }
}
