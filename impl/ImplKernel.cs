using Verify.Impl.Buddy;
using Verify.Impl.Cgroups;
using Verify.Impl.Memcg;
using Verify.Impl.Oom;
using Verify.Impl.Slab;
using Verify.Model.Contract;
using KmallocFlags = Verify.Model.Slab.KmallocFlags;
using SlabFlags = Verify.Model.Slab.SlabFlags;
using SlabLayout = Verify.Model.Slab.SlabLayout;

namespace Verify.Impl;

/// <summary>The optimized implementation of the kernel API. Reset reuses every array it can.</summary>
public sealed class ImplKernel : IKernel
{
    private readonly BuddyAllocator _buddy;
    private readonly SlabAllocator _slab;
    private readonly VmallocAllocator _vmalloc;
    private readonly PoolAllocator _pools;
    private readonly DentryCache _dentries;
    private readonly ProcessContainers _containers;
    private readonly MemoryCgroups _memcg;
    private readonly TaskKernelMemory _taskMemory;
    private readonly OomKiller _oom;
    private readonly ForkbombTracker _forkbomb;

    public ImplKernel(MachineConfig machine)
    {
        _buddy = new BuddyAllocator(machine.Pages);
        _slab = new SlabAllocator(_buddy);
        _vmalloc = new VmallocAllocator(_buddy);
        _dentries = new DentryCache(_slab);
        _pools = new PoolAllocator(_vmalloc);
        _containers = new ProcessContainers(Effects);
        _memcg = new MemoryCgroups(_buddy, _containers);
        _taskMemory = new TaskKernelMemory(_buddy, _slab, _memcg, _containers);
        _dentries.Charger = new DentryCharger(_slab, _memcg);
        _pools.Charger = _memcg;
        _memcg.DentryShrinker = _dentries;
        _forkbomb = new ForkbombTracker(Effects);
        _oom = new OomKiller(_containers, _memcg, _forkbomb, Effects) { Exit = pid => TaskExit(pid) };
        _memcg.OomHandler = _oom;
        _memcg.ReclaimFreed = _forkbomb.Reclaimed;
        Reset(machine);
    }

    public MachineConfig Machine { get; private set; } = MachineConfig.Default;

    public ulong Digest => _buddy.Digest + _slab.Digest + _vmalloc.Digest + _pools.Digest + _dentries.Digest + _containers.Digest + _memcg.Digest + _forkbomb.Digest;

    public EffectLog Effects { get; } = new();

    public void Reset(MachineConfig machine)
    {
        Machine = machine;
        _buddy.Reset(machine.Pages);
        _slab.Reset(machine.Pages, machine.Cpus);
        _vmalloc.Reset(machine.Pages);
        _pools.Reset();
        _dentries.Reset();
        _containers.Reset(machine);
        _memcg.Reset(machine);
        _taskMemory.Reset(machine.Pages);
        _forkbomb.Reset();
        Effects.Clear();
    }

    public Snapshot TakeSnapshot() => new()
    {
        Machine = Machine,
        BuddyInfo = _buddy.BuddyInfo(),
        FreeBlocks = _buddy.FreeBlocks(),
        Allocations = _buddy.Allocations().Select(WithOwnerKind).ToList(),
        SlabCaches = _slab.CacheInfos(),
        Slabs = _slab.Slabs(),
        SlabObjects = _slab.Objects(),
        LargeKmallocs = _slab.LargeKmallocs(),
        VmallocAreas = _vmalloc.Areas(),
        Pools = _pools.Pools(),
        PoolAreas = _pools.Areas(),
        PoolObjects = _pools.Objects(),
        Dentries = _dentries.Dentries(),
        ReclaimableBytes = _slab.ReclaimableBytes(),
        Cgroups = _containers.Cgroups(),
        Tasks = _containers.Tasks(),
        Memory = _memcg.Infos(),
        Watermarks = _memcg.Watermarks(),
        UserPages = _memcg.UserPages(),
        PageTables = _memcg.PageTables(),
        DyingMemcgs = _memcg.DyingMemcgs(),
        Sockets = _memcg.Sockets(),
        KernelCharges = _memcg.KernelCharges(),
        MmRecords = _forkbomb.Records(),
        Forkbomb = _forkbomb.Info(),
        StockedPages = _memcg.StockedPages,
        CurrentTask = _containers.CurrentTask,
        CurrentCpu = _containers.CurrentCpu,
    };

