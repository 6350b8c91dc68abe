using Verify.Fuzz.Afl;
using Verify.Fuzz.Formats;
using Verify.Fuzz.Harness;
using Verify.Properties.Support;

namespace Verify.Properties.Afl;

/// <summary>How a campaign seeds AFL and reads AFL's numbers back.</summary>
public sealed class SeedCorpusTests
{
    public static TheoryData<string> Traces() =>
        new(InputFile.Expand([RepoPaths.Corpus]).Where(p => p.EndsWith(".trace", StringComparison.Ordinal)).Select(p => Path.GetRelativePath(RepoPaths.Corpus, p)));

    [Theory]
    [MemberData(nameof(Traces))]
    public void ATightHeaderDecodesToTheSameScenario(string relativePath)
    {
        var scenario = TraceFormat.ParseFile(Path.Combine(RepoPaths.Corpus, relativePath));
        byte[] encoded = ByteCodec.Encode(scenario);
        byte[] tight = SeedCorpus.TightHeader(encoded);
        Assert.Equal(TraceFormat.Print(scenario), TraceFormat.Print(ByteCodec.Decode(tight)));
        Assert.True(tight[0] <= encoded[0]);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(1500, 11)]
    [InlineData(4096, 12)]
    [InlineData(4097, 13)]
    [InlineData(1 << 20, 20)]
    public void TheTightScaleIsTheBitLengthOfPagesMinusOne(int pages, int scaleBits)
    {
        var scenario = new Model.Alphabet.Scenario(new Model.Contract.MachineConfig(pages, 1), []);
        Assert.Equal(ByteCodec.V2Marker | scaleBits, SeedCorpus.TightHeader(ByteCodec.Encode(scenario))[0]);
    }

    [Fact]
    public void ASeedThatAlreadyFailsIsLeftOutAndListed()
    {
        string root = AflTestSupport.NewTempDirectory("seeds");
        try
        {
            string seeds = Path.Combine(root, "seeds"), input = Path.Combine(root, "in");
            Directory.CreateDirectory(seeds);
            File.WriteAllText(Path.Combine(seeds, "reaches-bug.trace"), "machine pages=1024 cpus=1\nalloc_pages order=10\n");
            File.WriteAllText(Path.Combine(seeds, "clean.trace"), "machine pages=1500 cpus=2\nalloc_pages order=0\n");
            File.WriteAllText(Path.Combine(seeds, "clean-again.trace"), "# same scenario, other comment\nmachine pages=1500 cpus=2\nalloc_pages order=0\n");
            File.WriteAllText(Path.Combine(seeds, "broken.trace"), "alloc_pages order=0\n");

            var result = SeedCorpus.Prepare(seeds, input, new FuzzTarget("buddy-last-max-order-block"));

            Assert.Equal(1, result.Written);
            Assert.Single(Directory.GetFiles(input));
            Assert.Contains(result.Failing, line => line.StartsWith("reaches-bug.trace", StringComparison.Ordinal));
            Assert.Contains(result.Unreadable, line => line.Contains("broken.trace"));
            Assert.False(result.BuiltIn);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void StatsComeFromFuzzerStatsAndThePlotDataAndTheFolders()
    {
        string instance = AflTestSupport.NewTempDirectory("stats");
        try
        {
            File.WriteAllText(Path.Combine(instance, "fuzzer_stats"),
                "execs_done        : 1000\nexecs_per_sec     : 12.50\ncorpus_count      : 7\nstability         : 98.25%\nbitmap_cvg        : 1.50%\nsaved_crashes     : 1\nsaved_hangs       : 0\nedges_found       : 900\n");
            File.WriteAllText(Path.Combine(instance, "plot_data"),
                "# relative_time, cycles_done, cur_item, corpus_count, pending_total, pending_favs, map_size, saved_crashes, saved_hangs, max_depth, execs_per_sec, total_execs, edges_found\n" +
                "61, 0, 3, 9, 8, 1, 2.00%, 2, 0, 2, 480.50, 2500, 950\n");
            Directory.CreateDirectory(Path.Combine(instance, "crashes"));
            foreach (string name in new[] { "id:000000,sig:06", "id:000001,sig:06", "id:000002,sig:06", "README.txt" })
                File.WriteAllText(Path.Combine(instance, "crashes", name), "");

            var stats = InstanceStats.Read(instance);

            Assert.Equal(2500, stats.Executions);
            Assert.Equal(480.50, stats.ExecsPerSecond);
            Assert.Equal(9, stats.Paths);
            Assert.Equal(2.00, stats.MapCoveragePercent);
            Assert.Equal(3, stats.Crashes);
            Assert.Equal(98.25, stats.StabilityPercent);
            Assert.Equal(950, stats.EdgesFound);
            Assert.True(stats.Current);
        }
        finally
        {
            Directory.Delete(instance, recursive: true);
        }
    }
}
