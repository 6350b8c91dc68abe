using Verify.Model.Buddy;
using Verify.Model.Contract;

namespace Verify.Model;

/// <summary>The reference model of the kernel API: each subsystem in its own simple class.</summary>
public sealed class ModelKernel : IKernel
{
    private BuddyAllocator _buddy;

    public ModelKernel(MachineConfig machine)
    {
        Machine = machine;
        _buddy = new BuddyAllocator(machine.Pages);
    }

    public MachineConfig Machine { get; private set; }

    public ulong Digest => _buddy.Digest;

    public void Reset(MachineConfig machine)
    {
        Machine = machine;
        _buddy = new BuddyAllocator(machine.Pages);
    }

    public Snapshot TakeSnapshot() => new()
    {
        Machine = Machine,
        BuddyInfo = _buddy.BuddyInfo(),
        FreeBlocks = _buddy.FreeBlocks(),
        Allocations = _buddy.Allocations(),
    };

    public Outcome AllocPages(int order) => _buddy.AllocPages(order);

    public Outcome FreePages(long pfn, int order) => _buddy.FreePages(pfn, order);

    public Outcome AllocPagesExact(long sizeBytes) => _buddy.AllocPagesExact(sizeBytes);

    public Outcome FreePagesExact(long pfn, long sizeBytes) => _buddy.FreePagesExact(pfn, sizeBytes);

    public int FreeBlockOrderAt(long pfn) => _buddy.FreeBlockOrderAt(pfn);

    public long FreeBlockCount(int order) => _buddy.FreeBlockCount(order);

    public long FreePageCount => _buddy.FreePageCount;

    public long AllocatedPageCount => _buddy.AllocatedPageCount;
}