    /// <summary>Every structure's self-check: S1 and S2 (buddy), S3 to S5 (slab), S6 (dentries), S7 (vmalloc), S8 to S10 (process containers), S11 to S16, S18 and S19 (memory cgroups), S17 (the forkbomb tracker), S20 (pools).</summary>
    public void CheckConsistency(SelfCheckReport report)
    {
        _buddy.CheckConsistency(report);
        _slab.CheckConsistency(report);
        _dentries.CheckConsistency(report);
        _vmalloc.CheckConsistency(report, Machine.Pages);
        _pools.CheckConsistency(report);
        _containers.CheckConsistency(report);
        _memcg.CheckConsistency(report);
        _forkbomb.CheckConsistency(report, _containers.TaskSlots);
    }

    /// <summary>Dentries are charged as the model charges them: the dentry object (its cache is accounted) and the name buffer (GFP_KERNEL_ACCOUNT).</summary>
    private sealed class DentryCharger(SlabAllocator slab, MemoryCgroups memcg) : IDentryCharger
    {
        public bool ChargeObject(long address) => !slab.TryLocate(address, out var location) || memcg.ChargeObject(location, gfpAccount: true);

        public void UnchargeObject(long address)
        {
            if (slab.TryLocate(address, out var location)) memcg.UnchargeObject(location);
        }

        public bool ChargedBelow(long address, long group) => slab.TryLocate(address, out var location) && memcg.IsObjectChargedBelow(location, group);
    }

    /// <summary>The subsystems, for planted bugs that emulate a slip in one of them (test code only).</summary>
    internal BuddyAllocator Buddy => _buddy;

    internal SlabAllocator Slab => _slab;

    internal DentryCache Dentries => _dentries;

    internal VmallocAllocator VmallocAreas => _vmalloc;

    internal PoolAllocator Pools => _pools;

    internal ProcessContainers Containers => _containers;

    internal MemoryCgroups Memcg => _memcg;

    internal OomKiller Oom => _oom;

    internal ForkbombTracker Forkbomb => _forkbomb;

    /// <summary>Buddy allocations the slab layer, kmalloc or vmalloc own are reported with their owner's kind.</summary>
    private AllocatedRun WithOwnerKind(AllocatedRun run) =>
        run.Kind != AllocationKind.Block ? run
        : _slab.OwnsRunAt(run.Pfn) ? run with { Kind = _slab.IsLargeKmallocAt(run.Pfn) ? AllocationKind.LargeKmalloc : AllocationKind.Slab }
        : _vmalloc.OwnsPage(run.Pfn) ? run with { Kind = AllocationKind.Vmalloc }
        : _memcg.KindOf(run.Pfn) is { } user ? run with { Kind = user }
        : _taskMemory.OwnsStack(run.Pfn) ? run with { Kind = AllocationKind.KernelStack }
        : run;

    public Outcome AllocPages(int order) => _buddy.AllocPages(order);

    /// <summary>Pages the slab layer or vmalloc own are not the caller's to free (O(1) page-state test).</summary>
    public Outcome FreePages(long pfn, int order)
    {
        if (_slab.OwnsRunAt(pfn) || _vmalloc.OwnsPage(pfn) || _memcg.OwnsPage(pfn) || _taskMemory.OwnsStack(pfn)) return Outcome.Fail(Errno.EINVAL);
        var outcome = _buddy.FreePages(pfn, order);
        if (outcome.IsOk) _memcg.UnchargePages(pfn);
        return outcome;
    }

    public Outcome AllocPagesExact(long sizeBytes) => _buddy.AllocPagesExact(sizeBytes);

    public Outcome FreePagesExact(long pfn, long sizeBytes) => _buddy.FreePagesExact(pfn, sizeBytes);

    public int FreeBlockOrderAt(long pfn) => _buddy.FreeBlockOrderAt(pfn);

    public long FreeBlockCount(int order) => _buddy.FreeBlockCount(order);

    public long FreePageCount => _buddy.FreePageCount;

    public long AllocatedPageCount => _buddy.AllocatedPageCount;

    public Outcome CacheCreate(long objectSizeBytes, long alignBytes, SlabFlags flags) => _slab.CacheCreate(objectSizeBytes, alignBytes, flags);
    public Outcome CacheCreateMinOrder(long objectSizeBytes, long alignBytes, SlabFlags flags, long minOrder) => _slab.CacheCreateMinOrder(objectSizeBytes, alignBytes, flags, minOrder);

    public Outcome CacheDestroy(long cacheId) => _slab.CacheDestroy(cacheId);

