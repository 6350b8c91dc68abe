using System.Numerics;
using System.Runtime.CompilerServices;
using Verify.Model.Contract;
using Verify.Model.Slab;
using static Verify.Impl.WordBits;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Impl.Slab;

/// <summary>
/// The per-slab records of the slab allocator in one flat word array. Guarantees:
/// - a slab headed at pfn h owns words [h * RecordStride, (h + pages) * RecordStride): an in-use
///   count, a summary word, then its free bitmap (bit set = object free) interleaved word by word
///   with its accounted bitmap, so an alloc or a free reads and writes one small stretch of memory,
///   and for slabs of more than 64 bitmap words, after the bitmaps, one leaf summary word per 64 of
///   them. An object is at least 8 bytes, so a page holds at most 512 objects: 8 bitmap words per
///   page, and the leaves (one per 4096 objects, so only for slabs of 8 pages or more) fit in the
///   two spare words per page: the record of any slab fits in its stride;
/// - slabs of one bitmap word keep the summary 0 and skip it; up to 64 words (4096 objects, every
///   slab of order 3 or below), the summary's bit w is set exactly when free word w has a free
///   object; above that (min-order caches of small objects, up to SlabGeometry.ObjectsPerSlabMax
///   objects, 512 words), leaf g's bit j is set exactly when free word 64g + j has a free object
///   and the summary's bit g exactly when leaf g is non-zero. The lowest free object is at most
///   three trailing-zero counts away;
/// - no free bit at or above the slab's object count; an accounted bit only on an object in use;
///   the in-use count is the object count minus the free bits;
/// - the array grows by doubling to cover the highest slab used so far (slabs come from low
///   addresses first), so a huge machine with few slabs does not pay 144 bytes per page; Reset
///   poisons every word the previous machine used, so a read of a record that Init did not write
///   sees the same garbage whatever ran before.
/// CheckSlab verifies the third and second guarantees for one slab.
/// </summary>
public sealed class SlabRecordTable
{
    private const int BitmapWordsPerPage = PageSizeBytes / SlabGeometry.WordBytes / 64;
    private const int RecordStride = 2 + 2 * BitmapWordsPerPage;
    private const int InUseWord = 0, SummaryWord = 1, FirstBitmapWord = 2;

    /// <summary>What Reset writes over used records: all bits set, so a stale read looks "all free, huge in-use count".</summary>
    public const ulong Poison = 0xA5A5_A5A5_A5A5_A5A5UL;

    private ulong[] _records = [];
    private long _wordsUsedMax;
    private int _pages;

    public void Reset(int pages)
    {
        Array.Fill(_records, Poison, 0, (int)Math.Min(_wordsUsedMax, _records.Length));
        _wordsUsedMax = 0;
        _pages = pages;
    }

    /// <summary>The number of bitmap words of a slab of that many objects.</summary>
    public static int BitmapWordsFor(int objectsPerSlab) => WordsFor(objectsPerSlab);

    /// <summary>Starts the record of a new slab: every object free, nothing accounted.</summary>
    public void Init(int head, int pages, int objectsPerSlab)
    {
        long record = RecordOf(head);
        EnsureRecords(RecordOf(head + pages));
        int bitmapWords = BitmapWordsFor(objectsPerSlab);
        InUseOf(record) = 0;
        for (int w = 0; w < bitmapWords; w++)
        {
            int objectsInWord = Math.Min(64, objectsPerSlab - 64 * w);
            _records[FreeWordOf(record, w)] = LowBits(objectsInWord);
            _records[FreeWordOf(record, w) + 1] = 0;
        }
        if (bitmapWords <= 64)
        {
            _records[record + SummaryWord] = bitmapWords == 1 ? 0 : LowBits(bitmapWords);
            return;
        }
        int leaves = LeavesFor(bitmapWords);
        for (int g = 0; g < leaves; g++) _records[LeafOf(record, bitmapWords, g)] = LowBits(Math.Min(64, bitmapWords - 64 * g));
        _records[record + SummaryWord] = LowBits(leaves);
    }

