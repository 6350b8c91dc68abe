namespace Verify.Model.Contract;

/// <summary>What a kernel-memory charge is for (memory.stat: slab_unreclaimable, slab_reclaimable, or whole pages in kernel).</summary>
public enum KernelChargeKind : byte
{
    /// <summary>A slab object charged in bytes (obj_full_size) through its group's obj_cgroup; Key is its address.</summary>
    Slab = 0,

    /// <summary>The same for an object of a SLAB_RECLAIM_ACCOUNT cache (kmalloc-rcl-*, reclaimable caches).</summary>
    SlabReclaimable = 1,

    /// <summary>Whole pages charged through the obj_cgroup (an accounted kmalloc above 8 KiB); Key is the first pfn.</summary>
    Pages = 2,

    /// <summary>An accounted alloc_pages block (alloc_pages_account): 1 &lt;&lt; order pages; Key is its pfn.</summary>
    BuddyPages = 3,

    /// <summary>One page of an accounted vmalloc area (vmalloc_account), charged as it is allocated; Key is its pfn.</summary>
    Vmalloc = 4,

    /// <summary>A task's kernel stack (4 pages), charged by the fork that made it to the forking task's group; Key is its pfn.</summary>
    KernelStack = 5,

    /// <summary>One page of a task's page tables, charged by the fault that needed it to the faulting task's group; Key is its pfn.</summary>
    PageTable = 6,
}

/// <summary>
/// One live charge of kernel memory: Objcg is the memory group whose obj_cgroup it was charged
/// through (the current task's group when it was made; after that group is removed the charge
/// stays with the obj_cgroup, which then uncharges the nearest live ancestor: Memcg, the group it
/// charges now, objcg->memcg; the root when no ancestor is left). Amount is bytes
/// for slab objects (KernelConstants.ObjcgFullSize of the cache's object size), pages otherwise.
/// </summary>
public readonly record struct KernelChargeInfo(KernelChargeKind Kind, long Key, long Objcg, long Memcg, long Amount)
{
    public bool IsObject => Kind is KernelChargeKind.Slab or KernelChargeKind.SlabReclaimable;

    public override string ToString() => !IsObject
        ? $"[{Kind.ToString().ToLowerInvariant()} at pfn {Key} x{Amount} objcg {Objcg}{(Memcg != Objcg ? $" now {Memcg}" : "")}]"
        : $"[{(Kind == KernelChargeKind.SlabReclaimable ? "reclaimable " : "")}object {Key} {Amount} bytes objcg {Objcg}{(Memcg != Objcg ? $" now {Memcg}" : "")}]";
}
