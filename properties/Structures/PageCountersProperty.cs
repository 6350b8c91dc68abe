using Verify.Fuzz.Engine;
using Verify.Impl.Memcg;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Structures;

/// <summary>
/// PageCounters against a dictionary of plain counters that charge by walking parent links, as
/// KERNEL-FACTS "Page counters" words it: random creates (roots and children, failcnt tracked or
/// not), removes of childless counters, try-charges that fail at some level, forced charges,
/// uncharges within what every level holds, set-max (refused iff usage is above), watermark and
/// failcnt resets and whole resets; after every step every counter's parent, depth, usage, max,
/// watermark and failcnt agree, IsDescendant agrees for the step's counter against every counter,
/// and S11 holds.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class PageCountersProperty(ITestOutputHelper output)
{
    private const int LiveMax = 24;

    public enum Kind { Create, Remove, TryCharge, Charge, Uncharge, SetMax, ResetWatermark, ResetFailcnt, Reset }

    public readonly record struct CounterOp(Kind Kind, long Pick, long Amount, bool Flag)
    {
        public override string ToString() => $"{Kind} pick={Pick} amount={Amount} flag={Flag}";
    }

    private sealed class Plain
    {
        public int Parent;
        public bool Tracks;
        public long Usage, Max = PageCounters.Unlimited, Watermark, Failcnt;
    }

    [Fact]
    public void ChargesLikePlainCountersWalkingTheirParents()
    {
        StructureProperty.Check(output, nameof(ChargesLikePlainCountersWalkingTheirParents), 8_000, Generate, Run);
    }

    /// <summary>Uncharging more than a counter holds leaves it negative (no silent clamp) and S11 names it.</summary>
    [Fact]
    public void AnUnchargeBelowZeroIsReportedNotClamped()
    {
        var counters = new PageCounters();
        int root = counters.Create(-1, tracksFailcnt: false), child = counters.Create(root, tracksFailcnt: true);
        counters.Charge(child, 3);
        counters.Uncharge(child, 5);
        Assert.Equal(-2, counters.Usage(child));
        var violation = StructureProperty.Violation(counters.CheckConsistency);
        Assert.True(violation is not null && violation.StartsWith(StructureInvariant.PageCounters) && violation.Contains("negative"), violation ?? "S11 found nothing");
    }

    private static CounterOp Generate(SplitMix64 random)
    {
        long roll = random.Range(0, 999);
        var kind = roll switch
        {
            < 3 => Kind.Reset,
            < 130 => Kind.Create,
            < 190 => Kind.Remove,
            < 520 => Kind.TryCharge,
            < 600 => Kind.Charge,
            < 800 => Kind.Uncharge,
            < 940 => Kind.SetMax,
            < 970 => Kind.ResetWatermark,
            _ => Kind.ResetFailcnt,
        };
        long amount = random.Range(0, 9) switch { 0 => random.Range(0, 100_000), < 3 => 0, _ => random.Range(1, 80) };
        return new CounterOp(kind, random.Range(0, 1 << 20), amount, random.Chance(50));
    }

    private static string? Run(IReadOnlyList<CounterOp> ops)
    {
        var counters = new PageCounters();
        var plain = new SortedDictionary<int, Plain>();
        for (int step = 0; step < ops.Count; step++)
        {
            var op = ops[step];
            int pick = plain.Count == 0 ? -1 : plain.Keys.ElementAt((int)(op.Pick % plain.Count));
            string? wrong = Apply(counters, plain, op, pick);
            if (wrong is null) wrong = Compare(counters, plain, pick);
            if (wrong is null && StructureProperty.Violation(counters.CheckConsistency) is { } broken) wrong = broken;
            if (wrong is not null) return $"step {step + 1} ({op}, counter {pick}): {wrong}";
        }
        return null;
    }

    private static string? Apply(PageCounters counters, SortedDictionary<int, Plain> plain, CounterOp op, int pick)
    {
        switch (op.Kind)
        {
            case Kind.Create when plain.Count < LiveMax:
                int parent = pick < 0 || op.Amount % 4 == 0 ? -1 : pick;
                int slot = counters.Create(parent, op.Flag);
                if (plain.ContainsKey(slot)) return $"Create gave slot {slot}, which is live";
                plain[slot] = new Plain { Parent = parent, Tracks = op.Flag };
                break;
            case Kind.Remove when pick >= 0:
                int leaf = plain.Keys.Where(s => plain.Values.All(p => p.Parent != s)).ElementAt((int)(op.Pick % plain.Keys.Count(s => plain.Values.All(p => p.Parent != s))));
                counters.Remove(leaf);
                plain.Remove(leaf);
                break;
            case Kind.TryCharge when pick >= 0:
                int failed = counters.TryCharge(pick, op.Amount), expected = PlainTryCharge(plain, pick, op.Amount);
                if (failed != expected) return $"TryCharge returned {failed}, expected {expected}";
                break;
            case Kind.Charge when pick >= 0:
                counters.Charge(pick, op.Amount);
                foreach (var level in Chain(plain, pick))
                {
                    level.Usage += op.Amount;
                    level.Watermark = Math.Max(level.Watermark, level.Usage);
                }
                break;
            case Kind.Uncharge when pick >= 0:
                long held = Chain(plain, pick).Min(level => level.Usage);
                long pages = op.Amount % (held + 1);
                counters.Uncharge(pick, pages);
                foreach (var level in Chain(plain, pick)) level.Usage -= pages;
                break;
            case Kind.SetMax when pick >= 0:
                long usage = plain[pick].Usage;
                long max = (op.Amount % 5) switch { 0 => usage, 1 => Math.Max(0, usage - 1), 2 => PageCounters.Unlimited, _ => op.Amount % 200 };
                bool set = counters.SetMax(pick, max);
                if (set != usage <= max) return $"SetMax({max}) with usage {usage} returned {set}";
                if (set) plain[pick].Max = max;
                break;
            case Kind.ResetWatermark when pick >= 0:
                counters.ResetWatermark(pick);
                plain[pick].Watermark = plain[pick].Usage;
                break;
            case Kind.ResetFailcnt when pick >= 0:
                counters.ResetFailcnt(pick);
                plain[pick].Failcnt = 0;
                break;
            case Kind.Reset:
                counters.Reset();
                plain.Clear();
                break;
        }
        return null;
    }

    /// <summary>Checks every level from the counter up, then charges them all or only raises the watermarks below the first level over its max.</summary>
    private static int PlainTryCharge(SortedDictionary<int, Plain> plain, int slot, long pages)
    {
        var levels = new List<int>();
        for (int level = slot; level >= 0; level = plain[level].Parent) levels.Add(level);
        int failing = levels.FindIndex(level => plain[level].Usage + pages > plain[level].Max);
        for (int i = 0; i < (failing < 0 ? levels.Count : failing); i++)
        {
            var level = plain[levels[i]];
            level.Watermark = Math.Max(level.Watermark, level.Usage + pages);
            if (failing < 0) level.Usage += pages;
        }
        if (failing < 0) return -1;
        if (plain[levels[failing]].Tracks) plain[levels[failing]].Failcnt++;
        return levels[failing];
    }

    private static IEnumerable<Plain> Chain(SortedDictionary<int, Plain> plain, int slot)
    {
        for (int level = slot; level >= 0; level = plain[level].Parent) yield return plain[level];
    }

    private static string? Compare(PageCounters counters, SortedDictionary<int, Plain> plain, int pick)
    {
        if (counters.LiveCount != plain.Count) return $"{counters.LiveCount} counters live, expected {plain.Count}";
        foreach (var (slot, p) in plain)
        {
            if (!counters.IsLive(slot)) return $"counter {slot} is not live";
            int depth = Chain(plain, slot).Count() - 1;
            if (counters.ParentOf(slot) != p.Parent || counters.DepthOf(slot) != depth || counters.TracksFailcnt(slot) != p.Tracks)
                return $"counter {slot}: parent {counters.ParentOf(slot)} depth {counters.DepthOf(slot)}, expected {p.Parent} and {depth}";
            if (counters.Usage(slot) != p.Usage || counters.Max(slot) != p.Max || counters.Watermark(slot) != p.Watermark || counters.Failcnt(slot) != p.Failcnt)
                return $"counter {slot}: usage/max/watermark/failcnt {counters.Usage(slot)}/{counters.Max(slot)}/{counters.Watermark(slot)}/{counters.Failcnt(slot)}, expected {p.Usage}/{p.Max}/{p.Watermark}/{p.Failcnt}";
            if (plain.ContainsKey(pick))
            {
                bool below = false;
                for (int level = pick; level >= 0 && !below; level = plain[level].Parent) below = level == slot;
                if (counters.IsDescendant(pick, slot) != below) return $"IsDescendant({pick}, {slot}) is {!below}";
            }
        }
        return null;
    }
}
