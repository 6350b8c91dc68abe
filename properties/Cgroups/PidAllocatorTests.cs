using Verify.Impl.Cgroups;
using Verify.Model.Contract;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Cgroups;

/// <summary>
/// The pid allocator alone, at the edges: every pid handed out once up to pid_max, then none; a pid
/// freed after the cursor has wrapped is found again through the summary words, and one below
/// RESERVED_PIDS is not; NextUsed across empty words and past the last used pid; pid_max itself is
/// never used. On one CPU, pid_max is 32768: 512 used words, exactly as many as the allocator
/// starts with, so an access one word past pid_max would fail. And the self-check's exact messages.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class PidAllocatorTests
{
    private const string Invariant = "pids";
    private static readonly int PidMaxOne = PidMax(CpusMin);

    private static PidAllocator Fresh()
    {
        var pids = new PidAllocator();
        pids.Reset(CpusMin);
        Assert.Equal(PidMaxOne, pids.PidMaxValue);
        return pids;
    }

    private static List<string> Check(PidAllocator pids)
    {
        var report = new SelfCheckReport();
        pids.CheckConsistency(report, Invariant);
        return Corrupt.Lines(report);
    }

    private static PidAllocator Exhausted()
    {
        var pids = Fresh();
        for (int expected = 1; expected < PidMaxOne; expected++)
        {
            int pid = pids.Next();
            Assert.Equal(expected, pid);
            pids.Use(pid);
        }
        return pids;
    }

    [Fact]
    public void EveryPidBelowPidMaxIsHandedOutOnceThenNone()
    {
        var pids = Exhausted();
        Assert.Equal(-1, pids.Next());
        Assert.Equal(PidMaxOne, pids.Cursor);
        Assert.Equal(PidMaxOne - 1, pids.UsedCount);
        Assert.Empty(Check(pids));
        Assert.False(pids.IsUsed(PidMaxOne));
        Assert.False(pids.IsUsed(0));
        Assert.False(pids.IsUsed(-1));
        Assert.True(pids.IsUsed(PidMaxOne - 1));
        int listed = 0, last = 0; // the walk is cut at pid_max steps, so a NextUsed that steps back fails here rather than hangs
        for (int pid = pids.NextUsed(1); pid >= 0 && listed <= PidMaxOne; pid = pids.NextUsed(pid + 1)) (listed, last) = (listed + 1, pid);
        Assert.Equal((PidMaxOne - 1, PidMaxOne - 1), (listed, last));
    }

    [Fact]
    public void AfterTheWrapAFreedPidIsFoundThroughTheSummaryAndOneBelowReservedPidsIsNot()
    {
        var pids = Exhausted();
        int far = 5 * 4096 + 3;
        foreach (int pid in new[] { 100, 700, far }) pids.Release(pid);
        Assert.Empty(Check(pids));
        foreach (int expected in new[] { 700, far })
        {
            Assert.Equal(expected, pids.Next());
            pids.Use(expected);
        }
        Assert.Equal(-1, pids.Next()); // 100 is below RESERVED_PIDS, which the search starts at once the cursor passed it
        Assert.False(pids.IsUsed(100));
        Assert.Empty(Check(pids));
    }

    [Fact]
    public void NextUsedFindsTheLowestUsedPidAtOrAboveAcrossEmptyWords()
    {
        var pids = Fresh();
        foreach (int pid in new[] { 5, 199, 4095, 8193 }) pids.Use(pid);
        Assert.Equal(5, pids.NextUsed(0));
        Assert.Equal(5, pids.NextUsed(5));
        Assert.Equal(199, pids.NextUsed(6));
        Assert.Equal(4095, pids.NextUsed(200));
        Assert.Equal(8193, pids.NextUsed(4096));
        Assert.Equal(-1, pids.NextUsed(8194));
        Assert.Equal(-1, pids.NextUsed(PidMaxOne));
    }

    [Fact]
    public void ASummaryBitSetOverAWordThatIsNotFullIsReportedWithTheWord()
    {
        var pids = Fresh();
        pids.Use(1);
        Corrupt.Get<ulong[]>(pids, "_full")[0] |= 1;
        Assert.Equal([$"{Invariant}: pid bitmap: summary bit 0 is set but pids 0..63 are 0x0000000000000002"], Check(pids));
    }

    [Fact]
    public void ASummaryBitClearOverAFullWordIsReportedWithTheWord()
    {
        var pids = Fresh();
        for (int pid = 64; pid < 128; pid++) pids.Use(pid);
        Assert.Empty(Check(pids));
        Corrupt.Get<ulong[]>(pids, "_full")[0] &= ~2UL;
        Assert.Equal([$"{Invariant}: pid bitmap: summary bit 1 is clear but pids 64..127 are 0xffffffffffffffff"], Check(pids));
    }

    [Fact]
    public void AUsedCountOffThePopcountIsReported()
    {
        var pids = Fresh();
        pids.Use(1);
        pids.Use(2);
        Corrupt.SetProperty(pids, "UsedCount", 3);
        Assert.Equal([$"{Invariant}: pid bitmap: 2 pids are marked used but the count says 3"], Check(pids));
    }

    /// <summary>With 33 CPUs pid_max is 33792: 528 used words, so bits 16 and up of the last summary word stand for no word; one of them set is reported.</summary>
    [Fact]
    public void ASummaryBitPastTheLastWordIsReported()
    {
        var pids = new PidAllocator();
        pids.Reset(33);
        Assert.Equal(33 * 1024, pids.PidMaxValue);
        Assert.Empty(Check(pids));
        Corrupt.Get<ulong[]>(pids, "_full")[8] |= 1UL << 16;
        Assert.Equal([$"{Invariant}: pid bitmap: summary bits beyond its 528 words"], Check(pids));
    }
}
