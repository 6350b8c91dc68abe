using Verify.Fuzz.Engine;
using Verify.Fuzz.Harness;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Buddy;

/// <summary>
/// The generator reaches deep states: full memory, fragmented memory, every order allocated, and
/// every error path of every operation, over the default gate's number of sequences.
/// </summary>
public sealed class GeneratorReachTests(ITestOutputHelper output)
{
    [Fact]
    public void GeneratedSequencesReachFullMemoryFragmentationEveryOrderAndEveryErrorPath()
    {
        ulong seed = Profile.SeedFor(nameof(GeneratedSequencesReachFullMemoryFragmentationEveryOrderAndEveryErrorPath));
        var random = new SplitMix64(seed);
        var reached = new SortedSet<string>(StringComparer.Ordinal);
        var runner = new Runner();
        runner.AfterStep = (_, op, outcome) =>
        {
            var model = runner.Model;
            reached.Add($"{op.Spec.Keyword} {(outcome.IsOk ? "ok" : outcome.Errno.ToString())}");
            if (op.Spec.Keyword == "alloc_pages" && outcome.IsOk) reached.Add($"order {op.A0} allocated");
            if (model.FreePageCount == 0 && model.Machine.Pages >= 64) reached.Add("memory full");
            if (model.FreeBlockCount(0) >= 8 && model.FreePageCount * 2 <= model.Machine.Pages) reached.Add("fragmented");
        };
        for (int i = 0; i < 450; i++)
            PropertyCheck.AssertPasses(output, runner, ScenarioGenerator.Generate(random.Next(), 200), CheckLevel.Cheap, $"reach test, seed {seed} (VERIFY_SEED={seed}), scenario {i}");
        output.WriteLine($"seed {seed}: reached {string.Join(", ", reached)}");
        var wanted = new List<string>
        {
            "memory full", "fragmented", "alloc_pages ENOMEM", "alloc_pages EINVAL", "free_pages ok", "free_pages_stale EINVAL",
            "alloc_pages_exact ok", "alloc_pages_exact EINVAL", "alloc_pages_exact ENOMEM",
        };
        wanted.AddRange(Enumerable.Range(0, KernelConstants.MaxPageOrder + 1).Select(o => $"order {o} allocated"));
        var missing = wanted.Where(w => !reached.Contains(w)).ToList();
        Assert.True(missing.Count == 0, $"reach: the generator never reached: {string.Join(", ", missing)} (seed {seed}, replay with VERIFY_SEED={seed})");
    }
}
