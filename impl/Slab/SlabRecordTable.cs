using System.Numerics;
using System.Runtime.CompilerServices;
using Verify.Model.Contract;
using Verify.Model.Slab;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Impl.Slab;

/// <summary>
/// The per-slab records of the slab allocator in one flat word array. Guarantees:
/// - a slab headed at pfn h owns words [h * RecordStride, (h + pages) * RecordStride): an in-use
///   count, a summary word, then its free bitmap (bit set = object free) interleaved word by word
///   with its accounted bitmap, so an alloc or a free reads and writes one small stretch of memory.
///   An object is at least 8 bytes, so a page holds at most 512 objects: 8 bitmap words per page,
///   and the record of any slab fits in its stride;
/// - the summary's bit w is set exactly when free word w has a free object, for slabs of more than
///   64 objects; slabs of one word keep it 0 and skip it. The lowest free object is at most two
///   trailing-zero counts away;
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
    public static int BitmapWordsFor(int objectsPerSlab) => (objectsPerSlab + 63) >> 6;

    /// <summary>Starts the record of a new slab: every object free, nothing accounted.</summary>
    public void Init(int head, int pages, int objectsPerSlab)
    {
        long record = RecordOf(head);
        EnsureRecords(RecordOf(head + pages));
        int bitmapWords = BitmapWordsFor(objectsPerSlab);
        _records[record + InUseWord] = 0;
        for (int w = 0; w < bitmapWords; w++)
        {
            int objectsInWord = Math.Min(64, objectsPerSlab - 64 * w);
            _records[FreeWordOf(record, w)] = objectsInWord == 64 ? ulong.MaxValue : (1UL << objectsInWord) - 1;
            _records[FreeWordOf(record, w) + 1] = 0;
        }
        _records[record + SummaryWord] = bitmapWords == 1 ? 0 : bitmapWords == 64 ? ulong.MaxValue : (1UL << bitmapWords) - 1;
    }

    public int InUse(int head) => (int)_records[RecordOf(head) + InUseWord];

    /// <summary>Takes the lowest free object of a slab that has one; returns its index. The caller knows the slab is partial.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int TakeLowestFree(int head, int bitmapWords, bool accounted)
    {
        long record = RecordOf(head);
        int word = bitmapWords == 1 ? 0 : BitOperations.TrailingZeroCount(_records[record + SummaryWord]);
        long freeWord = FreeWordOf(record, word);
        ref ulong free = ref _records[freeWord];
        int bit = BitOperations.TrailingZeroCount(free);
        free &= free - 1;
        if (free == 0 && bitmapWords > 1) _records[record + SummaryWord] &= ~(1UL << word);
        if (accounted) _records[freeWord + 1] |= 1UL << bit;
        _records[record + InUseWord]++;
        return word * 64 + bit;
    }

    public bool IsFree(int head, long index) => (_records[FreeWordOf(RecordOf(head), (int)(index >> 6))] & (1UL << (int)(index & 63))) != 0;

    public bool IsAccounted(int head, long index) => (_records[FreeWordOf(RecordOf(head), (int)(index >> 6)) + 1] & (1UL << (int)(index & 63))) != 0;

    /// <summary>Marks an object in use free again; returns whether it was allocated accounted. The caller has checked IsFree is false.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Release(int head, long index, int bitmapWords)
    {
        long record = RecordOf(head);
        long freeWord = FreeWordOf(record, (int)(index >> 6));
        ulong bit = 1UL << (int)(index & 63);
        _records[freeWord] |= bit;
        if (bitmapWords > 1) _records[record + SummaryWord] |= 1UL << (int)(index >> 6);
        bool accounted = (_records[freeWord + 1] & bit) != 0;
        _records[freeWord + 1] &= ~bit;
        _records[record + InUseWord]--;
        return accounted;
    }

    /// <summary>
    /// S4 for one slab: free bits only below the object count, the in-use count equal to the
    /// objects without a free bit, accounted bits only on objects in use, and (for more than one
    /// word) summary bit w set exactly when free word w is non-zero. Returns the accounted objects.
    /// slabName names the slab in a failure (called only then, so a passing check allocates nothing).
    /// </summary>
    public int CheckSlab(SelfCheckReport report, int head, int objectsPerSlab, Func<int, string> slabName)
    {
        const string S4 = StructureInvariant.SlabRecords;
        long record = RecordOf(head);
        int bitmapWords = BitmapWordsFor(objectsPerSlab);
        int free = 0, accounted = 0;
        ulong summary = 0;
        for (int w = 0; w < bitmapWords; w++)
        {
            ulong freeBits = _records[FreeWordOf(record, w)], accountedBits = _records[FreeWordOf(record, w) + 1];
            int objectsInWord = Math.Min(64, objectsPerSlab - 64 * w);
            ulong valid = objectsInWord == 64 ? ulong.MaxValue : (1UL << objectsInWord) - 1;
            if ((freeBits & ~valid) != 0) report.Fail(S4, $"{slabName(head)}: free word {w} has bits beyond its {objectsInWord} objects (0x{freeBits:x16})");
            if ((accountedBits & (freeBits | ~valid)) != 0) report.Fail(S4, $"{slabName(head)}: accounted word {w} marks objects that are not in use (0x{accountedBits:x16})");
            if (freeBits != 0) summary |= 1UL << w;
            free += BitOperations.PopCount(freeBits & valid);
            accounted += BitOperations.PopCount(accountedBits & valid & ~freeBits);
        }
        long inUse = (long)_records[record + InUseWord];
        if (inUse != objectsPerSlab - free) report.Fail(S4, $"{slabName(head)}: in-use count {inUse} but {objectsPerSlab - free} objects have no free bit");
        ulong recorded = _records[record + SummaryWord];
        if (bitmapWords == 1 ? recorded != 0 : recorded != summary)
            report.Fail(S4, $"{slabName(head)}: summary word 0x{recorded:x16} but the free words give 0x{(bitmapWords == 1 ? 0 : summary):x16}");
        return accounted;
    }

    /// <summary>The summary word of a slab, for planted bugs that emulate a slip (test code only).</summary>
    internal ref ulong SummaryOf(int head) => ref _records[RecordOf(head) + SummaryWord];

    private static long RecordOf(int head) => (long)head * RecordStride;

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
