using Verify.Model.Contract;

namespace Verify.Fuzz.Planted;

/// <summary>
/// Forwards every call to an inner kernel. Planted bugs derive from it and override the one
/// behaviour they break, so the impl itself carries no test seam and pays nothing for them.
/// </summary>
public abstract class DelegatingKernel(IKernel inner) : IKernel
{
    protected IKernel Inner { get; } = inner;

    public MachineConfig Machine => Inner.Machine;

    public ulong Digest => Inner.Digest;

    public virtual void Reset(MachineConfig machine) => Inner.Reset(machine);

    public Snapshot TakeSnapshot() => Inner.TakeSnapshot();

    public virtual Outcome AllocPages(int order) => Inner.AllocPages(order);

    public virtual Outcome FreePages(long pfn, int order) => Inner.FreePages(pfn, order);

    public virtual Outcome AllocPagesExact(long sizeBytes) => Inner.AllocPagesExact(sizeBytes);

    public virtual Outcome FreePagesExact(long pfn, long sizeBytes) => Inner.FreePagesExact(pfn, sizeBytes);

    public int FreeBlockOrderAt(long pfn) => Inner.FreeBlockOrderAt(pfn);

    public long FreeBlockCount(int order) => Inner.FreeBlockCount(order);

    public long FreePageCount => Inner.FreePageCount;

    public long AllocatedPageCount => Inner.AllocatedPageCount;
}