    public int InUse(int head) => (int)InUseOf(RecordOf(head));

    /// <summary>Takes the lowest free object of a slab that has one; returns its index. The caller knows the slab is partial.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int TakeLowestFree(int head, int bitmapWords, bool accounted)
    {
        long record = RecordOf(head);
        int word = bitmapWords == 1 ? 0 : BitOperations.TrailingZeroCount(_records[record + SummaryWord]);
        if (bitmapWords > 64) word = word * 64 + BitOperations.TrailingZeroCount(_records[LeafOf(record, bitmapWords, word)]);
        long freeWord = FreeWordOf(record, word);
        ref ulong free = ref _records[freeWord];
        int bit = BitOperations.TrailingZeroCount(free);
        free &= free - 1;
        if (free == 0 && bitmapWords > 1) MarkWordFull(record, bitmapWords, word);
        if (accounted) _records[freeWord + 1] |= 1UL << bit;
        InUseOf(record)++;
        return word * 64 + bit;
    }

    public bool IsFree(int head, int index) => (_records[FreeWordOf(RecordOf(head), Word(index))] & Mask(index)) != 0;

    public bool IsAccounted(int head, int index) => (_records[FreeWordOf(RecordOf(head), Word(index)) + 1] & Mask(index)) != 0;

    /// <summary>Marks an object in use free again; returns whether it was allocated accounted. The caller has checked IsFree is false.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Release(int head, int index, int bitmapWords)
    {
        long record = RecordOf(head);
        long freeWord = FreeWordOf(record, Word(index));
        ulong bit = Mask(index);
        _records[freeWord] |= bit;
        if (bitmapWords > 1) MarkWordFree(record, bitmapWords, Word(index));
        bool accounted = (_records[freeWord + 1] & bit) != 0;
        _records[freeWord + 1] &= ~bit;
        InUseOf(record)--;
        return accounted;
    }

    /// <summary>The lowest index at or above from whose object is in use, below objectsPerSlab; -1 when there is none. Skips whole free words.</summary>
    public int NextInUse(int head, int from, int objectsPerSlab)
    {
        long record = RecordOf(head);
        for (int w = Word(from); w < BitmapWordsFor(objectsPerSlab); w++)
        {
            ulong inUse = ~_records[FreeWordOf(record, w)] & LowBits(Math.Min(64, objectsPerSlab - 64 * w));
            if (w == Word(from)) inUse &= ulong.MaxValue << (from & 63);
            if (inUse != 0) return w * 64 + BitOperations.TrailingZeroCount(inUse);
        }
        return -1;
    }

