namespace Verify.Model.Contract;

/// <summary>How a run of allocated pages was obtained, and therefore how it must be freed.</summary>
public enum AllocationKind : byte
{
    /// <summary>alloc_pages(order): one naturally aligned block of 1 &lt;&lt; order pages.</summary>
    Block = 0,

    /// <summary>alloc_pages_exact(size): ceil(size / PAGE_SIZE) pages; the tail of the block was freed.</summary>
    Exact = 1,
}
