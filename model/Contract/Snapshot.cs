namespace Verify.Model.Contract;

/// <summary>A free block of the buddy allocator: 1 &lt;&lt; Order pages starting at Pfn.</summary>
public readonly record struct FreeBlock(long Pfn, int Order)
{
    public long Pages => 1L << Order;
    public override string ToString() => $"[pfn {Pfn} order {Order}]";
}

/// <summary>A live allocation of pages: Pages pages starting at Pfn, obtained as Kind.</summary>
public readonly record struct AllocatedRun(long Pfn, long Pages, AllocationKind Kind)
{
    public override string ToString() => $"[pfn {Pfn} pages {Pages} {Kind.ToString().ToLowerInvariant()}]";
}

/// <summary>
/// Everything a caller can observe of one side's state. Lists are sorted by address, so two
/// snapshots are equal exactly when every list is equal element by element.
/// </summary>
public sealed class Snapshot
{
    public required MachineConfig Machine { get; init; }

    /// <summary>/proc/buddyinfo: the number of free blocks of each order 0..MaxPageOrder.</summary>
    public required long[] BuddyInfo { get; init; }

    public required IReadOnlyList<FreeBlock> FreeBlocks { get; init; }

    public required IReadOnlyList<AllocatedRun> Allocations { get; init; }
}
