using Verify.Fuzz.Engine;
using Verify.Impl.Buddy;
using Verify.Impl.Slab;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Structures;

/// <summary>
/// The impl dentry cache's LRU list and name-buffer set against a SortedDictionary of live ids
/// (= ages) with their pins and names: random allocations (short and long names), pins, unpins
/// and shrinks on a small machine; the same outcomes, the listed dentries in id order, the
/// name-buffer test for every name, and S6 after every step.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class DentryLruProperty(ITestOutputHelper output)
{
    private const int Pages = 48;

    public enum Kind { Alloc, Pin, Unpin, Shrink }

    public readonly record struct DentryOp(Kind Kind, long Value)
    {
        public override string ToString() => $"{Kind} {Value}";
    }

    [Fact]
    public void ShrinksOldestUnpinnedFirstAndKeepsItsLinksAndNames()
    {
        StructureProperty.Check(output, nameof(ShrinksOldestUnpinnedFirstAndKeepsItsLinksAndNames), 10_000, Generate, Run);
    }

    private static DentryOp Generate(SplitMix64 random)
    {
        long roll = random.Range(0, 99);
        var kind = roll switch { < 45 => Kind.Alloc, < 65 => Kind.Pin, < 85 => Kind.Unpin, _ => Kind.Shrink };
        return new DentryOp(kind, kind == Kind.Shrink ? random.Range(0, 6) : random.Range(0, 255));
    }

    private static string? Run(IReadOnlyList<DentryOp> ops)
    {
        var buddy = new BuddyAllocator(Pages);
        var slab = new SlabAllocator(buddy);
        slab.Reset(Pages, 2);
        var dentries = new DentryCache(slab);
        dentries.Reset();
        var model = new SortedDictionary<long, (int Pins, long Name)>();
        for (int step = 0; step < ops.Count; step++)
        {
            var op = ops[step];
            long id = model.Count == 0 ? -1 : model.Keys.ElementAt((int)(op.Value % model.Count));
            Outcome outcome, expected;
            switch (op.Kind)
            {
                case Kind.Alloc:
                    outcome = dentries.Alloc((int)op.Value);
                    expected = outcome; // the slab layer decides ENOMEM; the list must follow whatever it decided
                    if (outcome.IsOk) model.Add(outcome.Value, (0, dentries.Dentries().Single(d => d.Id == outcome.Value).NameAddress));
                    break;
                case Kind.Pin or Kind.Unpin when id >= 0:
                    int delta = op.Kind == Kind.Pin ? 1 : -1;
                    var (pins, name) = model[id];
                    outcome = op.Kind == Kind.Pin ? dentries.Pin(id) : dentries.Unpin(id);
                    expected = pins + delta < 0 ? Outcome.Fail(Errno.EINVAL) : Outcome.Ok(pins + delta);
                    if (expected.IsOk) model[id] = (pins + delta, name);
                    break;
                case Kind.Shrink:
                    var victims = model.Where(pair => pair.Value.Pins == 0).Take((int)op.Value).Select(pair => pair.Key).ToList();
                    outcome = dentries.Shrink((int)op.Value);
                    expected = Outcome.Ok(victims.Count);
                    foreach (long victim in victims) model.Remove(victim);
                    break;
                default:
                    continue;
            }
            if (outcome != expected) return $"step {step + 1} ({op}): {outcome}, expected {expected}";
            var listed = dentries.Dentries();
            if (!listed.Select(d => (d.Id, d.Pins, d.NameAddress)).SequenceEqual(model.Select(pair => (pair.Key, pair.Value.Pins, pair.Value.Name))))
                return $"step {step + 1} ({op}): listed [{string.Join(' ', listed)}], expected ids [{string.Join(' ', model.Keys)}]";
            foreach (var dentry in listed)
                if (dentry.NameAddress != Verify.Model.Slab.DentryCache.NoName && !dentries.IsNameBuffer(dentry.NameAddress))
                    return $"step {step + 1} ({op}): dentry {dentry.Id}'s name {dentry.NameAddress} is not recognized as a name buffer";
            if (StructureProperty.Violation(dentries.CheckConsistency) is { } broken) return $"step {step + 1} ({op}): {broken}";
        }
        return null;
    }
}
