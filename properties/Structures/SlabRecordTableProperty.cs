using Verify.Fuzz.Engine;
using Verify.Impl.Slab;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Structures;

/// <summary>
/// SlabRecordTable against one bool[] of free flags and one of accounted flags per slab: random
/// slab starts (object counts of one word, several words, a partial last word, more than 64 words
/// with a second summary level, the largest a slab may hold), takes of the lowest free object,
/// runs of up to 4500 takes (enough to empty a whole leaf summary of 4096 objects) and releases of
/// objects in use; the taken index, the in-use count, IsFree/IsAccounted of the touched object,
/// NextInUse from a drawn index, and S4 for every slab after every step.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class SlabRecordTableProperty(ITestOutputHelper output)
{
    /// <summary>Order-6 slabs: 64 pages hold SlabGeometry.ObjectsPerSlabMax objects of 8 bytes.</summary>
    private const int SlabPages = 64, SlabCount = 4;
    private const int TakeRunMax = 4500;
    private static readonly int[] ObjectCounts = [1, 2, 21, 42, 63, 64, 65, 128, 170, 200, 511, 512, 513, 4095, 4096, 4097, 4160, 8192, 12345, 16384, 32767];

    public enum Kind { Init, Take, TakeAccounted, TakeRun, Release }

    public readonly record struct RecordOp(Kind Kind, int Slab, long Value)
    {
        public override string ToString() => Kind == Kind.Init
            ? $"init slab={Slab} objects={ObjectCounts[Value % ObjectCounts.Length]}"
            : $"{Kind} slab={Slab} value={Value}";
    }

    [Fact]
    public void TakesTheLowestFreeObjectAndKeepsCountsAndSummaries()
    {
        StructureProperty.Check(output, nameof(TakesTheLowestFreeObjectAndKeepsCountsAndSummaries), 20_000, Generate, Run);
    }

    private static RecordOp Generate(SplitMix64 random)
    {
        // Starts are rare and takes outnumber releases, so slabs fill word after word between starts;
        // half the operations go to slab 0, so one slab is churned long enough to fill its large words.
        long roll = random.Range(0, 999);
        var kind = roll switch { < 2 => Kind.Init, < 450 => Kind.Take, < 650 => Kind.TakeAccounted, < 660 => Kind.TakeRun, _ => Kind.Release };
        int slab = random.Chance(50) ? 0 : (int)random.Range(1, SlabCount - 1);
        return new RecordOp(kind, slab, random.Range(0, 1 << 20));
    }

    private static string? Run(IReadOnlyList<RecordOp> ops)
    {
        var table = new SlabRecordTable();
        table.Reset(SlabPages * SlabCount);
        var free = new bool[SlabCount][];
        var accounted = new bool[SlabCount][];
        for (int step = 0; step < ops.Count; step++)
        {
            var op = ops[step];
            int head = op.Slab * SlabPages;
            if (op.Kind == Kind.Init)
            {
                int objects = ObjectCounts[op.Value % ObjectCounts.Length];
                table.Init(head, SlabPages, objects);
                free[op.Slab] = Enumerable.Repeat(true, objects).ToArray();
                accounted[op.Slab] = new bool[objects];
                continue;
            }
            if (free[op.Slab] is not { } slabFree) continue;
            int words = SlabRecordTable.BitmapWordsFor(slabFree.Length);
            int touched;
            if (op.Kind == Kind.Release)
            {
                var inUse = Enumerable.Range(0, slabFree.Length).Where(i => !slabFree[i]).ToList();
                if (inUse.Count == 0) continue;
                touched = inUse[(int)(op.Value % inUse.Count)];
                bool wasAccounted = table.Release(head, touched, words);
                if (wasAccounted != accounted[op.Slab][touched]) return $"step {step + 1} ({op}): released object {touched} reports accounted={wasAccounted}";
                (slabFree[touched], accounted[op.Slab][touched]) = (true, false);
            }
            else
            {
                touched = -1;
                long takes = op.Kind == Kind.TakeRun ? op.Value % TakeRunMax + 1 : 1;
                for (long take = 0; take < takes; take++)
                {
                    int lowest = Array.IndexOf(slabFree, true);
                    if (lowest < 0) break;
                    bool account = op.Kind == Kind.TakeAccounted || (op.Kind == Kind.TakeRun && take % 3 == 0);
                    touched = table.TakeLowestFree(head, words, account);
                    if (touched != lowest) return $"step {step + 1} ({op}): take {take + 1} took object {touched}, the lowest free is {lowest}";
                    (slabFree[lowest], accounted[op.Slab][lowest]) = (false, account);
                }
                if (touched < 0) continue;
            }
            int expectedInUse = slabFree.Count(f => !f);
            if (table.InUse(head) != expectedInUse) return $"step {step + 1} ({op}): in-use {table.InUse(head)}, expected {expectedInUse}";
            if (table.IsFree(head, touched) != slabFree[touched] || table.IsAccounted(head, touched) != accounted[op.Slab][touched])
                return $"step {step + 1} ({op}): object {touched} reads free={table.IsFree(head, touched)} accounted={table.IsAccounted(head, touched)}";
            int from = (int)(op.Value % slabFree.Length);
            int nextInUse = Array.IndexOf(slabFree, false, from);
            if (table.NextInUse(head, from, slabFree.Length) != nextInUse)
                return $"step {step + 1} ({op}): NextInUse from {from} gives {table.NextInUse(head, from, slabFree.Length)}, the next object in use is {nextInUse}";
            for (int s = 0; s < SlabCount; s++)
            {
                if (free[s] is null) continue;
                int slab = s;
                if (StructureProperty.Violation(report => table.CheckSlab(report, slab * SlabPages, free[slab]!.Length, head => $"slab {slab} at {head}")) is { } broken)
                    return $"step {step + 1} ({op}): {broken}";
            }
        }
        return null;
    }
}
