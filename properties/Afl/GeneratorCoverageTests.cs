using Verify.Fuzz.Afl;
using Verify.Fuzz.Engine;
using Verify.Fuzz.Formats;
using Xunit;
using Xunit.Abstractions;

namespace Verify.Properties.Afl;

/// <summary>The coverage comparison's generator side: GeneratorInputs and afl-target --generator-count.</summary>
public sealed class GeneratorCoverageTests(ITestOutputHelper output)
{
    [Fact]
    public void GeneratorInputsAreTheSameForTheSameSeedAndFollowFsChecksSizeSchedule()
    {
        var first = Draw(seed: 5, count: 150);
        var again = Draw(seed: 5, count: 150);
        var other = Draw(seed: 6, count: 150);
        Assert.Equal(150, first.Count);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        for (int i = 0; i < first.Count; i++)
        {
            int size = i % ScenarioGenerator.SizeMax + 1;
            int opsMax = ScenarioGenerator.OpsMaxForSize(size, GeneratorInputs.OpsMax);
            Assert.True(ByteCodec.Decode(first[i]).Ops.Count <= opsMax, $"input {i} (size {size}) has more than {opsMax} operations");
        }
        // The same scenarios ScenarioGenerator makes from the SplitMix64 stream of the seed.
        var seeds = new SplitMix64(5);
        var generated = ScenarioGenerator.Draw(seeds.Next(), 2);
        Assert.Equal(ByteCodec.Encode(generated.Scenario, generated.Swarm), first[0]);
    }

    [Fact]
    public void TheGeneratorCoverageReportIsReproducibleFromItsSeedAndCount()
    {
        string root = AflTestSupport.NewTempDirectory("generator-coverage");
        try
        {
            var copy = InstrumentedCopy.Create(AflTestSupport.FuzzBuildOutput, Path.Combine(root, "blocks"), ProbeMode.Blocks);
            string harness = Path.Combine(copy.TargetDirectory, InstrumentedCopy.HarnessAssembly);
            string[] args = [harness, "afl-target", "--coverage-report", "--generator-count", "40", "--seed", "3"];
            var (exitCode, text) = AflTestSupport.RunDotnet(args, TimeSpan.FromMinutes(2));
            output.WriteLine(text);
            Assert.Equal(0, exitCode);
            Assert.Contains("coverage of 40 inputs", text);
            Assert.Matches(@"Verify\.Impl: [1-9]\d*/\d+ probes reached", text);
            Assert.Contains("replay with --seed 3 --generator-count 40", text);
            var (_, again) = AflTestSupport.RunDotnet(args, TimeSpan.FromMinutes(2));
            Assert.Equal(ProbeLines(text), ProbeLines(again));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void AGeneratorBudgetWithoutCoverageReportIsBadUsage()
    {
        string harness = Path.Combine(AflTestSupport.FuzzBuildOutput, InstrumentedCopy.HarnessAssembly);
        var (exitCode, text) = AflTestSupport.RunDotnet([harness, "afl-target", "--generator-count", "5"], TimeSpan.FromMinutes(1));
        Assert.Equal(2, exitCode);
        Assert.Contains("--generator-seconds S (S > 0) or --generator-count N (N > 0)", text);
    }

    private static List<byte[]> Draw(ulong seed, int count)
    {
        int drawn = 0;
        return GeneratorInputs.Draw(seed, () => drawn < count, n => drawn = n).ToList();
    }

    private static string ProbeLines(string text) =>
        string.Join('\n', text.Split('\n').Where(line => line.Contains("probes reached", StringComparison.Ordinal)));
}
