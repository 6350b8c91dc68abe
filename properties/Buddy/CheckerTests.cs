using Verify.Properties.Support;
using Verify.Fuzz.Harness;
using Verify.Model.Contract;

namespace Verify.Properties.Buddy;

/// <summary>The invariant checkers themselves: each hand-built broken state is reported under the right name.</summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class CheckerTests
{
    private static readonly MachineConfig Machine8 = new(8, 1);

    private static Snapshot State(FreeBlock[] free, AllocatedRun[] allocated, long[]? buddyInfo = null)
    {
        var info = buddyInfo ?? new long[KernelConstants.OrderCount];
        if (buddyInfo is null) foreach (var block in free) info[block.Order]++;
        return new Snapshot { Machine = Machine8, BuddyInfo = info, FreeBlocks = free, Allocations = allocated };
    }

    private static List<string> Broken(Snapshot snapshot) =>
        SnapshotInvariants.Check(snapshot, "hand-built").Select(v => v.Invariant).Distinct().ToList();

    [Fact]
    public void AHealthyStateHasNoViolations() =>
        Assert.Empty(Broken(State([new(0, 2), new(6, 1)], [new(4, 2, AllocationKind.Block)])));

    [Fact]
    public void AnUncoalescedBuddyPairIsReportedAsNotCoalesced() =>
        Assert.Equal([Invariant.BuddyCoalesced], Broken(State([new(0, 2), new(4, 2)], [])));

    [Fact]
    public void OverlappingBlocksAreReportedAsNotDisjoint() =>
        Assert.Contains(Invariant.BuddyDisjoint, Broken(State([new(0, 2)], [new(2, 2, AllocationKind.Block), new(4, 4, AllocationKind.Exact)])));

    [Fact]
    public void ALostPageIsReportedUnderConservation() =>
        Assert.Equal([Invariant.ConservationPages], Broken(State([new(0, 2), new(6, 1)], [new(4, 1, AllocationKind.Block)])));

    [Fact]
    public void AnUnalignedBlockIsReportedAsUnaligned() =>
        Assert.Contains(Invariant.BuddyAligned, Broken(State([new(2, 2), new(0, 1), new(6, 1)], [])));

    [Fact]
    public void ABlockPastTheEndIsReportedAsOutsideTheMachine() =>
        Assert.Contains(Invariant.BuddyInside, Broken(State([new(0, 2), new(8, 2)], [new(4, 4, AllocationKind.Exact)])));

    [Fact]
    public void AWrongBuddyInfoIsReported() =>
        Assert.Equal([Invariant.ConservationBuddyInfo], Broken(State([new(0, 3)], [], buddyInfo: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])));
}
