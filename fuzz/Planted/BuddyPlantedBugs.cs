using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Fuzz.Planted;

/// <summary>An order-10 allocation fails when exactly one order-10 block is free.</summary>
public sealed class LastMaxOrderBlockRefused(IKernel inner) : DelegatingKernel(inner)
{
    public override Outcome AllocPages(int order) =>
        order == MaxPageOrder && Inner.FreeBlockCount(MaxPageOrder) == 1 ? Outcome.Fail(Errno.ENOMEM) : Inner.AllocPages(order);
}

/// <summary>Freeing the allocation that ends at the machine's highest page reports success and does nothing.</summary>
public sealed class TopFreeIgnored(IKernel inner) : DelegatingKernel(inner)
{
    public override Outcome FreePages(long pfn, int order) =>
        (uint)order <= MaxPageOrder && pfn + (1L << order) == Machine.Pages ? Outcome.Ok(0) : Inner.FreePages(pfn, order);

    public override Outcome FreePagesExact(long pfn, long sizeBytes) =>
        pfn + PagesFor(sizeBytes) == Machine.Pages ? Outcome.Ok(0) : Inner.FreePagesExact(pfn, sizeBytes);
}

/// <summary>alloc_pages_exact keeps one tail page too many (when the block has a tail to free).</summary>
public sealed class ExactKeepsExtraPage(IKernel inner) : DelegatingKernel(inner)
{
    private readonly HashSet<long> _padded = [];

    public override void Reset(MachineConfig machine)
    {
        _padded.Clear();
        Inner.Reset(machine);
    }

    public override Outcome AllocPagesExact(long sizeBytes)
    {
        bool hasTail = sizeBytes > 0 && sizeBytes <= ExactBytesMax && PagesFor(sizeBytes) < 1L << GetOrder(sizeBytes);
        if (!hasTail) return Inner.AllocPagesExact(sizeBytes);
        var outcome = Inner.AllocPagesExact(sizeBytes + PageSizeBytes);
        if (outcome.IsOk) _padded.Add(outcome.Value);
        return outcome;
    }

    public override Outcome FreePagesExact(long pfn, long sizeBytes)
    {
        if (!_padded.Contains(pfn)) return Inner.FreePagesExact(pfn, sizeBytes);
        var outcome = Inner.FreePagesExact(pfn, sizeBytes + PageSizeBytes);
        if (outcome.IsOk) _padded.Remove(pfn);
        return outcome;
    }
}
