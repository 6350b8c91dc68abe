using System.Runtime.CompilerServices;

namespace Verify.Impl;

/// <summary>
/// The one growth policy of impl/'s growable arrays (tables indexed by slot, id or counter).
/// Guarantees: SizeFor(length, needed) is at least needed (so the index that asked fits) and at
/// least twice the old length and 16 (so n growths cost O(n) copying in all); needed is at most
/// int.MaxValue. A size only decides how often an array is copied, never what it holds.
/// </summary>
internal static class ArrayGrowth
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeFor(int length, long needed) => (int)Math.Max(needed, Math.Max(16, length * 2L));
}