    public Outcome CacheSetAccount(long cacheId, bool accounted) => _slab.CacheSetAccount(cacheId, accounted);

    public Outcome CacheAlloc(long cacheId) => ChargeNewObject(_slab.CacheAlloc(cacheId), gfpAccount: false);

    public Outcome CacheFree(long cacheId, long address)
    {
        bool located = _slab.TryLocate(address, out var location);
        var outcome = _slab.CacheFree(cacheId, address);
        if (outcome.IsOk && located) _memcg.UnchargeObject(location);
        return outcome;
    }

    /// <summary>kmem_cache_free_bulk: every object of the batch is uncharged.</summary>
    public Outcome CacheFreeBulk(long cacheId, long address, int count)
    {
        Span<SlabObjectRef> freed = stackalloc SlabObjectRef[Verify.Model.Alphabet.Alphabet.BulkFreeCountMax];
        var outcome = _slab.CacheFreeBulk(cacheId, address, count, freed);
        for (int i = 0; i < (outcome.IsOk ? (int)outcome.Value : 0); i++) _memcg.UnchargeObject(freed[i]);
        return outcome;
    }

    /// <summary>An accounted kmalloc is charged: a slab object in bytes, a large one as its pages; a charge that fails frees it again.</summary>
    public Outcome Kmalloc(long sizeBytes, KmallocFlags flags)
    {
        var outcome = _slab.Kmalloc(sizeBytes, flags);
        bool account = (flags & KmallocFlags.Account) != 0;
        if (!outcome.IsOk || outcome.Value == SlabLayout.ZeroSizePtr) return outcome;
        if (sizeBytes <= SlabLayout.KmallocMaxCacheBytes) return ChargeNewObject(outcome, account);
        if (!account || _memcg.ChargePages(PageBits.PageOf(outcome.Value), 1 << KernelConstants.GetOrder(sizeBytes), KernelChargeKind.Pages)) return outcome;
        _slab.Kfree(outcome.Value);
        return Outcome.Fail(Errno.ENOMEM);
    }

    public Outcome Kfree(long address)
    {
        if (_dentries.IsNameBuffer(address)) return Outcome.Fail(Errno.EINVAL);
        if (address == SlabLayout.ZeroSizePtr) return _slab.Kfree(address);
        long pfn = address >> KernelConstants.PageShift;
        bool large = address >= 0 && (address & (KernelConstants.PageSizeBytes - 1)) == 0 && _slab.IsLargeKmallocAt(pfn);
        SlabObjectRef location = default;
        bool located = !large && _slab.TryLocate(address, out location);
        var outcome = _slab.Kfree(address);
        if (!outcome.IsOk) return outcome;
        if (large) _memcg.UnchargePages(pfn);
        else if (located) _memcg.UnchargeObject(location);
        return outcome;
    }

    /// <summary>A new object of an accounted cache, or asked for with __GFP_ACCOUNT, is charged; a charge that fails frees it again.</summary>
    private Outcome ChargeNewObject(Outcome allocated, bool gfpAccount)
    {
        if (!allocated.IsOk) return allocated;
        _slab.TryLocate(allocated.Value, out var location);
        if (_memcg.ChargeObject(location, gfpAccount)) return allocated;
        _slab.FreeAt(allocated.Value, location);
        return Outcome.Fail(Errno.ENOMEM);
    }

    public Outcome Vmalloc(long sizeBytes) => _vmalloc.Vmalloc(sizeBytes);

    /// <summary>vfree: the pages of an accounted area are uncharged as they go.</summary>
    public Outcome Vfree(long areaId) => _vmalloc.Vfree(areaId, _memcg);

    public Outcome VmallocAccount(long sizeBytes) => _vmalloc.Vmalloc(sizeBytes, _memcg);

    /// <summary>alloc_pages with __GFP_ACCOUNT: the block, then its charge; a charge that fails gives the block back.</summary>
    public Outcome AllocPagesAccount(int order)
    {
        var block = _memcg.AllocPages(order, _containers.CurrentTask);
        if (!block.IsOk || _memcg.ChargePages(block.Value, 1 << order, KernelChargeKind.BuddyPages)) return block;
        _buddy.FreePages(block.Value, order);
        return Outcome.Fail(Errno.ENOMEM);
    }

    public Outcome PoolCreate(PoolFlags flags) => _pools.Create(flags);

    public Outcome PoolAlloc(long poolId, long bytes) => _pools.Alloc(poolId, bytes);

    public Outcome PoolWrite(long objectId, long value) => _pools.Write(objectId, value);

