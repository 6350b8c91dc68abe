using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Fuzz.Harness;

/// <summary>
/// The full form of every invariant, recomputed from a snapshot alone. Works on any side's
/// snapshot, including hand-built broken ones (the checker's own tests).
/// </summary>
public static class SnapshotInvariants
{
    public static List<Violation> Check(Snapshot snapshot, string side)
    {
        var found = new List<Violation>();
        void Fail(string invariant, string message) => found.Add(new Violation(invariant, side, message));
        long machinePages = snapshot.Machine.Pages;

        var counted = new long[OrderCount];
        foreach (var block in snapshot.FreeBlocks)
        {
            if (block.Order < 0 || block.Order > MaxPageOrder)
            {
                Fail(Invariant.BuddyAligned, $"free block {block} has an order outside 0..{MaxPageOrder}");
                continue;
            }
            counted[block.Order]++;
            if (block.Pfn % block.Pages != 0) Fail(Invariant.BuddyAligned, $"free block {block} is not aligned to {block.Pages} pages");
            if (block.Pfn < 0 || block.Pfn + block.Pages > machinePages) Fail(Invariant.BuddyInside, $"free block {block} is not inside {machinePages} pages");
        }
        if (!counted.SequenceEqual(snapshot.BuddyInfo))
            Fail(Invariant.ConservationBuddyInfo, $"buddyinfo [{string.Join(' ', snapshot.BuddyInfo)}] but the free blocks count [{string.Join(' ', counted)}]");

        foreach (var run in snapshot.Allocations)
        {
            if (run.Pfn < 0 || run.Pages <= 0 || run.Pfn + run.Pages > machinePages) Fail(Invariant.BuddyInside, $"allocation {run} is not inside {machinePages} pages");
            if (run.Kind == AllocationKind.Block && (long.PopCount(run.Pages) != 1 || run.Pfn % run.Pages != 0))
                Fail(Invariant.BuddyAligned, $"block allocation {run} is not a naturally aligned power-of-two block");
        }

        long freePages = snapshot.FreeBlocks.Sum(b => b.Order is >= 0 and <= MaxPageOrder ? b.Pages : 0);
        long allocatedPages = snapshot.Allocations.Sum(r => r.Pages);
        if (freePages + allocatedPages != machinePages)
            Fail(Invariant.ConservationPages, $"{freePages} free + {allocatedPages} allocated != {machinePages} machine pages");

        CheckDisjoint(snapshot, Fail);
        CheckCoalesced(snapshot, Fail);
        return found;
    }

    private static void CheckDisjoint(Snapshot snapshot, Action<string, string> fail)
    {
        var extents = snapshot.FreeBlocks.Where(b => b.Order is >= 0 and <= MaxPageOrder).Select(b => (Start: b.Pfn, End: b.Pfn + b.Pages, What: b.ToString()))
            .Concat(snapshot.Allocations.Select(r => (Start: r.Pfn, End: r.Pfn + r.Pages, What: r.ToString())))
            .OrderBy(e => e.Start).ThenBy(e => e.End)
            .ToList();
        for (int i = 1; i < extents.Count; i++)
        {
            if (extents[i].Start < extents[i - 1].End)
                fail(Invariant.BuddyDisjoint, $"{extents[i - 1].What} overlaps {extents[i].What}");
        }
    }

    private static void CheckCoalesced(Snapshot snapshot, Action<string, string> fail)
    {
        var free = snapshot.FreeBlocks.ToHashSet();
        foreach (var block in snapshot.FreeBlocks.OrderBy(b => b.Pfn))
        {
            if (block.Order < 0 || block.Order >= MaxPageOrder) continue;
            var buddy = new FreeBlock(block.Pfn ^ block.Pages, block.Order);
            if (buddy.Pfn > block.Pfn && free.Contains(buddy))
                fail(Invariant.BuddyCoalesced, $"free block {block} and its buddy {buddy} are both free and not merged");
        }
    }
}
