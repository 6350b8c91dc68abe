using Verify.Fuzz.Engine;
using Verify.Impl.Slab;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Structures;

/// <summary>
/// Three PfnMinHeaps sharing one position array, against one SortedSet each: random adds of pfns
/// in no heap, removes of members (from the middle too) and clears; Min, Count, Contains and S3
/// after every step, and every pfn outside the heaps has no position.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class PfnMinHeapProperty(ITestOutputHelper output)
{
    private const int HeapCount = 3, Pages = 512;

    public enum Kind { Add, Remove, Clear }

    public readonly record struct HeapOp(Kind Kind, int Heap, long Value)
    {
        public override string ToString() => $"{Kind} heap={Heap} value={Value}";
    }

    [Fact]
    public void BehavesLikeSortedSetsAndKeepsItsPositionIndex()
    {
        StructureProperty.Check(output, nameof(BehavesLikeSortedSetsAndKeepsItsPositionIndex), 20_000, Generate, Run);
    }

    private static HeapOp Generate(SplitMix64 random)
    {
        long roll = random.Range(0, 199);
        var kind = roll switch { 0 => Kind.Clear, < 110 => Kind.Add, _ => Kind.Remove };
        return new HeapOp(kind, (int)random.Range(0, HeapCount - 1), random.Range(0, Pages * 4));
    }

    private static string? Run(IReadOnlyList<HeapOp> ops)
    {
        int[][] positions = [Enumerable.Repeat(-1, Pages).ToArray()];
        var heaps = Enumerable.Range(0, HeapCount).Select(_ => new PfnMinHeap(positions)).ToArray();
        var models = Enumerable.Range(0, HeapCount).Select(_ => new SortedSet<int>()).ToArray();
        var outside = new List<int>(Enumerable.Range(0, Pages));
        for (int step = 0; step < ops.Count; step++)
        {
            var op = ops[step];
            var heap = heaps[op.Heap];
            var model = models[op.Heap];
            int touched = -1;
            switch (op.Kind)
            {
                case Kind.Add when outside.Count > 0:
                    touched = outside[(int)(op.Value % outside.Count)];
                    outside.Remove(touched);
                    heap.Add(touched);
                    model.Add(touched);
                    break;
                case Kind.Remove when model.Count > 0:
                    touched = model.ElementAt((int)(op.Value % model.Count));
                    heap.Remove(touched);
                    model.Remove(touched);
                    outside.Add(touched);
                    break;
                case Kind.Clear:
                    heap.Clear();
                    outside.AddRange(model);
                    model.Clear();
                    break;
            }
            for (int h = 0; h < HeapCount; h++)
            {
                int expected = models[h].Count == 0 ? -1 : models[h].Min;
                if (heaps[h].Min != expected || heaps[h].Count != models[h].Count)
                    return $"step {step + 1} ({op}): heap {h} has Min {heaps[h].Min} and {heaps[h].Count} members; the set {expected} and {models[h].Count}";
                if (StructureProperty.Violation(report => heaps[h].CheckConsistency(report, $"heap {h}")) is { } broken) return $"step {step + 1} ({op}): {broken}";
            }
            if (touched >= 0 && heap.Contains(touched) != model.Contains(touched)) return $"step {step + 1} ({op}): Contains({touched}) is {heap.Contains(touched)}";
            foreach (int pfn in outside)
                if (positions[0][pfn] != -1) return $"step {step + 1} ({op}): pfn {pfn} is in no heap but has position {positions[0][pfn]}";
        }
        return null;
    }
}
