using Verify.Fuzz.Power;

namespace Verify.Properties.Power;

/// <summary>
/// The power report's statistics on hand-written trials: medians over odd and even trial counts,
/// censored trials counted at their budget and ranked last, "&gt;budget" when fewer than half found
/// the bug, "≥" when a median averages in a censored trial. Every expected value is worked out by hand
/// in the comments, not by the code under test.
/// </summary>
[Trait("Category", PowerTestSupport.Category)]
public sealed class PowerSummaryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verify-power-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Header = "bug\tmethod\ttrial\tseed\tfound\tseconds\tsequences\tshrunk_ops\tbudget_seconds\tbudget_sequences\thost\n";

    private static string Row(string bug, string method, int trial, bool found, string seconds, string sequences, string shrunk, string budgetSeconds, string budgetSequences = "-") =>
        $"{bug}\t{method}\t{trial}\t{100 + trial}\t{(found ? "yes" : "no")}\t{seconds}\t{sequences}\t{shrunk}\t{budgetSeconds}\t{budgetSequences}\thost\n";

    /// <summary>
    /// a/run, 5 trials, 3 found (2, 8, 4 s) and 2 censored at 30 s: ranked 2 4 8 30 30, median 8 (the 3rd), min 2, max above 30;
    /// inputs 20 80 40 | 900 950: ranked 20 40 80 900 950, median 80; shrunk 3 5 4: median 4.
    /// b/run, 4 trials, 2 found (1, 3) and 2 censored: ranked 1 3 30 30, median (3 + 30) / 2 = 16.5, a lower bound.
    /// c/run, 4 trials, 1 found (1): ranked 1 30 30 30, fewer than half found: above 30.
    /// d/run, 4 trials, all found (10, 1, 3, 2): ranked 1 2 3 10, median (2 + 3) / 2 = 2.5.
    /// e/run, 3 trials, 1 found (5): ranked 5 30 30, median the 2nd: above 30.
    /// a/gate, 2 trials: found at 0.5 s (input 10), censored at 12 s after its 1000 sequences: median (0.5 + 12) / 2 = 6.25, a lower bound; inputs (10 + 1000) / 2 = 505.
    /// </summary>
    private string HandWritten()
    {
        string path = Path.Combine(_dir, TrialFile.FileName);
        File.WriteAllText(path, Header +
            Row("a", "run", 1, true, "2.0", "20", "3", "30") +
            Row("a", "run", 2, true, "8.0", "80", "5", "30") +
            Row("a", "run", 3, false, "30", "900", "-", "30") +
            Row("a", "run", 4, true, "4.0", "40", "4", "30") +
            Row("a", "run", 5, false, "30", "950", "-", "30") +
            Row("b", "run", 1, false, "30", "700", "-", "30") +
            Row("b", "run", 2, true, "3", "30", "2", "30") +
            Row("b", "run", 3, true, "1", "10", "2", "30") +
            Row("b", "run", 4, false, "30", "800", "-", "30") +
            Row("c", "run", 1, false, "30", "600", "-", "30") +
            Row("c", "run", 2, false, "30", "600", "-", "30") +
            Row("c", "run", 3, true, "1", "9", "1", "30") +
            Row("c", "run", 4, false, "30", "600", "-", "30") +
            Row("d", "run", 1, true, "10", "100", "1", "30") +
            Row("d", "run", 2, true, "1", "10", "1", "30") +
            Row("d", "run", 3, true, "3", "30", "2", "30") +
            Row("d", "run", 4, true, "2", "20", "1", "30") +
            Row("e", "run", 1, false, "30", "500", "-", "30") +
            Row("e", "run", 2, true, "5", "50", "3", "30") +
            Row("e", "run", 3, false, "30", "500", "-", "30") +
            Row("a", "gate", 1, true, "0.5", "10", "2", "-", "1000") +
            Row("a", "gate", 2, false, "12", "1000", "-", "12", "1000"));
        return path;
    }

    private PowerSummary Summary() => new(TrialFile.Load(HandWritten()).Select(l => l.Record));

    [Theory]
    [InlineData("a", "run", 5, 3, 8.0, Bound.Exact)]
    [InlineData("b", "run", 4, 2, 16.5, Bound.AtLeast)]
    [InlineData("c", "run", 4, 1, 30.0, Bound.Above)]
    [InlineData("d", "run", 4, 4, 2.5, Bound.Exact)]
    [InlineData("e", "run", 3, 1, 30.0, Bound.Above)]
    [InlineData("a", "gate", 2, 1, 6.25, Bound.AtLeast)]
    public void MediansCountCensoredTrialsAtTheirBudget(string bug, string method, int trials, int found, double median, Bound bound)
    {
        Assert.True(PowerMethods.TryParse(method, out var m));
        var cell = Summary().Cell(bug, m)!;
        Assert.Equal((trials, found), (cell.Trials, cell.Found));
        Assert.Equal(new Estimate(median, bound), cell.Seconds.Median());
    }

    [Fact]
    public void SpreadInputsAndShrunkLengths()
    {
        var summary = Summary();
        var a = summary.Cell("a", PowerMethod.Run)!;
        Assert.Equal(new Estimate(2, Bound.Exact), a.Seconds.Min());
        Assert.Equal(new Estimate(30, Bound.Above), a.Seconds.Max());
        Assert.Equal(new Estimate(80, Bound.Exact), a.Inputs!.Median());
        Assert.Equal([3, 4, 5], a.Shrunk);
        Assert.Equal("4 [3–5]", a.ShrunkText());
        Assert.Equal(new Estimate(505, Bound.AtLeast), summary.Cell("a", PowerMethod.Gate)!.Inputs!.Median());
        Assert.Null(summary.Cell("b", PowerMethod.Gate));
    }

    [Fact]
    public void TheTableShowsCountsMediansSpreadsAndCensoring()
    {
        string table = PowerTable.Render(Summary(), TrialFile.FileName);
        Assert.Contains("| bug | gate found | gate seconds | gate inputs | gate shrunk | run found | run seconds | run inputs | run shrunk |", table);
        Assert.Contains("| `a` | 1/2 | ≥6.25 [0.5–>12] | ≥505 [10–>1000] | 2 | 3/5 | 8 [2–>30] | 80 [20–>950] | 4 [3–5] |", table);
        Assert.Contains("| `b` | — | — | — | — | 2/4 | ≥16.5 [1–>30] | ≥365 [10–>800] | 2 |", table);
        Assert.Contains("| `c` | — | — | — | — | 1/4 | >30 [1–>30] | >600 [9–>600] | 1 |", table);
        Assert.Contains("| `d` | — | — | — | — | 4/4 | 2.5 [1–10] | 25 [10–100] | 1 [1–2] |", table);
        Assert.Contains("- run: 5 of 5 bugs found by some trial, 1 by every trial; 11 of 20 trials found their bug;", table);
    }

    [Fact]
    public void PlainMediansOfOddAndEvenCounts()
    {
        // 3 1 2 -> 1 2 3: the middle one, 2. 4 1 3 2 -> 1 2 3 4: (2 + 3) / 2 = 2.5. 7 alone: 7.
        Assert.Equal(new Estimate(2, Bound.Exact), new CensoredSample([3, 1, 2], []).Median());
        Assert.Equal(new Estimate(2.5, Bound.Exact), new CensoredSample([4, 1, 3, 2], []).Median());
        Assert.Equal(new Estimate(7, Bound.Exact), new CensoredSample([7], []).Median());
        // One found of two: (1 + 30) / 2 = 15.5, a lower bound; none of one: above 30.
        Assert.Equal(new Estimate(15.5, Bound.AtLeast), new CensoredSample([1], [30]).Median());
        Assert.Equal(new Estimate(30, Bound.Above), new CensoredSample([], [30]).Median());
    }

    [Fact]
    public void ThePlotHasOneStepCurvePerMethodEndingAtItsBudget()
    {
        string script = PowerPlot.Script(Summary());
        // run: 20 trials, 11 found; the last found at 10 s is the 11th, 11/20 = 0.55; the curve ends at the 30 s budget.
        Assert.Contains("$run << EOD\n0.0001 0\n1 0.05\n", script);
        Assert.Contains("10 0.55\n30 0.55\nEOD\n", script);
        // gate: 2 trials, one found at 0.5 s (1/2), censored at 12 s.
        Assert.Contains("$gate << EOD\n0.0001 0\n0.5 0.5\n12 0.5\nEOD\n", script);
        Assert.Contains("set logscale x", script);
    }
}
