using Verify.Impl;
using Verify.Model.Contract;
using Verify.Model.Slab;

namespace Verify.Fuzz.Planted;

/// <summary>
/// The base of the structure planted bugs: each emulates one slip inside a clever structure of
/// the impl (a link not updated, a summary bit not cleared, a multiplier with too little
/// precision) by reaching into that structure around every call and leaving behind exactly the
/// state the slip would leave. Such a slip changes outcomes only in rare later states; the
/// structure's self-check (S*) sees it at the step it happens.
/// </summary>
public abstract class SlipEmulatingKernel(ImplKernel impl) : DelegatingKernel(impl)
{
    protected ImplKernel Impl { get; } = impl;

    /// <summary>Called before every kernel call (after Reset too, so per-call state starts clean).</summary>
    protected virtual void BeforeCall()
    {
    }

    /// <summary>Called after every kernel call with its keyword-free outcome.</summary>
    protected abstract void AfterCall(Outcome outcome);

    public override void Reset(MachineConfig machine)
    {
        Inner.Reset(machine);
        BeforeCall();
    }

    private Outcome Around(Func<Outcome> call)
    {
        BeforeCall();
        var outcome = call();
        AfterCall(outcome);
        return outcome;
    }

    public override Outcome AllocPages(int order) => Around(() => Inner.AllocPages(order));

    public override Outcome FreePages(long pfn, int order) => Around(() => Inner.FreePages(pfn, order));

    public override Outcome AllocPagesExact(long sizeBytes) => Around(() => Inner.AllocPagesExact(sizeBytes));

    public override Outcome FreePagesExact(long pfn, long sizeBytes) => Around(() => Inner.FreePagesExact(pfn, sizeBytes));

    public override Outcome CacheCreate(long objectSizeBytes, long alignBytes, SlabFlags flags) => Around(() => Inner.CacheCreate(objectSizeBytes, alignBytes, flags));
    public override Outcome CacheCreateMinOrder(long objectSizeBytes, long alignBytes, SlabFlags flags, long minOrder) => Around(() => Inner.CacheCreateMinOrder(objectSizeBytes, alignBytes, flags, minOrder));

    public override Outcome CacheDestroy(long cacheId) => Around(() => Inner.CacheDestroy(cacheId));

    public override Outcome CacheSetAccount(long cacheId, bool accounted) => Around(() => Inner.CacheSetAccount(cacheId, accounted));

    public override Outcome CacheAlloc(long cacheId) => Around(() => Inner.CacheAlloc(cacheId));

    public override Outcome CacheFree(long cacheId, long address) => Around(() => Inner.CacheFree(cacheId, address));

    public override Outcome Kmalloc(long sizeBytes, KmallocFlags flags) => Around(() => Inner.Kmalloc(sizeBytes, flags));

    public override Outcome Kfree(long address) => Around(() => Inner.Kfree(address));

    public override Outcome Vmalloc(long sizeBytes) => Around(() => Inner.Vmalloc(sizeBytes));

    public override Outcome Vfree(long areaId) => Around(() => Inner.Vfree(areaId));

    public override Outcome DentryAlloc(int nameLengthBytes) => Around(() => Inner.DentryAlloc(nameLengthBytes));

    public override Outcome DentryPin(long dentryId) => Around(() => Inner.DentryPin(dentryId));

    public override Outcome DentryUnpin(long dentryId) => Around(() => Inner.DentryUnpin(dentryId));

    public override Outcome Shrink(int count) => Around(() => Inner.Shrink(count));
}
