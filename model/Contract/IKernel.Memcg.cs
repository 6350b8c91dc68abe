namespace Verify.Model.Contract;

/// <summary>
/// Memory-cgroup accounting (KERNEL-FACTS.md, "Page counters", "Memory cgroup charging", "Kernel
/// memory and TCP limits"). User memory: every page a task touches is an order-0 page of the
/// machine's buddy allocator, charged one page at a time to the task's group of the memory
/// hierarchy (the root is never charged). Page cache stays charged where it was read and is the
/// only reclaimable user memory; anonymous pages are freed by unmap and exit.
/// </summary>
public partial interface IKernel
{
    /// <summary>
    /// The task touches pages new anonymous pages, one fault (one page, one charge) at a time: the
    /// number touched. ENOMEM at the first page the machine or the group cannot hold after reclaim;
    /// the pages touched before it stay. ESRCH: no such task.
    /// </summary>
    Outcome TaskTouchAnon(long pid, int pages);

    /// <summary>The same for page cache: the pages go on the LRU of the reader's group (oldest first for reclaim).</summary>
    Outcome TaskTouchFile(long pid, int pages);

    /// <summary>Frees up to pages of the task's anonymous pages, newest first: the number freed. ESRCH: no such task.</summary>
    Outcome TaskUnmap(long pid, int pages);

    /// <summary>
    /// Writes a limit in pages (KernelConstants.LimitMaxWord: "max"). memory: v2 memory.max is always
    /// accepted, then reclaim; v1 memory.limit_in_bytes reclaims while it makes progress and is
    /// EBUSY when usage still does not fit. high: v2 memory.high, then reclaim down to it. kmem and
    /// tcp: v1 only, EBUSY below usage, no reclaim. ENOENT where the file does not exist (a root, a
    /// group of a hierarchy without memory, high on v1, kmem or tcp on v2) or for no live cgroup;
    /// EINVAL for a value below -1 or above LimitPagesMax, or an unknown counter.
    /// </summary>
    Outcome CgroupSetLimit(long cgroupId, MemcgCounter counter, long pages);

    /// <summary>
    /// A socket made by the task with a buffer of bytes (ceil(bytes / 4096) order-0 pages of the
    /// machine): its id. v2: the pages are charged to the task's memory group through try_charge
    /// with its slow path (stat sock). v1: charged only to the tcp counter, and only if a tcp limit
    /// was written in the group before; a charge that does not fit sets the group's tcp pressure
    /// and fails with ENOMEM (no reclaim); one that fits clears it. A root never charges.
    /// ENOMEM when the machine has no pages after global reclaim. ESRCH: no such task.
    /// </summary>
    Outcome SockAlloc(long pid, long bytes);

    /// <summary>Closes the socket: its pages go back and are uncharged where they were charged. EINVAL unless the socket is live.</summary>
    Outcome SockFree(long socketId);

    /// <summary>
    /// alloc_pages(GFP_KERNEL_ACCOUNT, order): a block as AllocPages gives, then its 1 &lt;&lt; order pages
    /// charged to the current task's memory group through its obj_cgroup (kernel memory, as an
    /// accounted kmalloc's objects are); a charge that fails gives the block back: ENOMEM. Freed by
    /// FreePages, which uncharges it from the group its obj_cgroup charges then.
    /// </summary>
    Outcome AllocPagesAccount(int order);

    /// <summary>
    /// vmalloc(size) with __GFP_ACCOUNT: as Vmalloc, each page charged to the current task's memory
    /// group as it is taken (one page per charge); a page the machine or the group cannot give frees
    /// the area so far: ENOMEM. Vfree uncharges every page.
    /// </summary>
    Outcome VmallocAccount(long sizeBytes);
}
