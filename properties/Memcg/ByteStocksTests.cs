using Verify.Impl.Memcg;
using Verify.Model.Contract;
using Verify.Properties.Support;

namespace Verify.Properties.Memcg;

/// <summary>
/// ByteStocks at the edges random sequences rarely reach: objcg ids just past the last one charged
/// when that one fills the first per-objcg array (16 entries), ids far past the array, frees of the
/// very next id never charged (a caller's bug S13 must name as negative live bytes), the planted
/// slip that drops a remainder, a stock that holds exactly the bytes asked, and a remainder of more
/// than a page built by two CPUs (KERNEL-FACTS: nr_charged_bytes of a page or more stay as they are).
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class ByteStocksTests
{
    private const string S13 = StructureInvariant.ByteStocks;
    private const int Page = ByteStocks.PageBytes;

    private sealed class Sink : IObjcgPageSink
    {
        public readonly List<string> Given = [];

        public void UnchargePages(int objcg, int pages) => Given.Add($"uncharge objcg {objcg} {pages} pages");

        public void RefillPages(int cpu, int objcg, int pages) => Given.Add($"refill cpu {cpu} objcg {objcg} {pages} pages");
    }

    private static List<string> Check(ByteStocks stocks)
    {
        var report = new SelfCheckReport();
        stocks.CheckConsistency(report);
        return Corrupt.Lines(report);
    }

    [Fact]
    public void IdsPastTheLastChargedReadAsNothingEvenAtTheArraysEnd()
    {
        var sink = new Sink();
        var stocks = new ByteStocks(sink);
        stocks.Reset(1);
        stocks.Charged(0, 15, 96, slabObject: true); // ids 0..15 used: the first array's every entry
        stocks.DrainCpu(0); // 4000 bytes of objcg 15 to its nr_charged_bytes
        Assert.Equal(16, stocks.ObjcgsUsed);
        Assert.Equal((0L, 0L, 0L), (stocks.PagesCharged(16), stocks.LiveBytes(16), stocks.NrChargedBytes(16)));
        Assert.Equal((0L, 0L, 0L), (stocks.PagesCharged(1000), stocks.LiveBytes(1000), stocks.NrChargedBytes(1000)));
        Assert.Equal(0, stocks.TrimRemainder(16));
        Assert.Equal(0, stocks.Release(16));
        stocks.DropRemainder(16);
        Assert.Equal(4000L, stocks.TotalBytesHeld);
        Assert.Equal((1L, 96L, 4000L), (stocks.PagesCharged(15), stocks.LiveBytes(15), stocks.NrChargedBytes(15)));
        Assert.Empty(sink.Given);
        Assert.Empty(Check(stocks));
    }

    /// <summary>A CPU that caches the very next id never charged (ids 0..15 used) is named by S13; one id lower is a cached objcg like any other.</summary>
    [Fact]
    public void ACpuCachingTheNextIdNeverChargedIsReported()
    {
        var stocks = new ByteStocks(new Sink());
        stocks.Reset(2);
        stocks.Charged(0, 15, 96, slabObject: true);
        Assert.Equal(16, stocks.ObjcgsUsed);
        Corrupt.SetElement(stocks, "_cached", 1, 15);
        Assert.Empty(Check(stocks));
        Corrupt.SetElement(stocks, "_cached", 1, 16);
        Assert.Equal([$"{S13}: cpu 1: caches objcg 16, which was never charged"], Check(stocks));
    }

    [Fact]
    public void IdsFarPastTheArrayAreChargedAndKept()
    {
        var stocks = new ByteStocks(new Sink());
        stocks.Reset(1);
        stocks.Charged(0, 40, 96, slabObject: true);
        stocks.Charged(0, 100, Page + 8, slabObject: false);
        Assert.Equal((1L, 96L), (stocks.PagesCharged(40), stocks.LiveBytes(40)));
        Assert.Equal((2L, (long)Page + 8), (stocks.PagesCharged(100), stocks.LiveBytes(100)));
        Assert.Equal(101, stocks.ObjcgsUsed);
        Assert.Empty(Check(stocks));
    }

    [Fact]
    public void AFreeOfTheNextIdNeverChargedIsReportedAsNegativeLiveBytes()
    {
        var stocks = new ByteStocks(new Sink());
        stocks.Reset(1);
        stocks.Free(0, 0, 64); // the bytes go to CPU 0's stock, which now caches objcg 0
        Assert.Equal((0, 64), (stocks.CachedObjcg(0), stocks.StockBytes(0)));
        Assert.Equal([$"{S13}: objcg 0: 0 pages charged, -64 live bytes, 0 nr_charged_bytes: a negative count"], Check(stocks));
    }

    [Fact]
    public void AFreeToTheRemainderOfTheNextIdNeverChargedIsReportedAsNegativeLiveBytes()
    {
        var stocks = new ByteStocks(new Sink());
        stocks.Reset(1);
        stocks.FreeToRemainder(0, 64);
        Assert.Equal(64L, stocks.TotalBytesHeld);
        Assert.Equal([$"{S13}: objcg 0: 0 pages charged, -64 live bytes, 64 nr_charged_bytes: a negative count"], Check(stocks));
    }

    [Fact]
    public void ADroppedRemainderIsForgottenAndItsPageStaysCharged()
    {
        var stocks = new ByteStocks(new Sink());
        stocks.Reset(1);
        stocks.Charged(0, 0, 96, slabObject: true);
        stocks.DrainCpu(0); // the page's other 4000 bytes to nr_charged_bytes
        Assert.Equal((4000L, 4000L), (stocks.NrChargedBytes(0), stocks.TotalBytesHeld));
        stocks.DropRemainder(0);
        Assert.Equal((0L, 0L, 1L), (stocks.NrChargedBytes(0), stocks.TotalBytesHeld, stocks.PagesCharged(0)));
        Assert.Equal([$"{S13}: objcg 0: 1 pages charged (4096 bytes), but 96 live + 0 in stock + 0 nr_charged_bytes = 96"], Check(stocks));
    }

    [Fact]
    public void AStockServesExactlyTheBytesItHolds()
    {
        var stocks = new ByteStocks(new Sink());
        stocks.Reset(1);
        stocks.Charged(0, 0, 96, slabObject: true); // the page's other 4000 bytes stocked
        Assert.False(stocks.CanConsume(0, 0, 4001));
        Assert.True(stocks.CanConsume(0, 0, 4000));
        Assert.True(stocks.TryConsume(0, 0, 4000));
        Assert.Equal((0, 4096L), (stocks.StockBytes(0), stocks.LiveBytes(0)));
    }

    /// <summary>Two CPUs switching away from the same objcg leave it 8008 bytes of nr_charged_bytes: a charge they cover needs no page.</summary>
    [Fact]
    public void AChargeTheRemainderCoversNeedsNoPageWhenTheRemainderHoldsMoreThanAPage()
    {
        var sink = new Sink();
        var stocks = new ByteStocks(sink);
        stocks.Reset(2);
        const int G = 0, H = 1;
        stocks.Charged(0, G, 92, slabObject: true); // CPU0: G with 4004 bytes
        stocks.Charged(1, G, 92, slabObject: true); // CPU1: G with 4004 bytes
        stocks.Charged(0, H, 92, slabObject: true); // CPU0 switches: G's 4004 to nr_charged_bytes
        stocks.Charged(1, H, 92, slabObject: true); // CPU1 switches: 4004 more
        Assert.Equal(8008L, stocks.NrChargedBytes(G));
        Assert.Empty(sink.Given);
        Assert.Equal(0, stocks.PagesNeededFromRemainder(G, 16));
        Assert.Equal(0, stocks.PagesNeededFromRemainder(G, 8008));
        Assert.Equal(1, stocks.PagesNeededFromRemainder(G, 8009));
        Assert.Equal(1, stocks.PagesNeededFromRemainder(H, 16));
    }
}
