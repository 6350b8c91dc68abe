using Verify.Fuzz.Mutation;

namespace Verify.Properties.Mutation;

/// <summary>fuzz mutation-summary's arithmetic on a hand-written report, and its errors on bad input.</summary>
public sealed class MutationSummaryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verify-mutation-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Mutant(int line, string status, string replacement) =>
        "{\"id\":\"" + line + "\",\"mutatorName\":\"Bitwise mutation\",\"replacement\":\"" + replacement + "\",\"status\":\"" + status +
        "\",\"location\":{\"start\":{\"line\":" + line + ",\"column\":1},\"end\":{\"line\":" + line + ",\"column\":2}}}";

    /// <summary>
    /// 5 killed; 3 timeouts: line 13 on the looping list, line 14 on the equivalent list (it only ran
    /// slow), line 6 on neither; 3 survived, line 7 on the equivalent list; 2 uncovered, line 15 on
    /// the equivalent list (unreachable); 2 compile errors. Stryker's score 8/13 = 61.54%; without
    /// the 3 equivalent ones (7, 14, 15) on either side 7/10 = 70%; untriaged: survivors 8 and 9, the
    /// timeout of line 6 and the uncovered line 10 (4), ordered by line. A looping row does not triage
    /// a survivor (line 9), and a row matches only its own replacement (line 6).
    /// </summary>
    [Fact]
    public void ScoresLeaveOutListedEquivalentSurvivorsAndListTheRest()
    {
        var mutants = new List<string>();
        for (int line = 1; line <= 5; line++) mutants.Add(Mutant(line, "Killed", "a"));
        mutants.Add(Mutant(6, "Timeout", "a"));
        mutants.Add(Mutant(13, "Timeout", "1 >> order"));
        mutants.Add(Mutant(14, "Timeout", "usage >= max"));
        mutants.Add(Mutant(15, "NoCoverage", ";"));
        mutants.Add(Mutant(7, "Survived", "x >>> 6"));
        mutants.Add(Mutant(8, "Survived", "x >>> 6"));
        mutants.Add(Mutant(9, "Survived", "y"));
        mutants.Add(Mutant(10, "NoCoverage", "z"));
        mutants.Add(Mutant(11, "CompileError", "w"));
        mutants.Add(Mutant(12, "CompileError", "w"));
        string report = Write("report.json", "{\"schemaVersion\":\"1\",\"files\":{\"/repo/impl/Cgroups/SlotPool.cs\":{\"language\":\"cs\",\"source\":\"\",\"mutants\":[" +
            string.Join(",", mutants) + "]}}}");
        string equivalents = Write("equivalents.tsv", "# comment\nimpl/Cgroups/SlotPool.cs\t7\tBitwise\tx >> 6\tx >>> 6\tx is never negative\n" +
            "impl/Cgroups/Other.cs\t8\tBitwise\tx >> 6\tx >>> 6\tanother file\nimpl/Cgroups/SlotPool.cs\t6\tBitwise\tb\tc\tanother replacement on line 6\n" +
            "impl/Cgroups/SlotPool.cs\t14\tEquality\tusage > max\tusage >= max\tequal values change nothing\nimpl/Cgroups/SlotPool.cs\t15\tStatement\treturn;\t;\tunreachable\n");
        string looping = Write("looping.tsv", "impl/Cgroups/SlotPool.cs\t13\tBitwise\t1 << order\t1 >> order\tthe loop never advances\n" +
            "impl/Cgroups/SlotPool.cs\t9\tBitwise\tx\ty\ta looping row does not triage a survivor\n");

        var s = MutationSummary.Of(MutationReport.Load(report), ReviewedMutants.Load(equivalents), ReviewedMutants.Load(looping));

        Assert.Equal((5, 3, 3, 2, 3, 1, 1), (s.Killed, s.Timeout, s.Survived, s.NoCoverage, s.Equivalent, s.EquivalentTimeouts, s.Looping));
        Assert.Equal(800.0 / 13, s.StrykerScore, 6);
        Assert.Equal(70.0, s.Score, 6);
        Assert.Equal([6, 8, 9, 10], s.Untriaged.Select(m => m.Line));
    }

    /// <summary>A replacement that spans lines in the report matches a row that writes it on one line (white space runs compare as one space), and no other text.</summary>
    [Fact]
    public void ARowMatchesAReplacementThatSpansLinesWrittenOnOne()
    {
        var mutant = new Mutant("/repo/model/ModelKernel.cs", 108, "Conditional (false) mutation", "(false?run\n:a ? b\n        : run)", "Survived");
        Assert.True(new ReviewedMutant("model/ModelKernel.cs", 108, "Conditional", "x", "(false?run :a ? b : run)", "r").Matches(mutant));
        Assert.False(new ReviewedMutant("model/ModelKernel.cs", 108, "Conditional", "x", "(false?run :a ? c : run)", "r").Matches(mutant));
        Assert.False(new ReviewedMutant("model/ModelKernel.cs", 108, "Conditional", "x", "(false?run:a ? b : run)", "r").Matches(mutant));
    }

    [Fact]
    public void MalformedJsonNamesTheFileAndLine()
    {
        string report = Write("bad.json", "{\n  \"files\": {\n    oops\n}");
        var e = Assert.Throws<MutationReportException>(() => MutationReport.Load(report));
        Assert.StartsWith($"{report}:3:", e.Message);
    }

    [Fact]
    public void ABadListRowNamesTheFileAndLine()
    {
        string list = Write("list.tsv", "# header\nimpl/X.cs\tseven\tBitwise\ta\tb\treason\n");
        var e = Assert.Throws<MutationReportException>(() => ReviewedMutants.Load(list));
        Assert.StartsWith($"{list}:2: expected six tab-separated fields", e.Message);
    }
}
