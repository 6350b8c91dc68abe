using Verify.Fuzz.Engine;
using Verify.Impl.Buddy;
using Verify.Impl.Slab;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Structures;

/// <summary>
/// The impl vmalloc's page chains against a dictionary of live area ids and page counts: random
/// areas (some too large for the machine, so partial failures roll back), frees and frees of dead
/// ids; the same outcomes, free pages plus owned pages equal the machine, and S7 after every step.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class VmallocChainsProperty(ITestOutputHelper output)
{
    private const int Pages = 300;

    public enum Kind { Vmalloc, Vfree, VfreeDead }

    public readonly record struct AreaOp(Kind Kind, long Value)
    {
        public override string ToString() => $"{Kind} {Value}";
    }

    [Fact]
    public void GivesBackWhatItTookAndKeepsItsChains()
    {
        StructureProperty.Check(output, nameof(GivesBackWhatItTookAndKeepsItsChains), 10_000, Generate, Run);
    }

    private static AreaOp Generate(SplitMix64 random)
    {
        long roll = random.Range(0, 99);
        var kind = roll switch { < 50 => Kind.Vmalloc, < 95 => Kind.Vfree, _ => Kind.VfreeDead };
        return new AreaOp(kind, kind == Kind.Vmalloc ? random.Range(1, 120 * KernelConstants.PageSizeBytes) : random.Range(0, 1 << 20));
    }

    private static string? Run(IReadOnlyList<AreaOp> ops)
    {
        var buddy = new BuddyAllocator(Pages);
        var vmalloc = new VmallocAllocator(buddy);
        vmalloc.Reset(Pages);
        var model = new SortedDictionary<long, long>();
        long nextId = 1;
        for (int step = 0; step < ops.Count; step++)
        {
            var op = ops[step];
            Outcome outcome, expected;
            long pagesBefore = buddy.FreePageCount;
            switch (op.Kind)
            {
                case Kind.Vmalloc:
                    long wanted = KernelConstants.PagesFor(op.Value);
                    outcome = vmalloc.Vmalloc(op.Value);
                    expected = wanted <= pagesBefore ? Outcome.Ok(nextId) : Outcome.Fail(Errno.ENOMEM);
                    if (expected.IsOk) model.Add(nextId++, wanted);
                    break;
                case Kind.Vfree when model.Count > 0:
                    long id = model.Keys.ElementAt((int)(op.Value % model.Count));
                    outcome = vmalloc.Vfree(id);
                    expected = Outcome.Ok(0);
                    model.Remove(id);
                    break;
                case Kind.VfreeDead:
                    outcome = vmalloc.Vfree(nextId + op.Value);
                    expected = Outcome.Fail(Errno.EINVAL);
                    break;
                default:
                    continue;
            }
            if (outcome != expected) return $"step {step + 1} ({op}): {outcome}, expected {expected} with {pagesBefore} pages free";
            long owned = Enumerable.Range(0, Pages).Count(pfn => vmalloc.OwnsPage(pfn));
            if (owned != model.Values.Sum() || buddy.FreePageCount + owned != Pages)
                return $"step {step + 1} ({op}): {owned} pages owned, {buddy.FreePageCount} free; the areas hold {model.Values.Sum()} of {Pages}";
            if (StructureProperty.Violation(report => vmalloc.CheckConsistency(report, Pages)) is { } broken) return $"step {step + 1} ({op}): {broken}";
        }
        return null;
    }
}
