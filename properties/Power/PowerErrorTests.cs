using Verify.Fuzz.Power;

namespace Verify.Properties.Power;

/// <summary>fuzz power's one-line errors: every bad option value names its option, every bad trials.tsv line its file and line.</summary>
[Trait("Category", PowerTestSupport.Category)]
public sealed class PowerErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verify-power-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("--bugs", "no-such-bug", "gate", "5", "1", "30", "1", "out", "--bugs: unknown planted bug 'no-such-bug' (known: ")]
    [InlineData("--bugs", "buddy-top-free-ignored,", "gate", "5", "1", "30", "1", "out", "--bugs: 'buddy-top-free-ignored,' has an empty name")]
    [InlineData("--methods", "all", "gate,fuzz", "5", "1", "30", "1", "out", "--methods: unknown method 'fuzz' (gate, run or campaign")]
    [InlineData("--trials", "all", "gate", "0", "1", "30", "1", "out", "--trials: '0' is not a whole number from 1 to 1000")]
    [InlineData("--trials", "all", "gate", "five", "1", "30", "1", "out", "--trials: 'five' is not a whole number")]
    [InlineData("--trials", "all", "gate", "-3", "1", "30", "1", "out", "--trials: '-3' is not a whole number")]
    [InlineData("--seed", "all", "gate", "5", "-1", "30", "1", "out", "--seed: '-1' is not an unsigned 64-bit number")]
    [InlineData("--run-seconds", "all", "gate", "5", "1", "0", "1", "out", "--run-seconds: '0' is not a positive number of seconds")]
    [InlineData("--run-seconds", "all", "gate", "5", "1", "NaN", "1", "out", "--run-seconds: 'NaN' is not a positive number of seconds")]
    [InlineData("--campaign-minutes", "all", "gate", "5", "1", "30", "1m", "out", "--campaign-minutes: '1m' is not a positive number of minutes")]
    [InlineData("--out", "all", "gate", "5", "1", "30", "1", " ", "--out: the folder name is empty")]
    public void ABadOptionValueIsOneLineNamingTheOption(string option, string bugs, string methods, string trials, string seed, string runSeconds, string minutes, string output, string expected)
    {
        var e = Assert.Throws<PowerException>(() => PowerSettings.Parse(bugs, methods, trials, seed, runSeconds, minutes, output, reportOnly: false));
        Assert.StartsWith(option + ":", e.Message);
        Assert.StartsWith(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("1e3")]
    public void AGateBudgetOutsideOneToTheGatesOwnIsOneLineNamingTheOption(string sequences)
    {
        var e = Assert.Throws<PowerException>(() => PowerSettings.Parse("all", "gate", "5", "1", "30", "1", "out", reportOnly: false, sequences));
        Assert.Equal($"--gate-sequences: '{sequences}' is not a whole number from 1 to 1000", e.Message);
        Assert.Equal(100, PowerSettings.Parse("all", "gate", "5", "1", "30", "1", "out", reportOnly: false, "100").GateSequences);
    }

    [Fact]
    public void GoodValuesAreSortedAndDeduplicated()
    {
        var s = PowerSettings.Parse("slab-kmalloc-96-from-128,buddy-top-free-ignored,slab-kmalloc-96-from-128", "campaign,gate", "3", "18446744073709551615", "2.5", "0.5", "out", reportOnly: true);
        Assert.Equal(["buddy-top-free-ignored", "slab-kmalloc-96-from-128"], s.Bugs);
        Assert.Equal([PowerMethod.Gate, PowerMethod.Campaign], s.Methods);
        Assert.Equal((3, ulong.MaxValue, 2.5, 0.5, true), (s.Trials, s.BaseSeed, s.RunSeconds, s.CampaignMinutes, s.ReportOnly));
        Assert.Equal(Path.GetFullPath("out"), s.OutputDirectory);
    }

    private const string Header = "bug\tmethod\ttrial\tseed\tfound\tseconds\tsequences\tshrunk_ops\tbudget_seconds\tbudget_sequences\thost";
    private const string Good = "a\trun\t1\t5\tyes\t0.25\t3\t2\t30\t-\th";

    [Theory]
    [InlineData(Header + "\n" + Good + "\na\trun\t2\t5\tyes\t0.25\t3\t2\t30\n", 3, "expected 11 tab-separated fields")]
    [InlineData(Header + "\na\tfuzz\t1\t5\tyes\t0.25\t3\t2\t30\t-\th\n", 2, "method 'fuzz' is not gate, run or campaign")]
    [InlineData(Header + "\na\trun\t0\t5\tyes\t0.25\t3\t2\t30\t-\th\n", 2, "trial '0' is not a whole number of at least 1")]
    [InlineData(Header + "\na\trun\t1\tx\tyes\t0.25\t3\t2\t30\t-\th\n", 2, "seed 'x' is not an unsigned 64-bit number or '-'")]
    [InlineData(Header + "\na\trun\t1\t5\tmaybe\t0.25\t3\t2\t30\t-\th\n", 2, "found 'maybe' is not yes or no")]
    [InlineData(Header + "\na\trun\t1\t5\tyes\t-1\t3\t2\t30\t-\th\n", 2, "seconds '-1' is not a number of seconds or '-'")]
    [InlineData(Header + "\na\trun\t1\t5\tyes\t0.25\tmany\t2\t30\t-\th\n", 2, "sequences 'many' is not a whole number or '-'")]
    [InlineData(Good + "\n", 1, "expected the header line")]
    [InlineData(Header + "\n" + Good + "\n\n" + Header + "\n" + Good + "\n", 5, "trial 1 of run on a is already on line 2")]
    public void ABadTrialsLineNamesTheFileAndLine(string text, int line, string expected)
    {
        string path = Path.Combine(_dir, TrialFile.FileName);
        File.WriteAllText(path, text);
        var e = Assert.Throws<PowerException>(() => TrialFile.Load(path));
        Assert.StartsWith($"{path}:{line}: {expected}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ConcatenatedFilesWithRepeatedHeadersAndBlankLinesLoad()
    {
        string path = Path.Combine(_dir, TrialFile.FileName);
        File.WriteAllText(path, Header + "\r\n" + Good + "\r\n\n" + Header + "\n" + Good.Replace("\t1\t5\t", "\t2\t6\t") + "\n");
        var lines = TrialFile.Load(path);
        Assert.Equal([2, 5], lines.Select(l => l.Number));
        Assert.Equal(Good, lines[0].Record.ToLine().Replace("0.250000", "0.25").Replace("30.000000", "30"));
    }

    [Fact]
    public void ReportOnlyWithoutTrialsIsAnError()
    {
        var settings = PowerSettings.Parse("all", "gate", "1", "1", "30", "1", Path.Combine(_dir, "empty"), reportOnly: true);
        var e = Assert.Throws<PowerException>(() => new PowerSession(settings, TextWriter.Null).Run());
        Assert.Equal($"{settings.TrialsPath}: no trials recorded; run fuzz power without --report-only first", e.Message);
    }
}
