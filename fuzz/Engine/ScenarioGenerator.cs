using Verify.Model.Alphabet;
using Verify.Model.Contract;

namespace Verify.Fuzz.Engine;

/// <summary>
/// Random scenarios from the alphabet, shaped to reach deep states. Each scenario draws a mood
/// that reweights the alphabet (balanced, filling memory, fragmenting it, one favourite order)
/// and a machine biased towards sizes where memory can be filled and every order occurs.
/// The scenario depends only on the seed and the length bound.
/// </summary>
public static class ScenarioGenerator
{
    public enum Mood { Balanced, FillUp, Fragment, FavouriteOrder }

    /// <summary>Which layer a scenario exercises: the buddy allocator alone, mostly the slab layer on top of it, or both evenly.</summary>
    public enum Focus { Buddy, SlabHeavy, Mixed }

    /// <summary>FsCheck's largest size, at which a sized generator may use all of its opsMax.</summary>
    public const int SizeMax = 100;

    /// <summary>The length bound for FsCheck size size (1..SizeMax): in proportion to it, at least 1 and at most opsMax.</summary>
    public static int OpsMaxForSize(int size, int opsMax) => Math.Clamp(size * opsMax / SizeMax, 1, opsMax);

    /// <summary>A generated scenario with the choices that shaped it (for reach statistics).</summary>
    public sealed record Generated(Scenario Scenario, Mood Mood, Focus Focus);

    public static Scenario Generate(ulong seed, int opsMax) => Draw(seed, opsMax).Scenario;

    public static Generated Draw(ulong seed, int opsMax)
    {
        var random = new SplitMix64(seed);
        var machine = new MachineConfig(Pages(ref random), (int)random.Range(KernelConstants.CpusMin, KernelConstants.CpusMax));
        var mood = (Mood)random.Range(0, 3);
        int favouriteOrder = (int)random.Range(0, Alphabet.AllocOrderMax);
        int count = (int)random.Range(0, Math.Min(opsMax, Scenario.OpsMax));
        // Half the scenarios keep to the buddy allocator, so its deep states stay as reachable as before the slab layer.
        var focus = random.Range(0, 3) switch { <= 1 => Focus.Buddy, 2 => Focus.SlabHeavy, _ => Focus.Mixed };
        var ops = new Op[count];
        for (int i = 0; i < count; i++)
        {
            // Fragmenting: allocate for the first half, then mostly free.
            bool secondHalf = i >= count / 2;
            var spec = PickSpec(ref random, mood, focus, secondHalf);
            var op = new Op(spec.Code);
            for (int a = 0; a < spec.Args.Count; a++)
            {
                var arg = spec.Args[a];
                long value = arg.Name == "order" && mood == Mood.FavouriteOrder && random.Chance(70) ? favouriteOrder : Value(ref random, arg);
                if (arg.Name == "order" && mood == Mood.Fragment && random.Chance(80)) value = random.Range(0, 1);
                op = op.WithArg(a, value);
            }
            ops[i] = op;
        }
        return new Generated(new Scenario(machine, ops), mood, focus);
    }

    /// <summary>A machine size: tiny, a power of two, a multiple of the largest block, or any size.</summary>
    private static int Pages(ref SplitMix64 random)
    {
        int kind = (int)random.Range(0, 9);
        return kind switch
        {
            <= 2 => (int)random.Range(1, 64),
            <= 4 => 1 << (int)random.Range(0, 12),
            <= 6 => 1024 * (int)random.Range(1, 4) + (random.Chance(50) ? 0 : (int)random.Range(1, 1023)),
            7 => (int)random.Range(1, 4096),
            _ => (int)random.Range(1, KernelConstants.MachinePagesMax >> (int)random.Range(0, 8)),
        };
    }

    private static OpSpec PickSpec(ref SplitMix64 random, Mood mood, Focus focus, bool secondHalf)
    {
        long total = 0;
        foreach (var spec in Alphabet.Specs) total += FocusWeight(spec, mood, focus, secondHalf);
        long pick = random.Range(0, total - 1);
        foreach (var spec in Alphabet.Specs)
        {
            pick -= FocusWeight(spec, mood, focus, secondHalf);
            if (pick < 0) return spec;
        }
        return Alphabet.Specs[^1];
    }

    /// <summary>The mood's weight, then the focus: buddy scenarios leave the slab layer out; slab-heavy ones keep a little buddy traffic for memory pressure.</summary>
    private static long FocusWeight(OpSpec spec, Mood mood, Focus focus, bool secondHalf)
    {
        long weight = Weight(spec, mood, secondHalf);
        bool slab = Alphabet.IsSlabOp(spec);
        return focus switch
        {
            Focus.Buddy => slab ? 0 : weight,
            Focus.SlabHeavy => slab ? weight * 4 : Math.Max(1, weight / 4),
            _ => weight,
        };
    }

    /// <summary>The spec's weight, shifted by mood: producers up when filling, consumers up when fragmenting late.</summary>
    private static long Weight(OpSpec spec, Mood mood, bool secondHalf)
    {
        bool produces = spec.Produces is not null, consumes = spec.ConsumesArg >= 0;
        return mood switch
        {
            Mood.FillUp when produces => spec.Weight * 4,
            Mood.FillUp when consumes => Math.Max(1, spec.Weight / 4),
            Mood.Fragment when produces => secondHalf ? Math.Max(1, spec.Weight / 4) : spec.Weight * 4,
            Mood.Fragment when consumes => secondHalf ? spec.Weight * 4 : Math.Max(1, spec.Weight / 8),
            _ => spec.Weight,
        };
    }

    private static long Value(ref SplitMix64 random, ArgSpec arg)
    {
        if (arg.IsReference) return random.Chance(30) ? 0 : random.Range(0, ArgSpec.RefIndexMax);
        if (arg.Spread == Spread.Uniform) return random.Range(arg.Min, arg.Max);
        // Logarithmic: a random power of two, then a random value up to it, plus the edges.
        if (random.Chance(10)) return random.Chance(50) ? arg.Min : arg.Max;
        int bits = 64 - (int)ulong.LeadingZeroCount((ulong)(arg.Max - arg.Min));
        long top = Math.Min(arg.Max - arg.Min, (1L << (int)random.Range(0, bits)) - 1);
        return arg.Min + random.Range(0, top);
    }
}
