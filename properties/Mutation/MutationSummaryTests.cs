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
    /// 5 killed, 2 timeouts of which 1 on the looping list, 3 survived of which 1 on the equivalent
    /// list, 1 uncovered, 2 compile errors: Stryker's score 7/11 = 63.64%; without the listed
    /// survivor 7/10 = 70%; untriaged: 2 survivors, the unlisted timeout and the uncovered one (4),
    /// ordered by line. A list row matches only its own status: the equivalent row of line 13 does
    /// not triage the timeout there.
    /// </summary>
    [Fact]
    public void ScoresLeaveOutListedEquivalentSurvivorsAndListTheRest()
    {
        var mutants = new List<string>();
        for (int line = 1; line <= 5; line++) mutants.Add(Mutant(line, "Killed", "a"));
        mutants.Add(Mutant(6, "Timeout", "a"));
        mutants.Add(Mutant(13, "Timeout", "1 >> order"));
        mutants.Add(Mutant(7, "Survived", "x >>> 6"));
        mutants.Add(Mutant(8, "Survived", "x >>> 6"));
        mutants.Add(Mutant(9, "Survived", "y"));
        mutants.Add(Mutant(10, "NoCoverage", "z"));
        mutants.Add(Mutant(11, "CompileError", "w"));
        mutants.Add(Mutant(12, "CompileError", "w"));
        string report = Write("report.json", "{\"schemaVersion\":\"1\",\"files\":{\"/repo/impl/Cgroups/SlotPool.cs\":{\"language\":\"cs\",\"source\":\"\",\"mutants\":[" +
            string.Join(",", mutants) + "]}}}");
        string equivalents = Write("equivalents.tsv", "# comment\nimpl/Cgroups/SlotPool.cs\t7\tBitwise\tx >> 6\tx >>> 6\tx is never negative\n" +
            "impl/Cgroups/Other.cs\t8\tBitwise\tx >> 6\tx >>> 6\tanother file\nimpl/Cgroups/SlotPool.cs\t6\tBitwise\tb\ta\ta survivor row, not a timeout\n");
        string looping = Write("looping.tsv", "impl/Cgroups/SlotPool.cs\t13\tBitwise\t1 << order\t1 >> order\tthe loop never advances\n");

        var s = MutationSummary.Of(MutationReport.Load(report), ReviewedMutants.Load(equivalents), ReviewedMutants.Load(looping));

        Assert.Equal((5, 2, 3, 1, 1, 1), (s.Killed, s.Timeout, s.Survived, s.NoCoverage, s.Equivalent, s.Looping));
        Assert.Equal(700.0 / 11, s.StrykerScore, 6);
        Assert.Equal(70.0, s.Score, 6);
        Assert.Equal([6, 8, 9, 10], s.Untriaged.Select(m => m.Line));
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
