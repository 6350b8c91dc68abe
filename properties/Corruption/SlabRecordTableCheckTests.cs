using Verify.Impl.Slab;
using Verify.Model.Contract;
using Verify.Properties.Support;

namespace Verify.Properties.Corruption;

/// <summary>
/// SlabRecordTable's self-check (S4 for one slab) reports exactly what is wrong, message by message:
/// one slab headed at pfn 0 of 64 pages, a few objects taken, then one word of its record broken
/// through the layout the class documents (an in-use count, a summary word, free and accounted words
/// interleaved, then the leaf summaries of a slab of more than 64 words). Exact lists pin the word,
/// the object count and the values each message prints, and which summary level it names. Reset's
/// poison is pinned too: a record that Init did not write reads the same whatever ran before.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class SlabRecordTableCheckTests
{
    private const string S4 = StructureInvariant.SlabRecords;
    private const int Pages = 256, SlabPages = 64;
    private const int InUseWord = 0, SummaryWord = 1, FirstBitmapWord = 2;

    /// <summary>A slab of that many objects at pfn 0 with its first taken objects taken (accounted when asked).</summary>
    private static SlabRecordTable Slab(int objects, int taken, bool accounted = false)
    {
        var table = new SlabRecordTable();
        table.Reset(Pages);
        table.Init(0, SlabPages, objects);
        for (int i = 0; i < taken; i++) table.TakeLowestFree(0, SlabRecordTable.BitmapWordsFor(objects), accounted);
        return table;
    }

    private static ulong[] Words(SlabRecordTable table) => Corrupt.Get<ulong[]>(table, "_records");

    private static int FreeWord(int w) => FirstBitmapWord + 2 * w;

    private static List<string> Check(SlabRecordTable table, int objects, int head = 0)
    {
        var report = new SelfCheckReport();
        table.CheckSlab(report, head, objects, h => $"slab {h}");
        return Corrupt.Lines(report);
    }

    [Theory]
    [InlineData(21, 3)]
    [InlineData(100, 70)]
    [InlineData(4096, 10)]
    [InlineData(4160, 4100)]
    public void AConsistentSlabReportsNothingAndCountsItsAccountedObjects(int objects, int taken)
    {
        var table = Slab(objects, taken, accounted: true);
        var report = new SelfCheckReport();
        Assert.Equal(taken, table.CheckSlab(report, 0, objects, head => $"slab {head}"));
        Assert.Empty(Corrupt.Lines(report));
        Assert.Equal(taken, table.InUse(0));
    }

    [Theory]
    [InlineData(21, 0, 30, 21)]
    [InlineData(100, 1, 40, 36)]
    public void AFreeBitBeyondTheObjectCountIsReportedWithThatWordsCount(int objects, int word, int bit, int objectsInWord)
    {
        var table = Slab(objects, 3);
        var words = Words(table);
        words[FreeWord(word)] |= 1UL << bit;
        Assert.Equal([$"{S4}: slab 0: free word {word} has bits beyond its {objectsInWord} objects (0x{words[FreeWord(word)]:x16})"], Check(table, objects));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(30)]
    public void AnAccountedBitOnAnObjectNotInUseIsReported(int index)
    {
        // Objects 0 to 2 are in use and accounted; 5 is free, 30 lies beyond the slab's 21 objects.
        var table = Slab(21, 3, accounted: true);
        var words = Words(table);
        words[FreeWord(0) + 1] |= 1UL << index;
        Assert.Equal([$"{S4}: slab 0: accounted word 0 marks objects that are not in use (0x{words[FreeWord(0) + 1]:x16})"], Check(table, 21));
    }

    [Fact]
    public void AWrongInUseCountIsReportedWithTheObjectsThatHaveNoFreeBit()
    {
        var table = Slab(100, 3);
        Words(table)[InUseWord] = 7;
        Assert.Equal([$"{S4}: slab 0: in-use count 7 but 3 objects have no free bit"], Check(table, 100));
        Assert.Equal(7, table.InUse(0));
    }

    [Fact]
    public void ASummaryOfSixtyFourWordsIsCheckedAgainstTheFreeWords()
    {
        var table = Slab(4096, 64); // word 0 full, words 1 to 63 with free objects
        table.SummaryOf(0) = 0;
        Assert.Equal([$"{S4}: slab 0: summary word 0x0000000000000000 but the free words give 0xfffffffffffffffe"], Check(table, 4096));
    }

    [Fact]
    public void AOneWordSlabKeepsItsSummaryZero()
    {
        var table = Slab(21, 3);
        table.SummaryOf(0) = 1;
        Assert.Equal([$"{S4}: slab 0: summary word 0x0000000000000001 but the free words give 0x0000000000000000"], Check(table, 21));
    }

    [Fact]
    public void AWrongLeafSummaryIsReportedAndTheTopSummaryFollowsTheLeaves()
    {
        // 4160 objects: 65 bitmap words, two leaves (words 0..63 and word 64); 4100 taken fill words 0 to 63.
        var table = Slab(4160, 4100);
        var words = Words(table);
        int leaf1 = FirstBitmapWord + 2 * 65 + 1;
        Assert.Equal(1UL, words[leaf1]);
        Assert.Equal(2UL, table.SummaryOf(0));
        words[leaf1] = 0;
        Assert.Equal([
            $"{S4}: slab 0: leaf summary 1 is 0x0000000000000000 but free words 64.. give 0x0000000000000001",
            $"{S4}: slab 0: summary word 0x0000000000000002 but the leaf summaries give 0x0000000000000000"], Check(table, 4160));
    }

    [Fact]
    public void AWrongThirdLeafNamesTheFreeWordsItCovers()
    {
        // 16384 objects: 256 bitmap words, four leaves all full of free words; leaf 2 covers words 128 to 191.
        var table = Slab(16384, 0);
        var words = Words(table);
        int leaf2 = FirstBitmapWord + 2 * 256 + 2;
        Assert.Equal(ulong.MaxValue, words[leaf2]);
        words[leaf2] = 0;
        Assert.Equal([
            $"{S4}: slab 0: leaf summary 2 is 0x0000000000000000 but free words 128.. give 0xffffffffffffffff",
            $"{S4}: slab 0: summary word 0x000000000000000f but the leaf summaries give 0x000000000000000b"], Check(table, 16384));
    }

    [Fact]
    public void ResetPoisonsTheRecordsTheLastMachineUsed()
    {
        // A used table, reset, reads at a record Init did not write what a fresh table reads there.
        var used = Slab(100, 5);
        used.Reset(Pages);
        used.Init(SlabPages, SlabPages, 1);
        var fresh = new SlabRecordTable();
        fresh.Reset(Pages);
        fresh.Init(SlabPages, SlabPages, 1);
        Assert.Equal(unchecked((int)SlabRecordTable.Poison), fresh.InUse(0));
        Assert.Equal(unchecked((int)SlabRecordTable.Poison), used.InUse(0));
    }

    [Fact]
    public void TheTableGrowsToTheHighestSlabAtOnce()
    {
        // The first slab is the last of the machine: the table grows from nothing past twice its 1024 words.
        var table = new SlabRecordTable();
        table.Reset(Pages);
        int head = Pages - SlabPages;
        table.Init(head, SlabPages, 32767);
        Assert.Equal(0, table.InUse(head));
        Assert.Equal(0, table.TakeLowestFree(head, SlabRecordTable.BitmapWordsFor(32767), accounted: false));
        Assert.Empty(Check(table, 32767, head));
    }
}
