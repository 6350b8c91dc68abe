using Verify.Impl;
using Verify.Model.Contract;
using Verify.Model.Slab;

namespace Verify.Fuzz.Planted;

/// <summary>
/// Empty slabs are never given back to the buddy allocator: when a free releases a slab, the
/// wrapper takes an object back in that cache (so the slab stays), and when a cache is destroyed
/// the pages of its kept empty slabs stay allocated.
/// </summary>
public sealed class EmptySlabNeverReleased(IKernel inner) : DelegatingKernel(inner)
{
    public override Outcome CacheFree(long cacheId, long address)
    {
        long before = Inner.AllocatedPageCount;
        var outcome = Inner.CacheFree(cacheId, address);
        if (outcome.IsOk && Inner.AllocatedPageCount < before) Inner.CacheAlloc(cacheId);
        return outcome;
    }

    public override Outcome CacheDestroy(long cacheId)
    {
        long before = Inner.AllocatedPageCount;
        var outcome = Inner.CacheDestroy(cacheId);
        for (long leaked = Inner.AllocatedPageCount; outcome.IsOk && leaked < before; leaked++) Inner.AllocPages(0);
        return outcome;
    }
}

/// <summary>kmem_cache_free reports success but the object stays marked in use (it is taken straight back).</summary>
public sealed class FreedObjectNotMarkedFree(IKernel inner) : DelegatingKernel(inner)
{
    public override Outcome CacheFree(long cacheId, long address)
    {
        var outcome = Inner.CacheFree(cacheId, address);
        if (outcome.IsOk) Inner.CacheAlloc(cacheId);
        return outcome;
    }
}

/// <summary>Switching accounting off is allowed on a cache that still holds objects.</summary>
public sealed class AccountOffWhileNonEmpty(IKernel inner) : DelegatingKernel(inner)
{
    public override Outcome CacheSetAccount(long cacheId, bool accounted)
    {
        var outcome = Inner.CacheSetAccount(cacheId, accounted);
        return !accounted && outcome.Errno == Errno.EBUSY ? Outcome.Ok(0) : outcome;
    }
}

/// <summary>kmalloc of 65..96 bytes is served from kmalloc-128 (of the same family) instead of kmalloc-96.</summary>
public sealed class Kmalloc96From128(IKernel inner) : DelegatingKernel(inner)
{
    public override Outcome Kmalloc(long sizeBytes, KmallocFlags flags) =>
        Inner.Kmalloc(sizeBytes is > 64 and <= 96 ? 128 : sizeBytes, flags);
}

/// <summary>
/// A cache made with its own min order gets the geometry of min order 0 (slab order and objects
/// per slab as cache_create would give them) while slabinfo still reports the min order it was
/// created with: a 640 KiB object then takes a 1 MiB slab of its own.
/// </summary>
public sealed class LargeSlabIgnoresMinOrder(ImplKernel inner) : DelegatingKernel(inner)
{
    public override Outcome CacheCreateMinOrder(long objectSizeBytes, long alignBytes, SlabFlags flags, long minOrder)
    {
        var outcome = Inner.CacheCreateMinOrder(objectSizeBytes, alignBytes, flags, minOrder);
        if (outcome.IsOk) inner.Slab.SlipGeometryWithoutMinOrder((int)outcome.Value);
        return outcome;
    }
}
