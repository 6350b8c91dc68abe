using Verify.Fuzz.Harness;
using Verify.Impl;
using Verify.Model;
using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Buddy;

/// <summary>
/// Hand-worked examples from KERNEL-FACTS.md, checked on both sides. Expected values are derived by
/// hand from the rules (tiling, smallest order first, lowest address, split keeping the low part).
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class ScenarioTests(ITestOutputHelper output)
{

    private static IKernel Kernel(string side, int pages) =>
        SideBySide.Kernel(side, new MachineConfig(pages, 1));

    [Theory]
    [MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void AMachineOf1500PagesIsTiledByTheLargestAlignedBlocks(string side)
    {
        // 1500 = 1024 + 256 + 128 + 64 + 16 + 8 + 4
        var free = Kernel(side, 1500).TakeSnapshot().FreeBlocks;
        Assert.Equal([new(0, 10), new(1024, 8), new(1280, 7), new(1408, 6), new(1472, 4), new(1488, 3), new(1496, 2)], free);
    }

    [Theory]
    [MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void AllocationTakesTheSmallestOrderThenSplitsKeepingTheLowPart(string side)
    {
        var kernel = Kernel(side, 1500);
        Assert.Equal(Outcome.Ok(1496), kernel.AllocPages(0)); // order 2 at 1496 is the smallest block
        Assert.Equal([new(1497, 0), new(1498, 1)], kernel.TakeSnapshot().FreeBlocks.Where(b => b.Pfn >= 1496));
        Assert.Equal(Outcome.Ok(1497), kernel.AllocPages(0));
        Assert.Equal(Outcome.Ok(1498), kernel.AllocPages(0));
        Assert.Equal(Outcome.Ok(1488), kernel.AllocPages(1)); // 1499 is order 0; next is order 3 at 1488
        Assert.Equal(Outcome.Fail(Errno.EINVAL), kernel.AllocPages(11));
        Assert.Equal(Outcome.Ok(0), kernel.AllocPages(10));
        Assert.Equal(Outcome.Fail(Errno.ENOMEM), kernel.AllocPages(10));
    }

    [Theory]
    [MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void ExactAllocationFreesItsTailAndFreesAsOneUnit(string side)
    {
        var kernel = Kernel(side, 8);
        Assert.Equal(Outcome.Ok(0), kernel.AllocPagesExact(3 * 4096 - 100)); // order 2 block, tail page 3 freed
        Assert.Equal([new(3, 0), new(4, 2)], kernel.TakeSnapshot().FreeBlocks);
        Assert.Equal(Outcome.Fail(Errno.EINVAL), kernel.FreePages(0, 2)); // not a Block allocation
        Assert.Equal(Outcome.Fail(Errno.EINVAL), kernel.FreePagesExact(0, 4096)); // wrong size
        Assert.Equal(Outcome.Ok(0), kernel.FreePagesExact(0, 3 * 4096));
        Assert.Equal([new(0, 3)], kernel.TakeSnapshot().FreeBlocks);
    }

    [Fact]
    public void ADoubleFreeIsEinvalAndChangesNothing()
    {
        var scenario = new Scenario(new MachineConfig(16, 1),
            [Op.Of("alloc_pages", 1), Op.Of("alloc_pages", 0), Op.Of("free_pages", 0), Op.Of("free_pages_stale", 0)]);
        var runner = new Runner();
        PropertyCheck.AssertPasses(output, runner, scenario, CheckLevel.Full, "the double-free example");
        var before = runner.Model.TakeSnapshot();
        Assert.Equal(Outcome.Fail(Errno.EINVAL), runner.Model.FreePages(0, 1));
        Assert.Equal(Outcome.Fail(Errno.EINVAL), runner.Impl.FreePages(0, 1));
        Assert.Empty(SnapshotDiff.Compare(before, runner.Impl.TakeSnapshot()));
    }
}
