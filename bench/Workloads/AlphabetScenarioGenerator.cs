using Verify.Model.Alphabet;
using Verify.Model.Contract;

namespace Verify.Bench.Workloads;

/// <summary>
/// Scenarios drawn from a set of the alphabet's operations at their default weights, on a fixed
/// machine and with a fixed length: the buddy operations alone, or the whole alphabet (so
/// operations added later are benchmarked too). Integer arguments are uniform or log-uniform over
/// their range as their ArgSpec says; references are uniform over 0..RefIndexMax.
/// Deterministic: depends only on the seed, the operations, machine, count and length.
/// </summary>
public static class AlphabetScenarioGenerator
{
    public const int SeedDefault = 0x5EED_0003;

    public static IReadOnlyList<OpSpec> BuddySpecs { get; } =
        new[] { "alloc_pages", "free_pages", "free_pages_stale", "alloc_pages_exact" }
            .Select(keyword => Alphabet.ByKeyword(keyword) ?? throw new InvalidOperationException($"no operation '{keyword}'"))
            .ToArray();

    public static IReadOnlyList<OpSpec> AllSpecs => Alphabet.Specs;

    public static Scenario[] Generate(
        IReadOnlyList<OpSpec> specs, MachineConfig machine, int scenarioCount, int opsPerScenario, int seed = SeedDefault)
    {
        Require.That(specs.Count > 0 && specs.All(spec => spec.Weight > 0), "operations with positive weights");
        var random = new Random(seed);
        var scenarios = new Scenario[scenarioCount];
        for (int s = 0; s < scenarioCount; s++)
        {
            var ops = new Op[opsPerScenario];
            for (int i = 0; i < opsPerScenario; i++) ops[i] = RandomOp(random, specs);
            scenarios[s] = new Scenario(machine, ops);
        }
        return scenarios;
    }

    private static Op RandomOp(Random random, IReadOnlyList<OpSpec> specs)
    {
        var spec = PickSpec(random, specs);
        var op = new Op(spec.Code);
        for (int a = 0; a < spec.Args.Count; a++) op = op.WithArg(a, RandomValue(random, spec.Args[a]));
        return op;
    }

    private static OpSpec PickSpec(Random random, IReadOnlyList<OpSpec> specs)
    {
        int weightTotal = specs.Sum(spec => spec.Weight);
        int pick = random.Next(weightTotal);
        foreach (var spec in specs)
        {
            pick -= spec.Weight;
            if (pick < 0) return spec;
        }
        return specs[^1];
    }

    private static long RandomValue(Random random, ArgSpec arg)
    {
        if (arg.IsReference || arg.Spread == Spread.Uniform) return random.NextInt64(arg.Min, arg.Max + 1);
        // Log-uniform: a random power-of-two bound, then uniform below it.
        int bits = 64 - (int)ulong.LeadingZeroCount((ulong)(arg.Max - arg.Min));
        long span = Math.Min(arg.Max - arg.Min, (1L << random.Next(bits + 1)) - 1);
        return arg.Min + random.NextInt64(0, span + 1);
    }
}
