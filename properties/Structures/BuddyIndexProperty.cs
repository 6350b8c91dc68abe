using Verify.Fuzz.Engine;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;
using ImplBuddy = Verify.Impl.Buddy.BuddyAllocator;
using ModelBuddy = Verify.Model.Buddy.BuddyAllocator;

namespace Verify.Properties.Structures;

/// <summary>
/// The impl buddy allocator's index (page arrays, per-order bitmaps, counts, order mask) against the
/// model's sorted set of free blocks: random block and exact allocations and frees on machine sizes
/// that are not powers of two; the same outcome, counts and digest, and S1 and S2, after every step.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class BuddyIndexProperty(ITestOutputHelper output)
{
    private static readonly int[] MachinePages = [1, 3, 100, 1500, 4096 + 17];

    public enum Kind { Machine, Alloc, AllocExact, Free }

    public readonly record struct BuddyOp(Kind Kind, long Value)
    {
        public override string ToString() => Kind == Kind.Machine ? $"machine pages={MachinePages[Value % MachinePages.Length]}" : $"{Kind} {Value}";
    }

    [Fact]
    public void KeepsItsIndexInStepWithTheModel()
    {
        StructureProperty.Check(output, nameof(KeepsItsIndexInStepWithTheModel), 20_000, Generate, Run);
    }

    private static BuddyOp Generate(SplitMix64 random)
    {
        long roll = random.Range(0, 199);
        var kind = roll switch { < 1 => Kind.Machine, < 90 => Kind.Alloc, < 110 => Kind.AllocExact, _ => Kind.Free };
        long value = kind switch
        {
            Kind.Alloc => random.Chance(80) ? random.Range(0, 3) : random.Range(0, KernelConstants.MaxPageOrder),
            Kind.AllocExact => random.Range(1, 64 * KernelConstants.PageSizeBytes),
            _ => random.Range(0, 1 << 20),
        };
        return new BuddyOp(kind, value);
    }

    private static string? Run(IReadOnlyList<BuddyOp> ops)
    {
        int pages = 1500;
        var impl = new ImplBuddy(pages);
        var model = new ModelBuddy(pages);
        var live = new List<(long Pfn, long Size, bool Exact)>();
        for (int step = 0; step < ops.Count; step++)
        {
            var op = ops[step];
            Outcome implOutcome, modelOutcome;
            switch (op.Kind)
            {
                case Kind.Machine:
                    pages = MachinePages[op.Value % MachinePages.Length];
                    impl.Reset(pages);
                    model = new ModelBuddy(pages);
                    live.Clear();
                    continue;
                case Kind.Alloc:
                    (implOutcome, modelOutcome) = (impl.AllocPages((int)op.Value), model.AllocPages((int)op.Value));
                    if (implOutcome.IsOk) live.Add((implOutcome.Value, op.Value, false));
                    break;
                case Kind.AllocExact:
                    (implOutcome, modelOutcome) = (impl.AllocPagesExact(op.Value), model.AllocPagesExact(op.Value));
                    if (implOutcome.IsOk) live.Add((implOutcome.Value, op.Value, true));
                    break;
                default:
                    if (live.Count == 0) continue;
                    int index = (int)(op.Value % live.Count);
                    var (pfn, size, exact) = live[index];
                    live.RemoveAt(index);
                    (implOutcome, modelOutcome) = exact
                        ? (impl.FreePagesExact(pfn, size), model.FreePagesExact(pfn, size))
                        : (impl.FreePages(pfn, (int)size), model.FreePages(pfn, (int)size));
                    break;
            }
            if (implOutcome != modelOutcome) return $"step {step + 1} ({op}) on {pages} pages: impl {implOutcome}, model {modelOutcome}";
            if (impl.Digest != model.Digest || impl.FreePageCount != model.FreePageCount)
                return $"step {step + 1} ({op}) on {pages} pages: impl digest {impl.Digest:x16} with {impl.FreePageCount} free pages, model {model.Digest:x16} with {model.FreePageCount}";
            if (StructureProperty.Violation(impl.CheckConsistency) is { } broken) return $"step {step + 1} ({op}) on {pages} pages: {broken}";
        }
        return null;
    }
}
