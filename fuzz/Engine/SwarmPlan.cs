using Verify.Model.Alphabet;

namespace Verify.Fuzz.Engine;

/// <summary>
/// One scenario's swarm (Groce et al., ISSTA 2012): which operations are enabled and how much each
/// weighs, in the first and in the second half of the sequence.
///   subset:  a quarter of the scenarios keep every operation their focus allows, with the
///            alphabet's weights (the generator before swarm testing); the others enable each
///            allowed operation with probability 1/2 and scale its weight by 2^e, e in -1..1;
///   mood:    FillUp and Fragment shift producers and consumers (as before); FillUp enables every producer, FavouriteOrder and Fragment every operation
///            with an order argument; a mood with a kind
///            (churn, stale after reuse) enables every allowed operation that makes or names that
///            kind and weighs them 8 times, the rest a quarter;
///   closure: an enabled operation with a live reference of kind K gets an enabled producer of K,
///            so consumers are not all no-ops (an operation never drawn is the swarm's omission; a
///            consumer without producers would be a second, silent one), and an enabled producer of
///            K gets an enabled freeing operation of K, so every kind a scenario makes it can also
///            give back (cache_destroy beside cache_create: a leak on destroy stays reachable in a
///            few steps, and the property gate's shrinker can find that short path). Omission thus
///            takes whole kinds, error paths (stale, interior, wrong-cache frees), accounting
///            switches, pins and the shrinker; FillUp and the churn moods lean on frees by weight.
/// </summary>
internal sealed class SwarmPlan
{
    /// <summary>
    /// How often a scenario keeps the whole alphabet its focus allows, and how likely each operation
    /// is to be enabled otherwise (Groce et al. use 1/2). fuzz/REACH.md measures what they trade.
    /// </summary>
    public const int WholeAlphabetPercent = 25, InclusionPercent = 50;

    private readonly long[] _firstCumulative, _secondCumulative;

    private SwarmPlan(UInt128 enabled, bool wholeAlphabet, long[] first, long[] second)
    {
        Enabled = enabled;
        WholeAlphabet = wholeAlphabet;
        _firstCumulative = first;
        _secondCumulative = second;
    }

    public UInt128 Enabled { get; }

    public bool WholeAlphabet { get; }

    public bool IsEnabled(int code) => ((Enabled >> code) & UInt128.One) != UInt128.Zero;

    public static SwarmPlan Draw(ref SplitMix64 random, Mood mood, ScenarioGenerator.Focus focus, HandleKind? kind)
    {
        var specs = Alphabet.Specs;
        bool whole = random.Chance(WholeAlphabetPercent);
        var allowed = new bool[specs.Count];
        var exponent = new int[specs.Count];
        UInt128 enabled = UInt128.Zero;
        foreach (var spec in specs)
        {
            allowed[spec.Code] = FocusWeight(spec.Weight, spec, focus) > 0;
            if (!allowed[spec.Code]) continue;
            if (whole || random.Chance(InclusionPercent)) enabled |= Swarm.Bit(spec.Code);
            if (!whole) exponent[spec.Code] = (int)random.Range(-1, 1);
        }
        foreach (var spec in specs)
            if (allowed[spec.Code] && Focused(spec, mood, kind)) enabled |= Swarm.Bit(spec.Code);
        if (enabled == UInt128.Zero) enabled = Swarm.Bit(PickAllowed(ref random, allowed, _ => true));
        enabled = WithFrees(ref random, Close(ref random, enabled, allowed), allowed);

        var first = new long[specs.Count];
        var second = new long[specs.Count];
        long firstTotal = 0, secondTotal = 0;
        foreach (var spec in specs)
        {
            bool on = ((enabled >> spec.Code) & UInt128.One) != UInt128.Zero;
            firstTotal += on ? Weight(spec, mood, focus, kind, exponent[spec.Code], secondHalf: false) : 0;
            secondTotal += on ? Weight(spec, mood, focus, kind, exponent[spec.Code], secondHalf: true) : 0;
            first[spec.Code] = firstTotal;
            second[spec.Code] = secondTotal;
        }
        return new SwarmPlan(enabled, whole, first, second);
    }

