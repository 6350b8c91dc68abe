using Verify.Fuzz.Engine;
using Verify.Model.Contract;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Verify.Properties.Support;

/// <summary>
/// A model-based property of one impl structure: random operations run on the structure and on a
/// trivial .NET collection, with the structure's self-check after every step. A failure prints the
/// seed, the broken invariant and the operation list shrunk to the fewest operations that still
/// fail (chunks deleted greedily, as ScenarioShrinker does), each operation readable.
/// </summary>
public static class StructureProperty
{
    /// <summary>
    /// Draws steps operations with generate, then replays them with run, which starts from an empty
    /// structure and returns the first failure ("invariant: message") or null. scope says whether run
    /// drives one structure alone (the mutation profile keeps all its steps: Profile.ScaleOneStructure),
    /// a whole kernel (the mutation profile's fraction: Profile.Scale), or a whole kernel with every
    /// step aimed at one subsystem's decisions (the mutation profile keeps a fifth: Profile.FullChecksShare).
    /// </summary>
    public static void Check<TOp>(ITestOutputHelper output, string name, int steps, Func<SplitMix64, TOp> generate, Func<IReadOnlyList<TOp>, string?> run,
        StructureScope scope = StructureScope.OneStructure)
        where TOp : notnull
    {
        ulong seed = Profile.SeedFor(name);
        int count = scope switch
        {
            StructureScope.OneStructure => Profile.ScaleOneStructure(steps),
            StructureScope.Focused when Profile.IsMutation => Profile.FullChecksShare(steps),
            _ => Profile.Scale(steps),
        };
        var random = new SplitMix64(seed);
        var ops = new List<TOp>(count);
        for (int i = 0; i < count; i++) ops.Add(generate(new SplitMix64(random.Next())));
        output.WriteLine($"{name}: seed {seed}, {count} operations (replay with VERIFY_SEED={seed})");
        if (run(ops) is not { } failure) return;
        if (!Profile.Shrinks) throw new XunitException($"{name}: seed {seed} (VERIFY_SEED={seed}): {failure} (not shrunk: mutation profile)");
        var shrunk = Shrink(ops, run);
        string report = $"{name}: seed {seed} (VERIFY_SEED={seed}): {run(shrunk) ?? failure}\n" +
                        $"  shrunk from {ops.Count} to {shrunk.Count} operations:\n    {string.Join("\n    ", shrunk)}";
        output.WriteLine(report);
        throw new XunitException(report);
    }

    /// <summary>The first violation the self-check finds, as "invariant: message", or null.</summary>
    public static string? Violation(Action<SelfCheckReport> check)
    {
        var report = new SelfCheckReport();
        check(report);
        return report.IsClean ? null : $"{report.Found[0].Invariant}: {report.Found[0].Message}";
    }

    private static List<TOp> Shrink<TOp>(List<TOp> ops, Func<IReadOnlyList<TOp>, string?> run)
    {
        var current = ops;
        for (int chunk = Math.Max(1, current.Count / 2); chunk >= 1; chunk = chunk == 1 ? 0 : chunk / 2)
        {
            for (int start = 0; start + chunk <= current.Count;)
            {
                var fewer = current.Take(start).Concat(current.Skip(start + chunk)).ToList();
                if (run(fewer) is not null) current = fewer;
                else start += chunk;
            }
        }
        return current;
    }
}

/// <summary>
/// What a structure property's run drives: one structure alone; a whole kernel around it; or a whole
/// kernel whose every step is dense in one subsystem's decisions (each step an OOM, say), where a
/// fiftieth would leave too few of them to kill that subsystem's mutants.
/// </summary>
public enum StructureScope { OneStructure, WholeKernel, Focused }
