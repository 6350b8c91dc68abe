using Verify.Fuzz.Engine;
using Verify.Impl.Cgroups;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Structures;

/// <summary>
/// SlotPool against a HashSet of live slots and a Stack of freed ones: random allocations, frees of
/// live slots and resets; Allocate takes the most recently freed slot, else the next new one;
/// IsLive, LiveCount and HighWater agree, and the S10 pool check holds after every step.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class SlotPoolProperty(ITestOutputHelper output)
{
    public enum Kind { Allocate, Free, Reset }

    public readonly record struct PoolOp(Kind Kind, long Value)
    {
        public override string ToString() => $"{Kind} {Value}";
    }

    [Fact]
    public void ReusesTheLastFreedSlotAndKeepsItsFreeList()
    {
        StructureProperty.Check(output, nameof(ReusesTheLastFreedSlotAndKeepsItsFreeList), 20_000, Generate, Run);
    }

    private static PoolOp Generate(SplitMix64 random)
    {
        long roll = random.Range(0, 999);
        var kind = roll switch { < 3 => Kind.Reset, < 560 => Kind.Allocate, _ => Kind.Free };
        return new PoolOp(kind, random.Range(0, 1 << 20));
    }

    private static string? Run(IReadOnlyList<PoolOp> ops)
    {
        var pool = new SlotPool();
        var live = new HashSet<int>();
        var freed = new Stack<int>();
        int highWater = 0;
        for (int step = 0; step < ops.Count; step++)
        {
            var op = ops[step];
            switch (op.Kind)
            {
                case Kind.Allocate:
                    int expected = freed.Count > 0 ? freed.Pop() : highWater++;
                    int slot = pool.Allocate();
                    if (slot != expected) return $"step {step + 1} ({op}): allocated slot {slot}, expected {expected}";
                    live.Add(slot);
                    break;
                case Kind.Free when live.Count > 0:
                    int victim = live.OrderBy(s => s).ElementAt((int)(op.Value % live.Count));
                    pool.Free(victim);
                    live.Remove(victim);
                    freed.Push(victim);
                    break;
                case Kind.Reset:
                    pool.Reset();
                    live.Clear();
                    freed.Clear();
                    highWater = 0;
                    break;
                default:
                    continue;
            }
            if (pool.HighWater != highWater || pool.LiveCount != live.Count)
                return $"step {step + 1} ({op}): high water {pool.HighWater}, {pool.LiveCount} live; expected {highWater} and {live.Count}";
            for (int s = -1; s <= highWater; s++)
                if (pool.IsLive(s) != live.Contains(s)) return $"step {step + 1} ({op}): IsLive({s}) is {pool.IsLive(s)}";
            if (StructureProperty.Violation(report => pool.CheckConsistency(report, StructureInvariant.IdTables, "pool")) is { } broken)
                return $"step {step + 1} ({op}): {broken}";
        }
        return null;
    }
}