    /// <summary>An enabled operation, by weight.</summary>
    public OpSpec Pick(ref SplitMix64 random, bool secondHalf)
    {
        var cumulative = secondHalf ? _secondCumulative : _firstCumulative;
        long pick = random.Range(0, cumulative[^1] - 1);
        for (int code = 0; code < cumulative.Length; code++)
            if (pick < cumulative[code]) return Alphabet.Specs[code];
        return Alphabet.Specs[^1];
    }

    /// <summary>An enabled operation satisfying the condition, uniformly; null when none is.</summary>
    public OpSpec? PickEnabled(ref SplitMix64 random, Func<OpSpec, bool> condition)
    {
        var candidates = Alphabet.Specs.Where(spec => IsEnabled(spec.Code) && condition(spec)).ToList();
        return candidates.Count == 0 ? null : candidates[(int)random.Range(0, candidates.Count - 1)];
    }

    /// <summary>Adds a producer of every kind an enabled operation references live, until nothing changes.</summary>
    private static UInt128 Close(ref SplitMix64 random, UInt128 enabled, bool[] allowed)
    {
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (var spec in Alphabet.Specs)
            {
                if (((enabled >> spec.Code) & UInt128.One) == UInt128.Zero) continue;
                foreach (var needed in OpRoles.LiveRefKinds(spec))
                {
                    bool produced = Alphabet.Specs.Any(p => ((enabled >> p.Code) & UInt128.One) != UInt128.Zero && OpRoles.Produces(p) == needed);
                    if (produced || !Alphabet.Specs.Any(p => allowed[p.Code] && OpRoles.Produces(p) == needed)) continue;
                    enabled |= Swarm.Bit(PickAllowed(ref random, allowed, p => OpRoles.Produces(p) == needed));
                    changed = true;
                }
            }
        }
        return enabled;
    }

    /// <summary>
    /// The operations a mood works through, always enabled: its kind's (churn, stale after reuse),
    /// those with an order argument (favourite order, fragmenting) and every producer (filling up).
    /// </summary>
    private static bool Focused(OpSpec spec, Mood mood, HandleKind? kind) => mood switch
    {
        // One cache's whole life: its objects, and destroying it (the cache the objects' producer names).
        Mood.ChurnOneCache when kind is { } focused => OpRoles.Touches(spec, focused) || IsHolderFree(spec, focused),
        _ when kind is { } focused => OpRoles.Touches(spec, focused),
        Mood.FavouriteOrder or Mood.Fragment => spec.Args.Any(arg => arg.Name == "order"),
        Mood.FillUp => OpRoles.Produces(spec) is not null,
        Mood.DeepHierarchy => spec.Keyword is "cgroup_create" or "task_attach" or "task_fork" or "cgroup_remove" or "task_exit",
        Mood.ForkBomb => spec.Keyword is "task_fork" or "task_exit" or "cgroup_set_pids_max" or "task_attach",
        Mood.MemoryPressure => Alphabet.IsMemcgOp(spec) || spec.Keyword == "run_on",
        Mood.KernelMemory => SequenceWriter.IsKernelMoodOp(spec),
        Mood.OutOfMemory => SequenceWriter.IsOomMoodOp(spec),
        _ => false,
    };

    /// <summary>True when the operation frees a handle that the kind's producers name (cache_destroy for slab objects).</summary>
    private static bool IsHolderFree(OpSpec spec, HandleKind kind) =>
        OpRoles.Consumes(spec) is { } freed && freed != kind
        && Alphabet.Specs.Any(p => OpRoles.Produces(p) == kind && OpRoles.LiveRefKinds(p).Contains(freed));

    /// <summary>A freeing operation for every kind an enabled operation makes (destroy beside create, free beside alloc).</summary>
    private static UInt128 WithFrees(ref SplitMix64 random, UInt128 enabled, bool[] allowed)
    {
        foreach (var spec in Alphabet.Specs)
        {
            if (((enabled >> spec.Code) & UInt128.One) == UInt128.Zero || OpRoles.Produces(spec) is not { } made) continue;
            bool freed = Alphabet.Specs.Any(c => ((enabled >> c.Code) & UInt128.One) != UInt128.Zero && OpRoles.Consumes(c) == made);
            if (!freed && Alphabet.Specs.Any(c => allowed[c.Code] && OpRoles.Consumes(c) == made))
                enabled |= Swarm.Bit(PickAllowed(ref random, allowed, c => OpRoles.Consumes(c) == made));
        }
        return enabled;
    }

    private static int PickAllowed(ref SplitMix64 random, bool[] allowed, Func<OpSpec, bool> condition)
    {
        var candidates = Alphabet.Specs.Where(spec => allowed[spec.Code] && condition(spec)).ToList();
        return candidates[(int)random.Range(0, candidates.Count - 1)].Code;
    }

    private static long Weight(OpSpec spec, Mood mood, ScenarioGenerator.Focus focus, HandleKind? kind, int exponent, bool secondHalf)
    {
        long weight = FocusWeight(MoodWeight(spec, mood, secondHalf), spec, focus);
        weight = exponent >= 0 ? weight << exponent : Math.Max(1, weight >> -exponent);
        if (kind is not null) weight = Focused(spec, mood, kind) ? weight * 8 : Math.Max(1, weight / 4);
        return Math.Max(1, weight);
    }

    /// <summary>
    /// Buddy scenarios leave the slab layer and process containers out; slab-heavy ones keep a
    /// little buddy traffic for memory pressure and no containers; mixed ones take the memory
    /// operations as they are; task scenarios weigh the container operations 4 times and the memory
    /// operations a quarter (so the memory foci draw as they did before containers existed), and
    /// leave pools and min-order caches out. Those count as slab operations otherwise.
    /// </summary>
    private static long FocusWeight(long weight, OpSpec spec, ScenarioGenerator.Focus focus)
    {
        bool late = Alphabet.IsPoolOp(spec) || Alphabet.IsLargeSlabOp(spec), slab = late || Alphabet.IsSlabOp(spec), tasks = Alphabet.IsCgroupOp(spec) || Alphabet.IsMemcgOp(spec);
        return focus switch
        {
            ScenarioGenerator.Focus.Buddy => slab || tasks ? 0 : weight,
            ScenarioGenerator.Focus.SlabHeavy => tasks ? 0 : slab ? weight * 4 : Math.Max(1, weight / 4),
            // Pools and min-order caches stay out of task scenarios: their draws there would reshape the streams that reach the memcg states.
            ScenarioGenerator.Focus.Tasks => late ? 0 : tasks ? weight * 4 : Math.Max(1, weight / 4),
            ScenarioGenerator.Focus.Kernel => slab || tasks ? weight * 2 : Math.Max(1, weight / 4),
            _ => tasks ? 0 : weight,
        };
    }

    /// <summary>The spec's weight, shifted by mood: producers up when filling, consumers up when fragmenting late.</summary>
    private static long MoodWeight(OpSpec spec, Mood mood, bool secondHalf)
    {
        bool produces = spec.Produces is not null, consumes = spec.ConsumesArg >= 0;
        return mood switch
        {
            Mood.ForkBomb when spec.Keyword == "task_fork" => spec.Weight * 4,
            Mood.MemoryPressure when Alphabet.IsMemcgOp(spec) => spec.Weight * 4,
            Mood.KernelMemory when SequenceWriter.IsKernelMoodOp(spec) => spec.Weight * 4,
            Mood.OutOfMemory when SequenceWriter.IsOomMoodOp(spec) => spec.Weight * 4,
            Mood.FillUp when produces => spec.Weight * 4,
            Mood.FillUp when consumes => Math.Max(1, spec.Weight / 4),
            Mood.Fragment when produces => secondHalf ? Math.Max(1, spec.Weight / 4) : spec.Weight * 4,
            Mood.Fragment when consumes => secondHalf ? spec.Weight * 4 : Math.Max(1, spec.Weight / 8),
            _ => spec.Weight,
        };
    }
}
