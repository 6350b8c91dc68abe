namespace Verify.Model.Contract;

/// <summary>How a run of allocated pages was obtained, and therefore how it must be freed.</summary>
public enum AllocationKind : byte
{
    /// <summary>alloc_pages(order): one naturally aligned block of 1 &lt;&lt; order pages.</summary>
    Block = 0,

    /// <summary>alloc_pages_exact(size): ceil(size / PAGE_SIZE) pages; the tail of the block was freed.</summary>
    Exact = 1,

    /// <summary>The pages of one slab (an order-o block the slab layer owns). Reported by snapshots; never freed by a caller.</summary>
    Slab = 2,

    /// <summary>A kmalloc above 8192 bytes: a block of order get_order(size) owned by kmalloc.</summary>
    LargeKmalloc = 3,

    /// <summary>One order-0 page of a vmalloc area.</summary>
    Vmalloc = 4,

    /// <summary>An anonymous page a task touched (task_touch_anon): freed by unmap or exit.</summary>
    Anon = 5,

    /// <summary>A page-cache page a task read (task_touch_file): freed only by reclaim.</summary>
    PageCache = 6,

    /// <summary>One page of a socket's buffer (sock_alloc): freed with the socket.</summary>
    Socket = 7,

    /// <summary>A task's kernel stack: an order-2 block (16 KiB) taken by the fork that made the task, freed when it exits.</summary>
    KernelStack = 8,

    /// <summary>One page of a task's page tables (one per PtesPerTable anonymous pages it holds): taken before the page that needs it, freed as its pages go.</summary>
    PageTable = 9,
}
