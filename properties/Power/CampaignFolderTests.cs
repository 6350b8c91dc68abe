using Verify.Fuzz.Power;

namespace Verify.Properties.Power;

/// <summary>A campaign trial's result read from a hand-made campaign folder: AFL++'s crash names give the first crash's time, the saved regressions give found and the shrunk length.</summary>
[Trait("Category", PowerTestSupport.Category)]
public sealed class CampaignFolderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verify-power-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Write(string relative, string text)
    {
        string path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    [Fact]
    public void TheFirstCrashByTimeAndTheShortestRegression()
    {
        Write("sync/main-h/crashes/README.txt", "Command line used to find this crash: ...");
        Write("sync/main-h/crashes/id:000000,sig:06,src:000003,time:2500,execs:9000,op:havoc,rep:2", "x");
        Write("sync/main-h/crashes/id:000001,sig:06,src:000001+000004,time:1250,execs:4100,op:splice,rep:8", "y");
        Write("sync/main-h/queue/id:000000,time:0,execs:0,orig:seed.bin", "z");
        Write("regressions/aaaa.trace", "# a finding\nmachine pages=64 cpus=1\nalloc_pages order=0\nfree_pages ref=0\nalloc_pages order=1\n");
        Write("regressions/bbbb.trace", "machine pages=64 cpus=1\nalloc_pages order=0\nfree_pages ref=0\n");

        var outcome = CampaignFolder.Measure(_dir);

        // Crash 1 (1250 ms) precedes crash 0 (2500 ms); the regressions hold 3 and 2 operations.
        Assert.Equal(new CampaignFolder.Outcome(true, 1.25, 4100, 2, 2), outcome);
    }

    [Fact]
    public void NoRegressionIsNotFoundEvenWithCrashes()
    {
        Write("sync/main-h/crashes/id:000000,sig:09,src:000000,time:700,execs:10,op:havoc,rep:2", "x");
        Assert.Equal(new CampaignFolder.Outcome(false, 0.7, 10, null, 1), CampaignFolder.Measure(_dir));
        Assert.Equal(new CampaignFolder.Outcome(false, null, null, null, 0), CampaignFolder.Measure(Path.Combine(_dir, "missing")));
    }

    [Fact]
    public void CrashNamesWithoutATimeFieldAreRecognized()
    {
        Assert.True(CampaignFolder.CrashTime("id:000002,sig:06,src:000000,time:42,op:flip1,pos:0", out double seconds, out long? executions));
        Assert.Equal((0.042, (long?)null), (seconds, executions));
        Assert.False(CampaignFolder.CrashTime("id:000002,sig:06,src:000000,op:flip1,pos:0", out _, out _));
        Assert.False(CampaignFolder.CrashTime("id:000003,sig:06,src:000000,uptime:42,op:flip1", out _, out _));
    }
}
