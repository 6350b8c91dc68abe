using Verify.Fuzz.Engine;
using Verify.Impl.Buddy;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Structures;

/// <summary>LowestSetBitmap against a SortedSet: random adds, removes and resets; FindLowest, Contains, the count and S1 after every step.</summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class LowestSetBitmapProperty(ITestOutputHelper output)
{
    private static readonly int[] Capacities = [1, 2, 63, 64, 65, 127, 4095, 4096, 4097, 262_145];

    public enum Kind { Add, AddMember, Remove, RemoveMember, Reset }

    public readonly record struct BitmapOp(Kind Kind, long Value)
    {
        public override string ToString() => Kind == Kind.Reset ? $"reset capacity={Capacities[Value % Capacities.Length]}" : $"{Kind} {Value}";
    }

    [Fact]
    public void BehavesLikeASortedSetAndKeepsItsSummaries()
    {
        StructureProperty.Check(output, nameof(BehavesLikeASortedSetAndKeepsItsSummaries), 20_000, Generate, Run);
    }

    private static BitmapOp Generate(SplitMix64 random)
    {
        long roll = random.Range(0, 99);
        var kind = roll switch { < 1 => Kind.Reset, < 35 => Kind.Add, < 50 => Kind.AddMember, < 85 => Kind.RemoveMember, _ => Kind.Remove };
        // Values cluster low or spread wide, so both single words and many levels are exercised.
        long value = random.Chance(50) ? random.Range(0, 200) : random.Range(0, int.MaxValue);
        return new BitmapOp(kind, value);
    }

    private static string? Run(IReadOnlyList<BitmapOp> ops)
    {
        int capacity = 4097;
        var bitmap = new LowestSetBitmap(capacity);
        var model = new SortedSet<int>();
        var members = new List<int>();
        for (int step = 0; step < ops.Count; step++)
        {
            var op = ops[step];
            int member = (int)(op.Value % capacity);
            switch (op.Kind)
            {
                case Kind.Reset:
                    capacity = Capacities[op.Value % Capacities.Length];
                    bitmap.Reset(capacity);
                    model.Clear();
                    members.Clear();
                    continue;
                case Kind.AddMember or Kind.RemoveMember when members.Count > 0:
                    member = members[(int)(op.Value % members.Count)];
                    break;
            }
            bool add = op.Kind is Kind.Add or Kind.AddMember;
            if (add)
            {
                bitmap.Add(member);
                if (model.Add(member)) members.Add(member);
            }
            else
            {
                bitmap.Remove(member);
                if (model.Remove(member)) members.Remove(member);
            }
            int expected = model.Count == 0 ? -1 : model.Min;
            if (bitmap.FindLowest() != expected) return $"step {step + 1} ({op}): FindLowest {bitmap.FindLowest()}, the set's minimum {expected}";
            if (bitmap.Contains(member) != add) return $"step {step + 1} ({op}): Contains({member}) is {!add}";
            if (bitmap.CountMembers() != model.Count) return $"step {step + 1} ({op}): {bitmap.CountMembers()} members, the set has {model.Count}";
            if (StructureProperty.Violation(report => bitmap.CheckConsistency(report, "bitmap")) is { } broken) return $"step {step + 1} ({op}): {broken}";
        }
        return null;
    }
}
