using System.Runtime.CompilerServices;

namespace Verify.Impl;

/// <summary>
/// Where bit i of a bitmap kept in 64-bit words lives, for the bitmaps of impl/ (LowestSetBitmap,
/// PidAllocator, SlotPool, SlabRecordTable; masks of whole ranges stay at their one site each).
/// Guarantees, for a non-negative index i and count n (callers pass only array positions and
/// sizes, never a negative number): bit i is the single set bit of Mask(i) in word Word(i), which
/// is i / 64; WordsFor(n) is the fewest words that hold bits 0..n-1, which is n / 64 rounded up.
/// </summary>
internal static class WordBits
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Word(int index) => index >> 6;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mask(int index) => 1UL << (index & 63);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WordsFor(int count) => (count + 63) >> 6;
}
