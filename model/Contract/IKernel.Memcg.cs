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
}
