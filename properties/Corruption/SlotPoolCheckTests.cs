using Verify.Impl.Cgroups;
using Verify.Model.Contract;
using Verify.Properties.Support;
using static Verify.Properties.Support.Corrupt;

namespace Verify.Properties.Corruption;

/// <summary>
/// SlotPool's self-check reports exactly what is wrong, message by message: a pool of 4 slots with
/// slots 1 and 3 freed (free list [1, 3]) and one corruption per row. Exact lists, so a check that
/// reports too much (a duplicate that later reads as missing) fails as surely as one that misses.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class SlotPoolCheckTests
{
    private static SlotPool Pool()
    {
        var pool = new SlotPool();
        for (int i = 0; i < 4; i++) pool.Allocate();
        pool.Free(1);
        pool.Free(3);
        return pool;
    }

    private static List<string> Check(SlotPool pool)
    {
        var report = new SelfCheckReport();
        pool.CheckConsistency(report, "inv", "pool");
        return Corrupt.Lines(report);
    }

    [Fact]
    public void AConsistentPoolReportsNothing() => Assert.Empty(Check(Pool()));

    [Fact]
    public void AnEntryAtHighWaterIsOutside()
    {
        var pool = Pool();
        Corrupt.Get<int[]>(pool, "_free")[0] = 4;
        Assert.Equal(["inv: pool: free-list entry 0 is slot 4, outside 0..3", "inv: pool: slot 1 is neither live nor on the free list"], Check(pool));
    }

    [Fact]
    public void ASlotListedTwiceIsReportedOnceAndNotAsMissing()
    {
        var pool = Pool();
        Corrupt.Get<int[]>(pool, "_free")[1] = 1;
        Assert.Equal(["inv: pool: slot 1 is on the free list twice", "inv: pool: slot 3 is neither live nor on the free list"], Check(pool));
    }

    [Fact]
    public void ASlotListedThriceIsReportedTwiceAndNotAsMissing()
    {
        var pool = Pool();
        pool.Free(0);
        Corrupt.Get<int[]>(pool, "_free")[1] = 1;
        Corrupt.Get<int[]>(pool, "_free")[2] = 1;
        Assert.Equal(["inv: pool: slot 1 is on the free list twice", "inv: pool: slot 1 is on the free list twice",
            "inv: pool: slot 0 is neither live nor on the free list", "inv: pool: slot 3 is neither live nor on the free list"], Check(pool));
    }

    [Fact]
    public void ALiveSlotOnTheFreeListIsReported()
    {
        var pool = Pool();
        SetElement(pool, "_live", 3, true);
        Assert.Equal(["inv: pool: slot 3 is live but on the free list"], Check(pool));
    }

    [Fact]
    public void ResetForgetsEverySlot()
    {
        var pool = Pool();
        pool.Reset();
        Assert.Equal((0, 0, false), (pool.HighWater, pool.LiveCount, pool.IsLive(0)));
        Assert.Equal(0, pool.Allocate());
        Assert.Empty(Check(pool));
    }
}
