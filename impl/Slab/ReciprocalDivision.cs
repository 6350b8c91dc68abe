using Verify.Model.Slab;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Impl.Slab;

/// <summary>
/// obj_to_index without a division, as SLUB's reciprocal_size. Guarantee: with
/// m = Multiplier(size) = ceil(2^42 / size) = (2^42 + e) / size for some 0 &lt;= e &lt; size,
/// Divide(offset, m) == offset / size for every size in 1..SlabGeometry.LargeObjectSizeMax (2^21)
/// and every offset below one slab (at most PAGE_SIZE &lt;&lt; SlabGeometry.MinOrderMax = 2^21 bytes):
/// the excess offset * e / (size * 2^42) is below offset / 2^42, which is below 1 / size because
/// offset * size &lt; 2^42, while the fraction of offset / size is at most 1 - 1/size, so the excess
/// never carries the quotient to the next integer. offset * m stays below 2^21 * 2^42 = 2^63.
/// IsExactWithin checks the claim where it would first break: both ends of every object.
/// </summary>
public static class ReciprocalDivision
{
    /// <summary>The fixed-point position of the multiplier.</summary>
    public const int Shift = 42;

    /// <summary>The largest slab, in bytes: every offset the slab layer divides is below it.</summary>
    public const int SlabBytesMax = PageSizeBytes << SlabGeometry.MinOrderMax;

    public static ulong Multiplier(int sizeBytes) => ((1UL << Shift) + (ulong)sizeBytes - 1) / (ulong)sizeBytes;

    public static long Divide(long offset, ulong multiplier) => (long)((ulong)offset * multiplier >> Shift);

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
