using Verify.Impl.Cgroups;
using Verify.Impl.Memcg;
using Verify.Model.Contract;
using Verify.Properties.Support;

namespace Verify.Properties.Corruption;

/// <summary>
/// The page counters' self-check (S11) reports exactly what is wrong, message by message, on
/// counters built alone: root 0, its child 1 and grandchild 2, and a removed counter whose slot 3
/// is free; 5 pages charged at the grandchild, 2 at the child. One fact broken per test.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class PageCountersCheckTests
{
    private const string S11 = StructureInvariant.PageCounters;

    private static PageCounters Counters()
    {
        var counters = new PageCounters();
        counters.Reset();
        Assert.Equal(0, counters.Create(-1, tracksFailcnt: false));
        Assert.Equal(1, counters.Create(0, tracksFailcnt: true));
        Assert.Equal(2, counters.Create(1, tracksFailcnt: true));
        Assert.Equal(3, counters.Create(1, tracksFailcnt: true));
        counters.Remove(3);
        counters.Charge(2, 5);
        counters.Charge(1, 2);
        Assert.Empty(Check(counters));
        return counters;
    }

    private static List<string> Check(PageCounters counters)
    {
        var report = new SelfCheckReport();
        counters.CheckConsistency(report);
        return Corrupt.Lines(report);
    }

    [Fact]
    public void AFreeSlotMarkedLiveIsReportedByTheSlotPoolUnderItsName()
    {
        var counters = Counters();
        Corrupt.SetElement(Corrupt.Get<SlotPool>(counters, "_pool"), "_live", 3, true);
        Assert.Contains($"{S11}: page counter slots: slot 3 is live but on the free list", Check(counters));
    }

    [Fact]
    public void AUsageOffItsSumIsReportedWithTheSum()
    {
        var counters = Counters();
        Corrupt.SetInElement(counters, "_nodes", 1, "Usage", 6L); // below its watermark of 7, which stays sound
        Assert.Equal([
            $"{S11}: page counter 0: usage 7, but its own charges 0 and its children's usages 6 sum to 6",
            $"{S11}: page counter 1: usage 6, but its own charges 2 and its children's usages 5 sum to 7"], Check(counters));
    }

    [Fact]
    public void ACounterThatIsItsOwnParentIsNotCountedAsItsOwnChild()
    {
        // The rejected link is not followed: counter 2's usage and children are recounted without itself
        // (so they stay sound), and counter 1 no longer counts it, so counter 1's sum and child count are off.
        var counters = Counters();
        Corrupt.SetInElement(counters, "_nodes", 2, "Parent", 2);
        Assert.Equal([
            $"{S11}: page counter 2: its parent 2 is not another live counter",
            $"{S11}: page counter 1: usage 7, but its own charges 2 and its children's usages 0 sum to 2",
            $"{S11}: page counter 1: counts 1 live children, a recount 0",
            $"{S11}: page counter 2: its chain [2 1 0] is not its ancestry"], Check(counters));
    }

    [Fact]
    public void AChainOfTheRightLevelsInTheWrongOrderIsReportedAsItIs()
    {
        // Every level it names is live and it has the ancestry's length: only the order is wrong.
        var counters = Counters();
        Corrupt.SetElement(counters, "_chains", 2, new[] { 2, 0, 1 });
        Assert.Equal([$"{S11}: page counter 2: its chain [2 0 1] is not its ancestry"], Check(counters));
    }
}
