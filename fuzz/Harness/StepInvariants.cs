using Verify.Model.Alphabet;
using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Fuzz.Harness;

/// <summary>
/// The cheap, incremental form of the invariants, run on each side after every step through the
/// kernel's O(1) probes: conservation by counters, and the buddy shape around the pages the step
/// touched. Returns null when all hold. The full form (SnapshotInvariants) runs at least at the end.
/// </summary>
public static class StepInvariants
{
    public static Violation? Check(IKernel kernel, string side, Handle? produced, Handle? consumed)
    {
        long pages = kernel.Machine.Pages;
        if (kernel.FreePageCount + kernel.AllocatedPageCount != pages)
            return new Violation(Invariant.ConservationPages, side,
                $"{kernel.FreePageCount} free + {kernel.AllocatedPageCount} allocated != {pages} machine pages");
        if (produced is { Kind: HandleKind.PageRun } allocated)
        {
            var covering = FreeBlockContaining(kernel, allocated.Value);
            if (covering is { } block)
                return new Violation(Invariant.BuddyAllocationLive, side, $"page {allocated.Value} was just allocated but lies in free block {block}");
        }
        if (produced is { Kind: HandleKind.SlabObject or HandleKind.KmallocObject } obj && obj.Value != Verify.Model.Slab.SlabLayout.ZeroSizePtr)
        {
            long pfn = obj.Value >> PageShift;
            if (pfn < 0 || pfn >= pages || FreeBlockContaining(kernel, pfn) is { } block)
                return new Violation(Invariant.SlabObjectPageAllocated, side, $"object {obj.Value} was just allocated but its page is not an allocated page of the machine");
        }
        if (consumed is { Kind: HandleKind.PageRun } freed)
        {
            if (FreeBlockContaining(kernel, freed.Value) is not { } block)
                return new Violation(Invariant.BuddyAllocationLive, side, $"page {freed.Value} was just freed but lies in no free block");
            if (block.Order < MaxPageOrder && kernel.FreeBlockOrderAt(block.Pfn ^ block.Pages) == block.Order)
                return new Violation(Invariant.BuddyCoalesced, side, $"free block {block} and its buddy at pfn {block.Pfn ^ block.Pages} were not merged");
        }
        return null;
    }

    /// <summary>The free block that covers pfn: its first page is pfn rounded down to its own order.</summary>
    public static FreeBlock? FreeBlockContaining(IKernel kernel, long pfn)
    {
        for (int order = 0; order <= MaxPageOrder; order++)
        {
            long head = pfn & ~((1L << order) - 1);
            if (kernel.FreeBlockOrderAt(head) == order) return new FreeBlock(head, order);
        }
        return null;
    }
}
