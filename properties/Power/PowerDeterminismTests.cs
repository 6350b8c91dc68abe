using Verify.Fuzz.Power;
using Xunit.Abstractions;

namespace Verify.Properties.Power;

/// <summary>
/// fuzz power's trials are reproducible: the same base seed gives every gate and run trial the same
/// seed, the same count of inputs to the first detection and the same shrunk length (only the seconds
/// differ); a second run into the same folder runs nothing; a run with another seed into it is refused.
/// One cheap planted bug, two trials, run twice, so it costs a few seconds.
/// </summary>
[Trait("Category", PowerTestSupport.Category)]
public sealed class PowerDeterminismTests(ITestOutputHelper output) : IDisposable
{
    private const string Bug = "buddy-exact-extra-page";

    private readonly string _dir = Directory.CreateTempSubdirectory("verify-power-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private List<TrialRecord> Run(string folder, string seed = "1")
    {
        var settings = PowerSettings.Parse(Bug, "gate,run", "2", seed, "30", "1", Path.Combine(_dir, folder), reportOnly: false);
        var log = new StringWriter();
        new PowerSession(settings, log).Run();
        output.WriteLine(log.ToString());
        return TrialFile.Load(settings.TrialsPath).Select(l => l.Record).ToList();
    }

    [Fact]
    public void TheSameSeedGivesTheSameTrialsButForTheSecondsAndARecordedTrialRunsOnce()
    {
        var first = Run("a");
        string tsv = File.ReadAllText(Path.Combine(_dir, "a", TrialFile.FileName));
        var second = Run("b");

        Assert.Equal(4, first.Count);
        Assert.All(first, t => Assert.True(t.Found, $"{t.Method} trial {t.Trial} did not find {Bug}: the comparison would only compare budgets"));
        Assert.Equal(first.Select(t => t with { Seconds = 0 }), second.Select(t => t with { Seconds = 0 }));
        Assert.Equal(4, first.Select(t => t.Seed).Distinct().Count());

        // Again into the first folder: every trial is recorded, nothing runs, the file is unchanged.
        Assert.Equal(first, Run("a"));
        Assert.Equal(tsv, File.ReadAllText(Path.Combine(_dir, "a", TrialFile.FileName)));
        // Another base seed into it would mix two designs in one file: refused before any trial runs.
        var e = Assert.Throws<PowerException>(() => Run("a", seed: "2"));
        Assert.StartsWith($"{Path.Combine(_dir, "a", TrialFile.FileName)}:2: trial 1 of gate on {Bug} has seed ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
