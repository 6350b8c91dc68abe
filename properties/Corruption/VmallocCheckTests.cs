using Verify.Impl.Buddy;
using Verify.Impl.Slab;
using Verify.Model.Contract;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Corruption;

/// <summary>
/// The vmalloc allocator's self-check (S7) reports exactly what is wrong, message by message, on a
/// 16-page machine holding area 1 (2 pages) and area 2 (3 pages); one chain link or owned flag
/// broken per test. The check walks the areas in id order, so a link from area 1 into area 2 is
/// reported against area 2. And a vmalloc whose first page cannot be had gives back nothing it did
/// not take.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class VmallocCheckTests
{
    private const string S7 = StructureInvariant.VmallocChains;
    private const int Pages = 16;

    private sealed class Machine
    {
        public readonly BuddyAllocator Buddy = new(Pages);
        public readonly VmallocAllocator Vmalloc;
        public readonly int[] ChainOne, ChainTwo;

        public Machine()
        {
            Vmalloc = new VmallocAllocator(Buddy);
            Vmalloc.Reset(Pages);
            Assert.Equal(Outcome.Ok(1), Vmalloc.Vmalloc(2 * PageSizeBytes));
            Assert.Equal(Outcome.Ok(2), Vmalloc.Vmalloc(3 * PageSizeBytes));
            ChainOne = Chain(1);
            ChainTwo = Chain(2);
            Assert.Empty(Check());
        }

        public int[] Next => Corrupt.Get<int[]>(Vmalloc, "_nextPageAt");

        public bool[] Owned => Corrupt.Get<bool[]>(Vmalloc, "_ownedAt");

        private int[] Chain(long id)
        {
            var chain = new List<int>();
            for (int pfn = Corrupt.Get<Dictionary<long, (int FirstPfn, int Pages)>>(Vmalloc, "_areas")[id].FirstPfn; pfn >= 0; pfn = Next[pfn]) chain.Add(pfn);
            return [.. chain];
        }

        public List<string> Check()
        {
            var report = new SelfCheckReport();
            Vmalloc.CheckConsistency(report, Pages);
            return Corrupt.Lines(report);
        }
    }

    [Fact]
    public void AChainLongerThanItsAreaIsReportedWithItsLength()
    {
        var m = new Machine();
        int spare = Enumerable.Range(0, Pages).First(p => !m.Owned[p]);
        m.Owned[spare] = true;
        m.Next[m.ChainOne[^1]] = spare;
        Assert.Equal([$"{S7}: area 1 has 2 pages but its chain links 3"], m.Check());
    }

    [Fact]
    public void ALinkToTheFirstPageOutsideTheMachineIsReported()
    {
        var m = new Machine();
        m.Next[m.ChainOne[^1]] = Pages;
        Assert.Equal([$"{S7}: area 1: page {Pages} of its chain is outside the machine, not marked owned, or in another chain"], m.Check());
    }

    [Fact]
    public void ALinkIntoTheNextAreaIsReportedAgainstThatArea()
    {
        var m = new Machine();
        m.Next[m.ChainOne[^1]] = m.ChainTwo[0];
        Assert.Equal([
            $"{S7}: area 1 has 2 pages but its chain links 3",
            $"{S7}: area 2: page {m.ChainTwo[0]} of its chain is outside the machine, not marked owned, or in another chain",
            $"{S7}: area 2 has 3 pages but its chain links 0",
            $"{S7}: 5 pages are marked owned but the chains link 3"], m.Check());
    }

    [Fact]
    public void AVmallocThatGetsNoPageFreesNothing()
    {
        var m = new Machine();
        while (m.Buddy.FreePageCount > 0) Assert.True(m.Buddy.AllocPages(0).IsOk);
        Assert.Equal(Errno.ENOMEM, m.Vmalloc.Vmalloc(PageSizeBytes).Errno);
        Assert.Equal(0, m.Buddy.FreePageCount);
        Assert.Empty(m.Check());
    }
}
