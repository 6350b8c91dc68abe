using Verify.Fuzz.Engine;
using Verify.Fuzz.Harness;
using Verify.Model.Alphabet;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Slab;

/// <summary>
/// The generator reaches the slab layer's deep states: every outcome of every slab operation
/// that has one, and an empty slab going back to the buddy allocator past min_partial.
/// </summary>
public sealed class SlabReachTests(ITestOutputHelper output)
{
    [Fact]
    public void GeneratedSequencesReachEverySlabOutcomeAndMinPartialRelease()
    {
        ulong seed = Profile.SeedFor(nameof(GeneratedSequencesReachEverySlabOutcomeAndMinPartialRelease));
        var random = new SplitMix64(seed);
        var recorder = new ReachRecorder();
        for (int i = 0; i < 900; i++)
        {
            var scenario = ScenarioGenerator.Generate(random.Next(), 300);
            // A failing scenario is run again on a fresh runner, shrunk and reported with its seed and invariant.
            if (!recorder.Run(scenario, CheckLevel.Cheap).Passed)
                PropertyCheck.AssertPasses(output, new Runner(), scenario, CheckLevel.Cheap, $"slab reach test, seed {seed} (VERIFY_SEED={seed}), scenario {i}");
        }
        output.WriteLine($"seed {seed}: reached {string.Join(", ", recorder.Reached)}");
        var missing = Wanted.Where(w => !recorder.Reached.Contains(w)).ToList();
        Assert.True(missing.Count == 0, $"reach: the generator never reached: {string.Join(", ", missing)} (seed {seed}, replay with VERIFY_SEED={seed})");
    }

    [Fact]
    public void TheSlabSeedsReachEverySlabOutcomeAndMinPartialRelease()
    {
        var recorder = new ReachRecorder();
        var seeds = Directory.GetFiles(Path.Combine(RepoPaths.Corpus, "seeds"), "slab-*.trace");
        Assert.NotEmpty(seeds);
        foreach (var path in seeds)
        {
            var result = recorder.Run(Verify.Fuzz.Formats.TraceFormat.ParseFile(path), CheckLevel.Full);
            Assert.True(result.Passed, $"{path}: {result.Failure}");
        }
        var missing = Wanted.Where(w => !recorder.Reached.Contains(w)).ToList();
        Assert.True(missing.Count == 0, $"the slab seeds never reach: {string.Join(", ", missing)}");
    }

    /// <summary>
    /// Runs scenarios and records "keyword outcome" for every step, plus "empty slab released"
    /// when a successful cache_free lowers the model's allocated page count within one run.
    /// </summary>
    private sealed class ReachRecorder
    {
        private readonly Runner _runner = new();
        private long _allocatedBefore;

        public ReachRecorder() => _runner.AfterStep = (_, op, outcome) =>
        {
            Reached.Add($"{op.Spec.Keyword} {(outcome.IsOk ? "ok" : outcome.Errno.ToString())}");
            long allocated = _runner.Model.AllocatedPageCount;
            if (op.Spec.Keyword == "cache_free" && outcome.IsOk && allocated < _allocatedBefore) Reached.Add("empty slab released");
            _allocatedBefore = allocated;
        };

        public SortedSet<string> Reached { get; } = new(StringComparer.Ordinal);

        public RunResult Run(Scenario scenario, CheckLevel level)
        {
            _allocatedBefore = 0;
            return _runner.Run(scenario, level);
        }
    }

    private static readonly string[] Wanted =
        [
            "cache_create ok", "cache_create EINVAL", "cache_destroy ok", "cache_destroy EBUSY", "cache_set_account ok", "cache_set_account EBUSY",
            "setup_cache_set_account EINVAL", "setup_cache_set_account ok", "cache_alloc ok", "cache_alloc ENOMEM", "cache_free ok",
            "cache_free_stale EINVAL", "cache_free_inside EINVAL", "cache_free_wrong EINVAL", "kmalloc ok", "kmalloc EINVAL", "kmalloc ENOMEM",
            "kfree ok", "kfree_stale EINVAL", "kfree_inside EINVAL", "vmalloc ok", "vmalloc EINVAL", "vmalloc ENOMEM", "vfree ok",
            "vfree_stale EINVAL", "dentry_alloc ok", "dentry_alloc EINVAL", "dentry_alloc ENOMEM", "dentry_pin ok", "dentry_pin EINVAL",
            "dentry_unpin ok", "dentry_unpin EINVAL", "shrink ok", "empty slab released",
        ];
}
