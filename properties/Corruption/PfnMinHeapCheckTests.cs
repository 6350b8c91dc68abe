using Verify.Impl.Slab;
using Verify.Model.Contract;
using Verify.Properties.Support;

namespace Verify.Properties.Corruption;

/// <summary>
/// PfnMinHeap's self-check (the partial heaps' part of S3) reports exactly what is wrong, message by
/// message: a heap of the pfns 10, 20, 30, 40, 50 (added in that order, so slot i holds 10 * (i + 1)),
/// positions in a 64-page array, one corruption per test. Exact lists pin the parent the message
/// names (slot 2's parent is slot 0) and that a position mismatch is reported on its own.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class PfnMinHeapCheckTests
{
    private static (PfnMinHeap Heap, int[] Positions) Heap()
    {
        var holder = new[] { Enumerable.Repeat(-1, 64).ToArray() };
        var heap = new PfnMinHeap(holder);
        foreach (int pfn in new[] { 10, 20, 30, 40, 50 }) heap.Add(pfn);
        return (heap, holder[0]);
    }

    private static List<string> Check(PfnMinHeap heap)
    {
        var report = new SelfCheckReport();
        heap.CheckConsistency(report, "cache c");
        return Corrupt.Lines(report);
    }

    private const string S3 = StructureInvariant.PartialHeap;

    [Fact]
    public void AConsistentHeapReportsNothing()
    {
        var (heap, positions) = Heap();
        Assert.Empty(Check(heap));
        Assert.Equal([10, 20, 30, 40, 50], heap.Slots.Take(heap.Count));
        Assert.Equal([0, 1, 2, 3, 4], new[] { 10, 20, 30, 40, 50 }.Select(p => positions[p]));
    }

    [Fact]
    public void AMemberBelowItsParentIsNamedWithThatParent()
    {
        var (heap, _) = Heap();
        heap.Slots[2] = 5;
        Assert.Equal([$"{S3}: cache c: pfn 5 sits in slot 2 but its position says -1", $"{S3}: cache c: pfn 5 in slot 2 is below its parent pfn 10"], Check(heap));
    }

    [Fact]
    public void AWrongPositionAloneIsReported()
    {
        var (heap, positions) = Heap();
        positions[40] = 1;
        Assert.Equal([$"{S3}: cache c: pfn 40 sits in slot 3 but its position says 1"], Check(heap));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(64)]
    public void ASlotOutsideTheMachineIsReportedAndSkipped(int pfn)
    {
        var (heap, _) = Heap();
        heap.Slots[4] = pfn;
        Assert.Equal([$"{S3}: cache c: slot 4 holds pfn {pfn}, outside the machine"], Check(heap));
    }

    [Fact]
    public void ACopyOfItsParentIsNotBelowIt()
    {
        var (heap, _) = Heap();
        heap.Slots[2] = 10;
        Assert.Equal([$"{S3}: cache c: pfn 10 sits in slot 2 but its position says 0"], Check(heap));
    }

    /// <summary>
    /// Clear resets the positions of its members only: a pfn this heap held once and another heap
    /// (same shared positions) holds now keeps its position there.
    /// </summary>
    [Fact]
    public void ClearLeavesTheMembersOfAnotherHeapAlone()
    {
        var holder = new[] { Enumerable.Repeat(-1, 64).ToArray() };
        var (first, second) = (new PfnMinHeap(holder), new PfnMinHeap(holder));
        first.Add(7);
        first.Add(9);
        first.Remove(9);
        second.Add(9);
        first.Clear();
        Assert.Equal((0, -1, 0), (first.Count, holder[0][7], holder[0][9]));
        Assert.True(second.Contains(9));
        Assert.Empty(Check(second));
    }
}