    /// <summary>
    /// S4 for one slab: free bits only below the object count, the in-use count equal to the
    /// objects without a free bit, accounted bits only on objects in use, and (for more than one
    /// word) the summary levels exactly as the free words give them. Returns the accounted objects.
    /// slabName names the slab in a failure (called only then, so a passing check allocates nothing).
    /// </summary>
    public int CheckSlab(SelfCheckReport report, int head, int objectsPerSlab, Func<int, string> slabName)
    {
        const string S4 = StructureInvariant.SlabRecords;
        long record = RecordOf(head);
        int bitmapWords = BitmapWordsFor(objectsPerSlab);
        int free = 0, accounted = 0;
        ulong summary = 0;
        Span<ulong> leaves = stackalloc ulong[LeavesFor(BitmapWordsFor(SlabGeometry.ObjectsPerSlabMax))];
        for (int w = 0; w < bitmapWords; w++)
        {
            ulong freeBits = _records[FreeWordOf(record, w)], accountedBits = _records[FreeWordOf(record, w) + 1];
            int objectsInWord = Math.Min(64, objectsPerSlab - 64 * w);
            ulong valid = objectsInWord == 64 ? ulong.MaxValue : (1UL << objectsInWord) - 1;
            if ((freeBits & ~valid) != 0) report.Fail(S4, $"{slabName(head)}: free word {w} has bits beyond its {objectsInWord} objects (0x{freeBits:x16})");
            if ((accountedBits & (freeBits | ~valid)) != 0) report.Fail(S4, $"{slabName(head)}: accounted word {w} marks objects that are not in use (0x{accountedBits:x16})");
            if (freeBits != 0 && bitmapWords <= 64) summary |= 1UL << w;
            if (freeBits != 0 && bitmapWords > 64) leaves[Word(w)] |= Mask(w);
            free += BitOperations.PopCount(freeBits & valid);
            accounted += BitOperations.PopCount(accountedBits & valid & ~freeBits);
        }
        long inUse = (long)InUseOf(record);
        if (inUse != objectsPerSlab - free) report.Fail(S4, $"{slabName(head)}: in-use count {inUse} but {objectsPerSlab - free} objects have no free bit");
        for (int g = 0; bitmapWords > 64 && g < LeavesFor(bitmapWords); g++)
        {
            ulong leaf = _records[LeafOf(record, bitmapWords, g)];
            if (leaf != leaves[g]) report.Fail(S4, $"{slabName(head)}: leaf summary {g} is 0x{leaf:x16} but free words {64 * g}.. give 0x{leaves[g]:x16}");
            if (leaf != 0) summary |= 1UL << g;
        }
        ulong recorded = _records[record + SummaryWord];
        if (bitmapWords == 1 ? recorded != 0 : recorded != summary)
            report.Fail(S4, $"{slabName(head)}: summary word 0x{recorded:x16} but the {(bitmapWords > 64 ? "leaf summaries" : "free words")} give 0x{(bitmapWords == 1 ? 0 : summary):x16}");
        return accounted;
    }

    /// <summary>The summary word of a slab, for planted bugs that emulate a slip (test code only).</summary>
    internal ref ulong SummaryOf(int head) => ref _records[RecordOf(head) + SummaryWord];

    private static long RecordOf(int head) => (long)head * RecordStride;

    private ref ulong InUseOf(long record) => ref _records[record + InUseWord];

    private static ulong LowBits(int count) => count >= 64 ? ulong.MaxValue : (1UL << count) - 1;

    private static int LeavesFor(int bitmapWords) => WordsFor(bitmapWords);

    /// <summary>Leaf summary g of a record of more than 64 bitmap words: after the interleaved bitmaps.</summary>
    private static long LeafOf(long record, int bitmapWords, int g) => record + FirstBitmapWord + 2 * bitmapWords + g;

    /// <summary>Free word w has just lost its last free object: clear it from the summary levels.</summary>
    private void MarkWordFull(long record, int bitmapWords, int w)
    {
        if (bitmapWords <= 64)
        {
            _records[record + SummaryWord] &= ~(1UL << w);
            return;
        }
        ref ulong leaf = ref _records[LeafOf(record, bitmapWords, Word(w))];
        leaf &= ~Mask(w);
        if (leaf == 0) _records[record + SummaryWord] &= ~Mask(Word(w));
    }

    /// <summary>Free word w has a free object: set it in the summary levels.</summary>
    private void MarkWordFree(long record, int bitmapWords, int w)
    {
        if (bitmapWords <= 64)
        {
            _records[record + SummaryWord] |= 1UL << w;
            return;
        }
        _records[LeafOf(record, bitmapWords, Word(w))] |= Mask(w);
        _records[record + SummaryWord] |= Mask(Word(w));
    }

    /// <summary>Free word w of a record; its accounted word is the next one.</summary>
    private static long FreeWordOf(long record, int w) => record + FirstBitmapWord + 2 * w;

    private void EnsureRecords(long wordsNeeded)
    {
        _wordsUsedMax = Math.Max(_wordsUsedMax, wordsNeeded);
        if (wordsNeeded <= _records.Length) return;
        long size = Math.Max(wordsNeeded, Math.Max(1024, (long)_records.Length * 2));
        int oldLength = _records.Length;
        Array.Resize(ref _records, (int)Math.Min(size, RecordOf(_pages)));
        Array.Fill(_records, Poison, oldLength, _records.Length - oldLength);
    }
}
