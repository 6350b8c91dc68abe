namespace Verify.Model.Contract;

/// <summary>The buddy page allocator (mm/page_alloc.c).</summary>
public partial interface IKernel
{
    /// <summary>alloc_pages(order): the pfn of a block of 1 &lt;&lt; order pages; EINVAL above MaxPageOrder; ENOMEM when no block.</summary>
    Outcome AllocPages(int order);

    /// <summary>__free_pages(pfn, order): EINVAL unless pfn starts a live Block allocation of that order.</summary>
    Outcome FreePages(long pfn, int order);

    /// <summary>alloc_pages_exact(size): EINVAL for 0 or above ExactBytesMax; ENOMEM when no block.</summary>
    Outcome AllocPagesExact(long sizeBytes);

    /// <summary>free_pages_exact(pfn, size): EINVAL unless pfn starts a live Exact allocation of that many pages.</summary>
    Outcome FreePagesExact(long pfn, long sizeBytes);

    /// <summary>The order of the free block that starts at pfn, or -1 when none starts there. O(1).</summary>
    int FreeBlockOrderAt(long pfn);

    /// <summary>The number of free blocks of an order (one column of /proc/buddyinfo). O(1).</summary>
    long FreeBlockCount(int order);

    long FreePageCount { get; }

    long AllocatedPageCount { get; }
}
