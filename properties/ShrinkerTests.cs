using Verify.Fuzz.Engine;
using Verify.Fuzz.Formats;
using Verify.Fuzz.Harness;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties;

/// <summary>The shrinker's last pass writes each live reference as the index it resolves to, which changes what a trace says, never what it means.</summary>
public sealed class ShrinkerTests(ITestOutputHelper output)
{
    [Fact]
    public void CanonicalReferencesAreSmallAndMeanTheSame()
    {
        var scenario = TraceFormat.Parse("machine pages=64 cpus=1\ncgroup_create parent=200\ncgroup_create parent=15\ntask_fork task=77\ntask_attach task=9 cgroup=190\ncgroup_remove cgroup=4\n");
        var canonical = ScenarioShrinker.WithCanonicalReferences(scenario);
        Assert.Equal(
            "machine pages=64 cpus=1\ncgroup_create parent=0\ncgroup_create parent=1\ntask_fork task=0\ntask_attach task=1 cgroup=1\ncgroup_remove cgroup=1\n",
            TraceFormat.Print(canonical));
        Assert.Equal(StepAnnotations.Of(scenario), StepAnnotations.Of(canonical));

        ulong seed = Profile.SeedFor(nameof(CanonicalReferencesAreSmallAndMeanTheSame));
        var random = new SplitMix64(seed);
        for (int i = 0; i < 200; i++)
        {
            var generated = ScenarioGenerator.Generate(random.Next(), 120);
            var rewritten = ScenarioShrinker.WithCanonicalReferences(generated);
            bool same = StepAnnotations.Of(generated).SequenceEqual(StepAnnotations.Of(rewritten));
            if (!same) output.WriteLine($"seed {seed} (VERIFY_SEED={seed}), scenario {i}:\n{TraceFormat.Print(generated)}");
            Assert.True(same, $"canonical references changed what scenario {i} does (seed {seed}, VERIFY_SEED={seed})");
        }
    }
}
