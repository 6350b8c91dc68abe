using Verify.Impl.Slab;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Slab;

/// <summary>
/// ReciprocalDivision.IsExactWithin checks the offsets inside the slab and no other: both ends of
/// every object below slabBytes, naming the first offset where the multiplier is wrong.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class ReciprocalDivisionTests
{
    [Fact]
    public void AMultiplierOneShortIsExactWithinASlabOfOneObject()
    {
        // 4096 x (2^30 - 1) / 2^42 is just below 1: only an offset of 4096, past the slab's end, divides wrong.
        ulong oneShort = ReciprocalDivision.Multiplier(PageSizeBytes) - 1;
        Assert.True(ReciprocalDivision.IsExactWithin(PageSizeBytes, oneShort, PageSizeBytes, out long broken));
        Assert.Equal(-1, broken);
        Assert.False(ReciprocalDivision.IsExactWithin(PageSizeBytes, oneShort, 2 * PageSizeBytes, out broken));
        Assert.Equal(PageSizeBytes, broken);
    }

    [Fact]
    public void AMultiplierOneShortIsWrongFirstAtTheSecondObjectsStart()
    {
        ulong oneShort = ReciprocalDivision.Multiplier(3000) - 1;
        Assert.False(ReciprocalDivision.IsExactWithin(3000, oneShort, 2 * PageSizeBytes, out long broken));
        Assert.Equal(3000, broken);
        Assert.Equal(0, ReciprocalDivision.Divide(3000, oneShort));
    }

    [Fact]
    public void AMultiplierOneOverIsWrongFirstAtTheEndOfAnObject()
    {
        // 2^30 too large, the excess offset x 2^-12 first carries the quotient at the end of object 455:
        // 1367 x (ceil(2^42 / 3) + 2^30) / 2^42 = 455.67 + 0.33 >= 456 (worked out apart from the code).
        ulong over = ReciprocalDivision.Multiplier(3) + (1UL << 30);
        Assert.False(ReciprocalDivision.IsExactWithin(3, over, PageSizeBytes, out long broken));
        Assert.Equal(1367, broken);
    }
}
