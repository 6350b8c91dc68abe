using System.Runtime.CompilerServices;

namespace Verify.Impl;

/// <summary>
/// The one growth policy of impl/'s growable arrays (tables indexed by slot, id or counter).
/// Guarantees: SizeFor(length, needed) is at least needed (so the index that asked fits) and at
/// least twice the old length (so n growths cost O(n) copying in all); needed is at most
/// int.MaxValue. An array that starts empty grows to exactly what its first use needs, so a
/// bound check against its length stays as tight as the ids in use. Its contents never depend on
/// the size: the size only decides how often the array is copied.
/// </summary>
internal static class ArrayGrowth
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeFor(int length, long needed) => (int)Math.Max(needed, length * 2L);
}
