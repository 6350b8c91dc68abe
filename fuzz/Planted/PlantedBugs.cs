using Verify.Impl;
using Verify.Model.Contract;

namespace Verify.Fuzz.Planted;

/// <summary>
/// The catalogue of planted bugs: test-only wrappers around the impl that each break one
/// behaviour only deep states reveal. The gate must catch every one (properties/PlantedBugTests)
/// and so must a campaign (fuzz campaign --planted NAME).
/// </summary>
public static class PlantedBugs
{
    public static readonly IReadOnlyDictionary<string, (string Description, Func<IKernel, IKernel> Wrap)> All =
        new SortedDictionary<string, (string, Func<IKernel, IKernel>)>(StringComparer.Ordinal)
        {
            ["buddy-last-max-order-block"] = ("an order-10 allocation fails when exactly one order-10 block is free", k => new LastMaxOrderBlockRefused(k)),
            ["buddy-top-free-ignored"] = ("freeing the allocation at the machine's highest address succeeds and does nothing", k => new TopFreeIgnored(k)),
            ["buddy-exact-extra-page"] = ("alloc_pages_exact keeps one tail page too many", k => new ExactKeepsExtraPage(k)),
            ["slab-empty-never-released"] = ("an empty slab is never given back to the buddy allocator", k => new EmptySlabNeverReleased(k)),
            ["slab-freed-object-not-marked-free"] = ("kmem_cache_free succeeds but the object stays in use", k => new FreedObjectNotMarkedFree(k)),
            ["slab-account-off-while-non-empty"] = ("accounting can be switched off on a cache that holds objects", k => new AccountOffWhileNonEmpty(k)),
            ["slab-large-ignores-min-order"] = ("a cache made with its own min order gets the slab geometry of min order 0", k => new LargeSlabIgnoresMinOrder((ImplKernel)k)),
            ["slab-kmalloc-96-from-128"] = ("kmalloc of 65..96 bytes is served from kmalloc-128", k => new Kmalloc96From128(k)),
            ["s1-bitmap-level-two-bit-stays-set"] = ("LowestSetBitmap.Remove empties a level-1 word but leaves its level-2 summary bit set", k => new BitmapLevelTwoBitStaysSet((ImplKernel)k)),
            ["s2-exact-split-leaves-largest-order-marked"] = ("alloc_pages_exact splits the last order-10 block and leaves order 10 marked non-empty", k => new ExactSplitLeavesLargestOrderMarked((ImplKernel)k)),
            ["s3-heap-sift-up-forgets-position"] = ("the partial heap's sift-up moves a parent down without updating its position", k => new HeapSiftUpForgetsPosition((ImplKernel)k)),
            ["s4-new-slab-last-word-unsummarized"] = ("a new slab's record leaves the summary bit of its partial last bitmap word clear", k => new NewSlabLastWordUnsummarized((ImplKernel)k)),
            ["s5-reciprocal-with-twelve-bits"] = ("a new cache's obj_to_index multiplier has 12 bits of precision instead of 42", k => new ReciprocalWithTwelveBits((ImplKernel)k)),
            ["s6-shrunk-name-stays-in-set"] = ("the shrinker leaves a freed dentry's name address in the name-buffer set", k => new ShrunkNameStaysInSet((ImplKernel)k)),
            ["cgroup-remove-with-live-child"] = ("rmdir succeeds on a group with a live child (and no task), taking its empty descendants with it", k => new RemoveWithLiveChild(k)),
            ["cgroup-release-missed-on-attach"] = ("no release notification when a group empties by attach (by exit it still comes)", k => new ReleaseMissedOnAttach(k)),
            ["cgroup-fork-charges-only-leaf"] = ("a fork raises the pids counter of the forking group only, not of its ancestors", k => new ForkChargesOnlyLeaf((ImplKernel)k)),
            ["cgroup-attach-keeps-old-charge"] = ("an attach charges the new group but does not uncharge the old one", k => new AttachKeepsOldCharge((ImplKernel)k)),
            ["s8-attach-away-leaves-top-level-charged"] = ("an attach away from a pids group leaves the old chain's topmost level charged when the new chain does not share it", k => new AttachAwayLeavesTopLevelCharged((ImplKernel)k)),
            ["s9-list-remove-leaves-stale-prev"] = ("removing a task from the middle of a group's task list leaves its successor's previous link on it", k => new ListRemoveLeavesStalePrev((ImplKernel)k)),
            ["s10-removed-group-slot-leaks"] = ("a removed cgroup's slot never goes back on the free list", k => new RemovedGroupSlotLeaks((ImplKernel)k)),
            ["memcg-charge-failure-keeps-lower-levels"] = ("a failed hierarchical charge does not undo the levels below the failing one", k => new ChargeFailureKeepsLowerLevels((ImplKernel)k)),
            ["memcg-uncharge-hits-new-group"] = ("an anonymous page freed after its task moved is uncharged from the task's new group", k => new UnchargeHitsNewGroup((ImplKernel)k)),
            ["memcg-stock-not-drained-before-failing"] = ("a charge fails on a raw counter without draining the per-CPU stocks first", k => new StockNotDrainedBeforeFailing((ImplKernel)k)),
            ["memcg-reparent-loses-remainder"] = ("a removed group's obj_cgroup loses its byte remainder while the page that held it stays charged", k => new ReparentLosesRemainder((ImplKernel)k)),
            ["oom-tie-to-earlier"] = ("an OOM victim tie goes to the task scanned earlier instead of the later one", k => new OomTieToEarlier((ImplKernel)k)),
            ["oom-adj-scaled-after-division"] = ("badness adds adj x totalpages / 1000 instead of adj x (totalpages / 1000)", k => new OomAdjScaledAfterDivision((ImplKernel)k)),
            ["oom-group-sweep-takes-protected"] = ("a memory.oom.group sweep kills tasks with oom_score_adj -1000 too", k => new OomGroupSweepTakesProtected((ImplKernel)k)),
            ["oom-group-lowest-flagged"] = ("memory.oom.group kills the lowest flagged group from the victim's up instead of the highest", k => new OomGroupLowestFlagged((ImplKernel)k)),
            ["forkbomb-aging-ignores-growth"] = ("the forkbomb tracker's aging forgets old records even when the task count grew", k => new ForkbombAgingIgnoresGrowth((ImplKernel)k)),
            ["memcg-bulk-free-uncharges-one"] = ("a kmem_cache_free_bulk-style batch uncharges only its first object", k => new BulkFreeUnchargesOne((ImplKernel)k)),
            ["memcg-tcp-pressure-never-cleared"] = ("v1: a tcp charge that fits does not clear the group's tcp pressure flag", k => new TcpPressureNeverCleared((ImplKernel)k)),
            ["pool-write-after-protect"] = ("a write on a protected object of a pool without rare write lands and succeeds", k => new PoolWriteAfterProtect((ImplKernel)k)),
            ["pool-protect-misses-newest"] = ("pool_protect leaves the pool's newest area writable", k => new PoolProtectMissesNewest((ImplKernel)k)),
            ["s7-vfree-leaves-page-owned"] = ("vfree leaves the highest page of the area marked as owned by vmalloc", k => new VfreeLeavesPageOwned((ImplKernel)k)),
        };

    /// <summary>The impl factory for a planted bug, or the plain impl for null.</summary>
    public static Func<MachineConfig, IKernel> ImplFactory(string? planted)
    {
        if (planted is null) return machine => new ImplKernel(machine);
        if (!All.TryGetValue(planted, out var bug))
            throw new ArgumentException($"unknown planted bug '{planted}' (known: {string.Join(", ", All.Keys)})");
        return machine => bug.Wrap(new ImplKernel(machine));
    }
}