    public Outcome PoolProtect(long poolId) => _pools.Protect(poolId);

    public Outcome PoolRareWrite(long objectId, long value) => _pools.RareWrite(objectId, value);

    public Outcome PoolDestroy(long poolId) => _pools.Destroy(poolId);

    public Outcome DentryAlloc(int nameLengthBytes) => _dentries.Alloc(nameLengthBytes);

    public Outcome DentryPin(long dentryId) => _dentries.Pin(dentryId);

    public Outcome DentryUnpin(long dentryId) => _dentries.Unpin(dentryId);

    public Outcome Shrink(int count) => _dentries.Shrink(count);

    /// <summary>fork: dup_task_struct (a task_struct and a kernel stack, charged to the forking task's group), then the pid and the pids controller; a refused fork frees both again.</summary>
    public Outcome TaskFork(long pid)
    {
        if (_containers.TaskSlotOf(pid) < 0) return Outcome.Fail(Errno.ESRCH);
        var taken = _taskMemory.Allocate(pid, out long taskStruct, out int stackPfn);
        if (!taken.IsOk) return taken;
        var forked = _containers.Fork(pid);
        if (forked.IsOk)
        {
            _taskMemory.Attach(forked.Value, taskStruct, stackPfn);
            _forkbomb.Forked(_containers.TaskSlotOf(pid), _containers.TaskSlotOf(forked.Value), forked.Value);
        }
        else _taskMemory.Free(taskStruct, stackPfn);
        return forked;
    }

    /// <summary>exit_mm before the task's slot can be reused: its anonymous pages go back (init never exits).</summary>
    public Outcome TaskExit(long pid)
    {
        int slot = _containers.TaskSlotOf(pid);
        if (slot > 0) _memcg.TaskExiting(slot);
        var outcome = _containers.Exit(pid);
        if (outcome.IsOk)
        {
            _taskMemory.Exited(slot);
            _forkbomb.Exited(slot);
        }
        return outcome;
    }

    /// <summary>exec: the task gets a new mm, which the forkbomb tracker records under the old one.</summary>
    public Outcome TaskExec(long pid)
    {
        var outcome = _containers.Exec(pid);
        if (outcome.IsOk) _forkbomb.Execed(_containers.TaskSlotOf(pid), pid);
        return outcome;
    }

    public Outcome Tick(long ms) => _forkbomb.Tick(ms, _containers.TaskSlots.LiveCount);

    public Outcome ForkbombEnable(long value) => _forkbomb.Enable(value, _containers.TaskSlots.LiveCount);

    public Outcome ForkbombSetInterval(long ms) => _forkbomb.SetInterval(ms);

    public Outcome TaskAttach(long pid, long cgroupId) => _containers.Attach(pid, cgroupId);

    public Outcome CgroupCreate(long parentId)
    {
        var outcome = _containers.Create(parentId);
        if (outcome.IsOk) _memcg.GroupCreated(outcome.Value, parentId);
        return outcome;
    }

    public Outcome CgroupRemove(long cgroupId)
    {
        var outcome = _containers.Remove(cgroupId);
        if (outcome.IsOk) _memcg.GroupRemoved(cgroupId);
        return outcome;
    }

    public Outcome CgroupSetPidsMax(long cgroupId, long max) => _containers.SetPidsMax(cgroupId, max);

    public Outcome CgroupSetNotifyOnRelease(long cgroupId, bool on) => _containers.SetNotifyOnRelease(cgroupId, on);

    public Outcome RunOn(long pid, int cpu) => _containers.RunOn(pid, cpu);

    public Outcome TaskSetOomScoreAdj(long pid, int value) => _containers.SetOomScoreAdj(pid, value);

    public Outcome CgroupSetOomGroup(long cgroupId, long value) => _memcg.SetOomGroup(cgroupId, value);

    public Outcome TaskTouchAnon(long pid, int pages) => _memcg.TouchAnon(pid, pages);

    public Outcome TaskTouchFile(long pid, int pages) => _memcg.TouchFile(pid, pages);

    public Outcome TaskUnmap(long pid, int pages) => _memcg.Unmap(pid, pages);

    public Outcome CgroupSetLimit(long cgroupId, MemcgCounter counter, long pages) => _memcg.SetLimit(cgroupId, counter, pages);

    public Outcome SockAlloc(long pid, long bytes) => _memcg.SockAlloc(pid, bytes);

    public Outcome SockFree(long socketId) => _memcg.SockFree(socketId);
}
