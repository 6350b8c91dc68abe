using Verify.Model.Contract;
using Verify.Model.Slab;
using Verify.Properties.Support;

namespace Verify.Properties;

/// <summary>
/// The contract types' own words and numbers that reports, traces and the self-checks print or
/// read: a kernel charge's text (page charges and objects, the group it moved to), the layout's
/// trace word, a slab cache's waste per slab and the self-check report's cap. Expected texts are
/// written here by hand from the formats the README and the doc comments give.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class ContractTextTests
{
    [Fact]
    public void AKernelChargeSaysWhatItIsAndWhereItMoved()
    {
        Assert.Equal("[kernelstack at pfn 40 x4 objcg 3]", new KernelChargeInfo(KernelChargeKind.KernelStack, 40, 3, 3, 4).ToString());
        Assert.Equal("[pagetable at pfn 41 x1 objcg 3 now 1]", new KernelChargeInfo(KernelChargeKind.PageTable, 41, 3, 1, 1).ToString());
        Assert.Equal("[object 8192 64 bytes objcg 5]", new KernelChargeInfo(KernelChargeKind.Slab, 8192, 5, 5, 64).ToString());
        Assert.Equal("[reclaimable object 8256 200 bytes objcg 5 now 2]", new KernelChargeInfo(KernelChargeKind.SlabReclaimable, 8256, 5, 2, 200).ToString());
    }

    [Fact]
    public void TheLayoutWordsAreThoseOfTheTraceFormat()
    {
        Assert.Equal("v1", CgroupLayout.V1.Word());
        Assert.Equal("v2", CgroupLayout.V2.Word());
    }

    /// <summary>Two pages of three 2000-byte objects leave 8192 - 6000 bytes.</summary>
    [Fact]
    public void ASlabsWasteIsWhatItsObjectsLeaveOfItsPages()
    {
        var cache = new SlabCacheInfo(Id: 30, Name: "c", ObjectSizeBytes: 2000, SizeBytes: 2000, ObjectsPerSlab: 3, PagesPerSlab: 2, MinPartial: 5,
            ActiveObjects: 0, TotalObjects: 0, Slabs: 0, Flags: 0, Accounted: false, AccountedObjects: 0);
        Assert.Equal(2192, cache.WasteBytesPerSlab);
    }

    [Fact]
    public void ASelfCheckReportKeepsSixteenViolationsAndIsFullThen()
    {
        var report = new SelfCheckReport();
        for (int i = 0; i < SelfCheckReport.ViolationsMax - 1; i++) report.Fail("S", $"v{i}");
        Assert.False(report.IsFull);
        report.Fail("S", "last kept");
        Assert.True(report.IsFull);
        report.Fail("S", "dropped");
        Assert.Equal(16, report.Found.Count);
        Assert.Equal(("S", "last kept"), report.Found[^1]);
        report.Clear();
        Assert.True(report.IsClean);
    }
}
