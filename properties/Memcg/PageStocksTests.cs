using Verify.Fuzz.Engine;
using Verify.Impl.Memcg;
using Verify.Model.Contract;
using Verify.Properties.Support;

namespace Verify.Properties.Memcg;

/// <summary>
/// PageStocks at the edges random sequences rarely reach: counter slots at and past the end of the
/// first per-counter arrays (16 entries), read before anything is stocked and stocked at their first
/// refill; and a long run of evictions from one CPU's full seven slots, each slot the draw of the
/// SplitMix64 stream seeded at Reset (KERNEL-FACTS "Memory cgroup charging": get_random_u32_below(7)).
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class PageStocksTests
{
    /// <summary>Root 0 and counters 1..count-1 below it, none removed.</summary>
    private static PageCounters Counters(int count)
    {
        var counters = new PageCounters();
        counters.Reset();
        Assert.Equal(0, counters.Create(-1, tracksFailcnt: false));
        for (int i = 1; i < count; i++) Assert.Equal(i, counters.Create(0, tracksFailcnt: false));
        return counters;
    }

    private static string? Check(PageStocks stocks) => StructureProperty.Violation(stocks.CheckConsistency);

    [Fact]
    public void CountersPastTheArraysHoldNothingAndNameNoSlot()
    {
        var stocks = new PageStocks(Counters(2));
        stocks.Reset(1, 1);
        Assert.Equal((0, 0), (stocks.HeldPages(16), stocks.CachedSlots(16)));
        Assert.Equal((0, 0), (stocks.HeldPages(1000), stocks.CachedSlots(1000)));
    }

    [Fact]
    public void ACounterPastTheArraysIsStockedAtItsFirstRefill()
    {
        var counters = Counters(21);
        var stocks = new PageStocks(counters);
        stocks.Reset(1, 1);
        counters.Charge(20, 3);
        stocks.Refill(0, 20, 3);
        Assert.Equal((20, 3), (stocks.CachedCounter(0, 0), stocks.CachedPages(0, 0)));
        Assert.Equal((3, 1, 3L), (stocks.HeldPages(20), stocks.CachedSlots(20), stocks.TotalHeld));
        Assert.Null(Check(stocks));
        stocks.DrainAll();
        Assert.Equal((0L, 0L), (counters.Usage(20), counters.Usage(0)));
    }

    /// <summary>
    /// A seed whose first draw mixes to 0x92492493_00000000 before the last xorshift: bits 63 and 32
    /// are both set, so the value after it, 0x92492492..., sits one below the boundary of slots 3
    /// and 4 (4 x 2^32 / 7); any slip in the last mixing step moves the eviction to slot 4.
    /// </summary>
    private const ulong BoundarySeed = 0x2EAF_D777_1057_25E5;

    [Fact]
    public void EvictionsFollowTheSplitMix64DrawOfTheResetSeed()
    {
        const int cpu = 1, evictions = 40, slots = PageStocks.SlotsPerCpu;
        foreach (ulong seed in new ulong[] { 7, 0x1234_5678_9ABC_DEF0, BoundarySeed })
        {
            var counters = Counters(slots + evictions + 1);
            var stocks = new PageStocks(counters);
            stocks.Reset(2, seed);
            var draw = new SplitMix64(seed);
            var expected = new int[slots];
            for (int c = 1; c <= slots; c++)
            {
                counters.Charge(c, 1);
                stocks.Refill(cpu, c, 1);
                expected[c - 1] = c;
            }
            for (int c = slots + 1; c <= slots + evictions; c++)
            {
                counters.Charge(c, 2);
                stocks.Refill(cpu, c, 2);
                int slot = (int)(((draw.Next() >> 32) * slots) >> 32);
                Assert.True(counters.Usage(expected[slot]) == 0, $"seed {seed}: counter {expected[slot]}, evicted by counter {c}, still has its stocked pages charged");
                expected[slot] = c;
                for (int i = 0; i < slots; i++)
                    Assert.True(stocks.CachedCounter(cpu, i) == expected[i], $"seed {seed}, eviction by counter {c}: slot {i} caches {stocks.CachedCounter(cpu, i)}, the draw says {expected[i]}");
            }
            Assert.Equal(expected.Sum(c => c <= slots ? 1L : 2L), stocks.TotalHeld); // the first seven stocked 1 page each, the others 2
            Assert.Null(Check(stocks));
        }
    }
}
