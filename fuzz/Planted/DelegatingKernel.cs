using Verify.Model.Contract;
using Verify.Model.Slab;

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

    public EffectLog Effects => Inner.Effects;

    public virtual void Reset(MachineConfig machine) => Inner.Reset(machine);

    public Snapshot TakeSnapshot() => Inner.TakeSnapshot();

    public void CheckConsistency(SelfCheckReport report) => Inner.CheckConsistency(report);

    public virtual Outcome AllocPages(int order) => Inner.AllocPages(order);

    public virtual Outcome FreePages(long pfn, int order) => Inner.FreePages(pfn, order);

    public virtual Outcome AllocPagesExact(long sizeBytes) => Inner.AllocPagesExact(sizeBytes);

    public virtual Outcome FreePagesExact(long pfn, long sizeBytes) => Inner.FreePagesExact(pfn, sizeBytes);

    public int FreeBlockOrderAt(long pfn) => Inner.FreeBlockOrderAt(pfn);

    public long FreeBlockCount(int order) => Inner.FreeBlockCount(order);

    public long FreePageCount => Inner.FreePageCount;

    public long AllocatedPageCount => Inner.AllocatedPageCount;

    public virtual Outcome CacheCreate(long objectSizeBytes, long alignBytes, SlabFlags flags) => Inner.CacheCreate(objectSizeBytes, alignBytes, flags);
    public virtual Outcome CacheCreateMinOrder(long objectSizeBytes, long alignBytes, SlabFlags flags, long minOrder) => Inner.CacheCreateMinOrder(objectSizeBytes, alignBytes, flags, minOrder);

    public virtual Outcome CacheDestroy(long cacheId) => Inner.CacheDestroy(cacheId);

    public virtual Outcome CacheSetAccount(long cacheId, bool accounted) => Inner.CacheSetAccount(cacheId, accounted);

    public virtual Outcome CacheAlloc(long cacheId) => Inner.CacheAlloc(cacheId);

    public virtual Outcome CacheFree(long cacheId, long address) => Inner.CacheFree(cacheId, address);

    public virtual Outcome Kmalloc(long sizeBytes, KmallocFlags flags) => Inner.Kmalloc(sizeBytes, flags);

    public virtual Outcome Kfree(long address) => Inner.Kfree(address);

    public virtual Outcome Vmalloc(long sizeBytes) => Inner.Vmalloc(sizeBytes);

    public virtual Outcome Vfree(long areaId) => Inner.Vfree(areaId);

    public virtual Outcome PoolCreate(PoolFlags flags) => Inner.PoolCreate(flags);

    public virtual Outcome PoolAlloc(long poolId, long bytes) => Inner.PoolAlloc(poolId, bytes);

    public virtual Outcome PoolWrite(long objectId, long value) => Inner.PoolWrite(objectId, value);

    public virtual Outcome PoolProtect(long poolId) => Inner.PoolProtect(poolId);

    public virtual Outcome PoolRareWrite(long objectId, long value) => Inner.PoolRareWrite(objectId, value);

    public virtual Outcome PoolDestroy(long poolId) => Inner.PoolDestroy(poolId);

    public virtual Outcome DentryAlloc(int nameLengthBytes) => Inner.DentryAlloc(nameLengthBytes);

    public virtual Outcome DentryPin(long dentryId) => Inner.DentryPin(dentryId);

    public virtual Outcome DentryUnpin(long dentryId) => Inner.DentryUnpin(dentryId);

    public virtual Outcome Shrink(int count) => Inner.Shrink(count);

    public virtual Outcome TaskFork(long pid) => Inner.TaskFork(pid);

    public virtual Outcome TaskExit(long pid) => Inner.TaskExit(pid);

    public virtual Outcome TaskExec(long pid) => Inner.TaskExec(pid);

    public virtual Outcome TaskAttach(long pid, long cgroupId) => Inner.TaskAttach(pid, cgroupId);

    public virtual Outcome CgroupCreate(long parentId) => Inner.CgroupCreate(parentId);

    public virtual Outcome CgroupRemove(long cgroupId) => Inner.CgroupRemove(cgroupId);

    public virtual Outcome CgroupSetPidsMax(long cgroupId, long max) => Inner.CgroupSetPidsMax(cgroupId, max);

    public virtual Outcome CgroupSetNotifyOnRelease(long cgroupId, bool on) => Inner.CgroupSetNotifyOnRelease(cgroupId, on);

    public virtual Outcome RunOn(long pid, int cpu) => Inner.RunOn(pid, cpu);

    public virtual Outcome TaskTouchAnon(long pid, int pages) => Inner.TaskTouchAnon(pid, pages);

    public virtual Outcome TaskTouchFile(long pid, int pages) => Inner.TaskTouchFile(pid, pages);

    public virtual Outcome TaskUnmap(long pid, int pages) => Inner.TaskUnmap(pid, pages);

    public virtual Outcome CgroupSetLimit(long cgroupId, MemcgCounter counter, long pages) => Inner.CgroupSetLimit(cgroupId, counter, pages);

    public virtual Outcome SockAlloc(long pid, long bytes) => Inner.SockAlloc(pid, bytes);

    public virtual Outcome SockFree(long socketId) => Inner.SockFree(socketId);

    public virtual Outcome AllocPagesAccount(int order) => Inner.AllocPagesAccount(order);

    public virtual Outcome TaskSetOomScoreAdj(long pid, int value) => Inner.TaskSetOomScoreAdj(pid, value);

    public virtual Outcome CgroupSetOomGroup(long cgroupId, long value) => Inner.CgroupSetOomGroup(cgroupId, value);

    public virtual Outcome Tick(long ms) => Inner.Tick(ms);

    public virtual Outcome ForkbombEnable(long value) => Inner.ForkbombEnable(value);

    public virtual Outcome ForkbombSetInterval(long ms) => Inner.ForkbombSetInterval(ms);

    public virtual Outcome CacheFreeBulk(long cacheId, long address, int count) => Inner.CacheFreeBulk(cacheId, address, count);

    public virtual Outcome VmallocAccount(long sizeBytes) => Inner.VmallocAccount(sizeBytes);
}
