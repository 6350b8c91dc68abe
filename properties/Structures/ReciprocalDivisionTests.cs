using Verify.Properties.Support;
using Verify.Impl.Slab;
using Verify.Model.Slab;

namespace Verify.Properties.Structures;

/// <summary>
/// ReciprocalDivision's guarantee, exhaustively: for every size 1..LargeObjectSizeMax (2 MiB), Divide equals
/// plain division at both ends of every object below the largest slab. Divide is non-decreasing
/// in the offset, so exactness at both ends of an object means exactness at every byte of it. (The mutation
/// profile samples the sizes: Profile.SweepStride.)
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class ReciprocalDivisionTests
{
    [Fact]
    public void TheMultiplierIsExactForEverySizeAndEveryOffsetInsideASlab()
    {
        var broken = new List<string>();
        void Check(int size)
        {
            ulong multiplier = ReciprocalDivision.Multiplier(size);
            if (!ReciprocalDivision.IsExactWithin(size, multiplier, ReciprocalDivision.SlabBytesMax, out long offset))
                broken.Add($"size {size}: offset {offset} gives {ReciprocalDivision.Divide(offset, multiplier)}, plain division {offset / size}");
        }
        int stride = Profile.SweepStride(97); // every size; the mutation profile every 97th and the largest
        for (int size = 1; size <= SlabGeometry.LargeObjectSizeMax; size += stride) Check(size);
        if ((SlabGeometry.LargeObjectSizeMax - 1) % stride != 0) Check(SlabGeometry.LargeObjectSizeMax);
        Assert.True(broken.Count == 0, $"{broken.Count} sizes divide wrongly:\n{string.Join("\n", broken.Take(20))}");
    }

    /// <summary>The checker can fail: a multiplier of 12 bits of precision is caught for a size where it is wrong.</summary>
    [Fact]
    public void TheExactnessCheckCatchesAMultiplierWithTooLittlePrecision()
    {
        const int size = 3000;
        ulong twelveBits = ((1UL << 12) + size - 1) / size << (ReciprocalDivision.Shift - 12);
        Assert.False(ReciprocalDivision.IsExactWithin(size, twelveBits, ReciprocalDivision.SlabBytesMax, out long offset));
        Assert.NotEqual(offset / size, ReciprocalDivision.Divide(offset, twelveBits));
    }
}
