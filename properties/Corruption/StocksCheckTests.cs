using Verify.Impl.Memcg;
using Verify.Model.Contract;
using Verify.Properties.Support;

namespace Verify.Properties.Corruption;

/// <summary>
/// The page stocks' self-check (S12) reports exactly what is wrong, message by message, in the
/// slots of a CPU other than the first (slot numbers are counted from that CPU's first slot), on
/// stocks built alone: counters root 0 and 1..16 below it (16 is the first slot past the stocks'
/// per-counter arrays of 16), counter 3 removed; CPU 1 holds 5 pages of counter 1 in slot 0 and 4
/// of counter 2 in slot 1, CPU 0 holds 2 pages of counter 1. One fact broken per test.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class StocksCheckTests
{
    private const string S12 = StructureInvariant.PageStocks;
    private const int Stride = 8; // a CPU's 7 slots and one unused entry

    private static PageStocks Stocks()
    {
        var counters = new PageCounters();
        counters.Reset();
        Assert.Equal(0, counters.Create(-1, tracksFailcnt: false));
        for (int i = 1; i <= 16; i++) Assert.Equal(i, counters.Create(0, tracksFailcnt: false));
        counters.Remove(3);
        var stocks = new PageStocks(counters);
        stocks.Reset(2, 1);
        foreach (var (cpu, counter, pages) in new[] { (1, 1, 5), (1, 2, 4), (0, 1, 2) })
        {
            counters.Charge(counter, pages);
            stocks.Refill(cpu, counter, pages);
        }
        Assert.Equal((1, 5, 2, 4), (stocks.CachedCounter(1, 0), stocks.CachedPages(1, 0), stocks.CachedCounter(1, 1), stocks.CachedPages(1, 1)));
        Assert.Empty(Check(stocks));
        return stocks;
    }

    private static List<string> Check(PageStocks stocks)
    {
        var report = new SelfCheckReport();
        stocks.CheckConsistency(report);
        return Corrupt.Lines(report);
    }

    [Fact]
    public void PagesInAnEmptySlotAreReportedByThatCpusSlotNumber()
    {
        var stocks = Stocks();
        Corrupt.SetElement(stocks, "_pages", Stride + 2, 3);
        Assert.Equal([$"{S12}: cpu 1 slot 2: caches no counter but holds 3 pages"], Check(stocks));
    }

    [Fact]
    public void ASlotOfARemovedCounterIsReported()
    {
        var stocks = Stocks();
        Corrupt.SetElement(stocks, "_cached", Stride + 2, 3);
        Assert.Equal([$"{S12}: cpu 1 slot 2: caches counter 3, which is not live or was never counted"], Check(stocks));
    }

    [Fact]
    public void ASlotOfALiveCounterPastTheCountedOnesIsReported()
    {
        var stocks = Stocks();
        Corrupt.SetElement(stocks, "_cached", Stride + 2, 16);
        Assert.Equal([$"{S12}: cpu 1 slot 2: caches counter 16, which is not live or was never counted"], Check(stocks));
    }

    [Fact]
    public void PagesOverTheBatchAreReportedWithTheRecounts()
    {
        var stocks = Stocks();
        Corrupt.SetElement(stocks, "_pages", Stride, 65);
        Assert.Equal([
            $"{S12}: cpu 1 slot 0: holds 65 pages of counter 1, outside 0..64",
            $"{S12}: counter 1: HeldPages says 7, the slots hold 67",
            $"{S12}: TotalHeld says 11, the slots hold 71"], Check(stocks));
    }

    [Fact]
    public void ACounterInTwoSlotsOfACpuIsReportedWithBothSlots()
    {
        var stocks = Stocks();
        Corrupt.SetElement(stocks, "_cached", Stride + 1, 1);
        Assert.Equal([
            $"{S12}: cpu 1: counter 1 is cached in slots 0 and 1",
            $"{S12}: counter 1: HeldPages says 7, the slots hold 11",
            $"{S12}: counter 1: CachedSlots says 2, 3 slots name it",
            $"{S12}: counter 2: HeldPages says 4, the slots hold 0",
            $"{S12}: counter 2: CachedSlots says 1, 0 slots name it"], Check(stocks));
    }

    /// <summary>The eighth entry of each CPU's stride is no slot (slot 7 is unused): the check does not read it.</summary>
    [Fact]
    public void TheUnusedEntryOfAStrideIsNoSlot()
    {
        var stocks = Stocks();
        Corrupt.SetElement(stocks, "_pages", PageStocks.SlotsPerCpu, 3);
        Corrupt.SetElement(stocks, "_pages", Stride + PageStocks.SlotsPerCpu, 3);
        Assert.Empty(Check(stocks));
    }
}
