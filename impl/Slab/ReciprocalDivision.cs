using Verify.Model.Slab;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Impl.Slab;

/// <summary>
/// obj_to_index without a division, as SLUB's reciprocal_size. Guarantee: with
/// m = Multiplier(size) = ceil(2^32 / size) = (2^32 + e) / size for some 0 &lt;= e &lt; size,
/// Divide(offset, m) == offset / size for every size in 1..SlabGeometry.ObjectSizeMax (2^15) and
/// every offset below one slab (at most PAGE_SIZE &lt;&lt; slub_max_order = 2^15 bytes): the excess
/// offset * e / (size * 2^32) is below offset / 2^32 &lt;= 2^-17, while the fraction of offset / size
/// is at most 1 - 1/size &lt;= 1 - 2^-15, so the excess never carries the quotient to the next integer.
/// IsExactWithin checks the claim where it would first break: both ends of every object.
/// </summary>
public static class ReciprocalDivision
{
    /// <summary>The largest slab, in bytes: every offset the slab layer divides is below it.</summary>
    public const int SlabBytesMax = PageSizeBytes << SlabGeometry.SlubMaxOrder;

    public static ulong Multiplier(int sizeBytes) => ((1UL << 32) + (ulong)sizeBytes - 1) / (ulong)sizeBytes;

    public static long Divide(long offset, ulong multiplier) => (long)((ulong)offset * multiplier >> 32);

    /// <summary>True when Divide(offset, multiplier) == offset / size at both sides of every object boundary below slabBytes.</summary>
    public static bool IsExactWithin(int sizeBytes, ulong multiplier, int slabBytes, out long brokenOffset)
    {
        for (long start = 0; start < slabBytes; start += sizeBytes)
        {
            long last = Math.Min(start + sizeBytes, slabBytes) - 1;
            if (Divide(start, multiplier) != start / sizeBytes) { brokenOffset = start; return false; }
            if (Divide(last, multiplier) != last / sizeBytes) { brokenOffset = last; return false; }
        }
        brokenOffset = -1;
        return true;
    }
}
