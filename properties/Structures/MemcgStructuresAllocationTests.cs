using Verify.Properties.Support;
using Verify.Impl.Memcg;
using Verify.Model.Contract;

namespace Verify.Properties.Structures;

/// <summary>
/// The memcg structures allocate nothing in steady state: once warm (one round, then Reset so the
/// same ids come back), a round of every operation, slow paths included (failed charges, stock
/// evictions and drains, objcg switches, splices), and a clean self-check of each allocate 0 bytes.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class MemcgStructuresAllocationTests
{
    private sealed class NullSink : IObjcgPageSink
    {
        public long Pages;

        public void UnchargePages(int objcg, int pages) => Pages += pages;

        public void RefillPages(int cpu, int objcg, int pages) => Pages += pages;
    }

    [Fact]
    public void SteadyOperationsAndCleanChecksAllocateNothing()
    {
        var counters = new PageCounters();
        var stocks = new PageStocks(counters);
        var bytes = new ByteStocks(new NullSink());
        var lru = new LruLists();
        var report = new SelfCheckReport();
        var leaves = new int[10];
        long before = 0;
        for (int round = 0; round < 2; round++)
        {
            counters.Reset();
            stocks.Reset(2, 7);
            bytes.Reset(2);
            lru.Reset();
            before = GC.GetAllocatedBytesForCurrentThread();
            Round(counters, stocks, bytes, lru, leaves);
            counters.CheckConsistency(report);
            stocks.CheckConsistency(report);
            bytes.CheckConsistency(report);
            lru.CheckConsistency(report);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(report.IsClean, report.IsClean ? "" : $"{report.Found[0].Invariant}: {report.Found[0].Message}");
        Assert.True(allocated == 0, $"a warm round of memcg structure operations and self-checks allocated {allocated} bytes");
    }

    private static void Round(PageCounters counters, PageStocks stocks, ByteStocks bytes, LruLists lru, int[] leaves)
    {
        int root = counters.Create(-1, tracksFailcnt: false), level = root;
        for (int depth = 0; depth < 3; depth++) level = counters.Create(level, tracksFailcnt: true);
        for (int i = 0; i < leaves.Length; i++) leaves[i] = counters.Create(level, tracksFailcnt: false);
        counters.SetMax(level, 5000);
        for (int i = 0; i < 2000; i++)
        {
            int leaf = leaves[i % leaves.Length], cpu = i & 1;
            if (!stocks.Consume(cpu, leaf, 3) && counters.TryCharge(leaf, 64) < 0) stocks.Refill(cpu, leaf, 61);
            if (i % 3 == 0) stocks.Refill(cpu, leaf, 2);
            int objcg = i % 5;
            if (!bytes.TryConsume(cpu, objcg, 264)) bytes.Charged(cpu, objcg, 264, slabObject: true);
            if (i % 2 == 1) bytes.Free(cpu ^ 1, objcg, 264);
            lru.AddTail(i % 8, i % 300);
            if (i % 7 == 0) lru.Remove(lru.Oldest(i % 8) >= 0 ? lru.Oldest(i % 8) : i % 300);
            if (i % 50 == 0) lru.SpliceToParent(i % 8, (i + 1) % 8);
            if (i % 300 == 299)
            {
                for (int p = 0; p < 300; p++)
                    if (lru.IsOnList(p)) lru.Remove(p);
            }
        }
        stocks.DrainSubtree(level);
        stocks.DrainAll();
        bytes.DrainAll();
    }
}
