using Verify.Model.Contract;
using Verify.Model.Slab;
using Verify.Properties.Support;

namespace Verify.Properties;

/// <summary>
/// Arguments at the ends of what the kernel interface accepts, which the alphabet's ranges reach
/// rarely or never, on the model and on the impl alike: free_pages with an order outside 0..10
/// (whose shift would wrap at 64), a 1-byte cache and a page-sized alignment for both cache
/// creations, and the names user caches get.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class ArgumentEdgesOnBothSidesTests
{
    private static readonly MachineConfig Machine = new(256, 2);

    /// <summary>An allocated page freed with order -64, -1, 11 or 64 is refused and stays allocated (1L &lt;&lt; 64 is 1: only the range test refuses it).</summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void FreePagesWithAnOrderOutsideTheRangeIsRefused(string side)
    {
        var kernel = SideBySide.Kernel(side, Machine);
        long pfn = kernel.AllocPages(0).Value;
        foreach (int order in new[] { -64, -1, KernelConstants.MaxPageOrder + 1, 64 })
            SideBySide.AssertRefusedAndNothingChanged(kernel, k => k.FreePages(pfn, order));
        Assert.True(kernel.FreePages(pfn, 0).IsOk);
    }

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void ACacheOfOneByteAndOneAlignedToAPageAreMade(string side)
    {
        var kernel = SideBySide.Kernel(side, Machine);
        Assert.True(kernel.CacheCreate(1, 0, SlabFlags.None).IsOk);
        Assert.True(kernel.CacheCreate(64, SlabGeometry.AlignMax, SlabFlags.None).IsOk);
        Assert.True(kernel.CacheCreateMinOrder(1, 0, SlabFlags.None, 1).IsOk);
        Assert.True(kernel.CacheCreateMinOrder(64, SlabGeometry.AlignMax, SlabFlags.None, 1).IsOk);
        SideBySide.AssertRefusedAndNothingChanged(kernel, k => k.CacheCreate(0, 0, SlabFlags.None));
        SideBySide.AssertRefusedAndNothingChanged(kernel, k => k.CacheCreate(64, SlabGeometry.AlignMax * 2, SlabFlags.None));
        SideBySide.AssertRefusedAndNothingChanged(kernel, k => k.CacheCreateMinOrder(0, 0, SlabFlags.None, 1));
        SideBySide.AssertRefusedAndNothingChanged(kernel, k => k.CacheCreateMinOrder(64, SlabGeometry.AlignMax * 2, SlabFlags.None, 1));
    }

    [Fact]
    public void AUserCacheIsNamedAfterItsId() => Assert.Equal("cache-31", SlabLayout.UserCacheName(31));
}
