using Verify.Model.Buddy;
using Verify.Model.Cgroups;
using Verify.Model.Contract;
using Verify.Model.Memcg;
using Verify.Model.Oom;
using Verify.Model.Slab;

namespace Verify.Model;

/// <summary>The reference model of the kernel API: each subsystem in its own simple class.</summary>
public sealed class ModelKernel : IKernel
{
    private BuddyAllocator _buddy = null!;
    private SlabAllocator _slab = null!;
    private VmallocAllocator _vmalloc = null!;
    private PoolAllocator _pools = null!;
    private DentryCache _dentries = null!;
    private ProcessContainers _containers = null!;
    private MemoryCgroups _memcg = null!;
    private TaskKernelMemory _taskMemory = null!;
    private OomKiller _oom = null!;
    private ForkbombTracker _forkbomb = null!;

    public ModelKernel(MachineConfig machine) => Reset(machine);

    public MachineConfig Machine { get; private set; } = MachineConfig.Default;

    public ulong Digest => _buddy.Digest + _slab.Digest + _vmalloc.Digest + _pools.Digest() + _dentries.Digest + _containers.Digest() + _memcg.Digest() + _forkbomb.Digest();

    public EffectLog Effects { get; } = new();

    public void Reset(MachineConfig machine)
    {
        Machine = machine;
        _buddy = new BuddyAllocator(machine.Pages);
        _slab = new SlabAllocator(_buddy, machine.Cpus);
        _vmalloc = new VmallocAllocator(_buddy);
        _dentries = new DentryCache(_slab);
        _containers = new ProcessContainers(machine, Effects);
        _memcg = new MemoryCgroups(machine, _buddy, _containers);
        _pools = new PoolAllocator(_vmalloc)
        {
            ChargePage = pfn => _memcg.ChargeKernel(KernelChargeKind.Vmalloc, pfn, 1),
            UnchargePage = pfn => _memcg.UnchargeKernel(KernelChargeKind.Vmalloc, pfn),
        };
        _taskMemory = new TaskKernelMemory(_buddy, _slab, _memcg);
        _dentries.ChargeObject = address => ChargeAt(address, gfpAccount: true);
        _dentries.UnchargeObject = address => _memcg.UnchargeKernel(KernelChargeKind.Slab, address);
        _memcg.ShrinkDentries = (group, count) => _dentries.ShrinkWhere(count, address => _memcg.IsObjectChargedBelow(address, group));
        _memcg.ShrinkAnyDentries = count => _dentries.ShrinkWhere(count, _ => true);
        _forkbomb = new ForkbombTracker(Effects);
        _oom = new OomKiller(_containers, _memcg, _forkbomb, Effects) { Exit = pid => TaskExit(pid) };
        _memcg.ReclaimFreed = _forkbomb.Reclaimed;
        _memcg.OutOfMemory = _oom.OutOfMemory;
        Effects.Clear();
    }

    public Snapshot TakeSnapshot() => new()
    {
        Machine = Machine,
        BuddyInfo = _buddy.BuddyInfo(),
        FreeBlocks = _buddy.FreeBlocks(),
        Allocations = WithOwnerKinds(_buddy.Allocations()),
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
        CurrentTask = _containers.CurrentTask,
        CurrentCpu = _containers.CurrentCpu,
    };

    /// <summary>Lists, sorted sets and totals recomputed on demand: no redundant state to disagree with itself.</summary>
    public void CheckConsistency(SelfCheckReport report)
    {
    }

    /// <summary>Buddy allocations the slab layer, kmalloc, vmalloc or user memory own are reported with their owner's kind.</summary>
    private List<AllocatedRun> WithOwnerKinds(IEnumerable<AllocatedRun> runs)
    {
        var user = _memcg.UserPages().ToDictionary(page => page.Pfn, page => page.File);
        var sockets = _memcg.SocketPages();
        return runs.Select(run => run.Kind != AllocationKind.Block ? run
            : user.TryGetValue(run.Pfn, out bool file) ? run with { Kind = file ? AllocationKind.PageCache : AllocationKind.Anon }
            : sockets.Contains(run.Pfn) ? run with { Kind = AllocationKind.Socket }
            : _taskMemory.OwnsStack(run.Pfn) ? run with { Kind = AllocationKind.KernelStack }
            : _memcg.OwnsPageTable(run.Pfn) ? run with { Kind = AllocationKind.PageTable }
            : WithOwnerKind(run)).ToList();
    }

    private AllocatedRun WithOwnerKind(AllocatedRun run) =>
        run.Kind != AllocationKind.Block ? run
        : _slab.OwnsRunAt(run.Pfn) ? run with { Kind = _slab.IsLargeKmallocAt(run.Pfn) ? AllocationKind.LargeKmalloc : AllocationKind.Slab }
        : _vmalloc.OwnsPage(run.Pfn) ? run with { Kind = AllocationKind.Vmalloc }
        : run;

    public Outcome AllocPages(int order) => _buddy.AllocPages(order);

    /// <summary>Pages the slab layer, vmalloc or user memory own are not the caller's to free; an accounted block is uncharged.</summary>
    public Outcome FreePages(long pfn, int order) =>
        _slab.OwnsRunAt(pfn) || _vmalloc.OwnsPage(pfn) || _memcg.OwnsPage(pfn) || _taskMemory.OwnsStack(pfn) ? Outcome.Fail(Errno.EINVAL) : Uncharged(_buddy.FreePages(pfn, order), KernelChargeKind.BuddyPages, pfn);

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

    public Outcome CacheAlloc(long cacheId) => ChargeNewObject(_slab.CacheAlloc(cacheId), gfpAccount: false, address => _slab.CacheFree(cacheId, address));

    public Outcome CacheFree(long cacheId, long address) => Uncharged(_slab.CacheFree(cacheId, address), KernelChargeKind.Slab, address);

    /// <summary>kmem_cache_free_bulk: every object of the batch is uncharged.</summary>
    public Outcome CacheFreeBulk(long cacheId, long address, int count)
    {
        var freed = new List<long>();
        var outcome = _slab.CacheFreeBulk(cacheId, address, count, freed);
        foreach (long freedAddress in freed) _memcg.UnchargeKernel(KernelChargeKind.Slab, freedAddress);
        return outcome;
    }

    /// <summary>An accounted kmalloc is charged: a slab object in bytes, a large one as its pages; a charge that fails frees it again.</summary>
    public Outcome Kmalloc(long sizeBytes, KmallocFlags flags)
    {
        var outcome = _slab.Kmalloc(sizeBytes, flags);
        bool account = (flags & KmallocFlags.Account) != 0;
        if (!outcome.IsOk || outcome.Value == SlabLayout.ZeroSizePtr) return outcome;
        if (sizeBytes <= SlabLayout.KmallocMaxCacheBytes) return ChargeNewObject(outcome, account, _slab.Kfree);
        if (!account) return outcome;
        var charged = _memcg.ChargeKernel(KernelChargeKind.Pages, outcome.Value / KernelConstants.PageSizeBytes, 1L << KernelConstants.GetOrder(sizeBytes));
        if (charged.IsOk) return outcome;
        _slab.Kfree(outcome.Value);
        return charged;
    }

    /// <summary>A dentry's name buffer is freed only with its dentry.</summary>
    public Outcome Kfree(long address)
    {
        if (_dentries.IsNameBuffer(address)) return Outcome.Fail(Errno.EINVAL);
        if (address == SlabLayout.ZeroSizePtr) return _slab.Kfree(address); // kfree(ZERO_SIZE_PTR): nothing is freed, nothing uncharged
        bool large = address >= 0 && address % KernelConstants.PageSizeBytes == 0 && _slab.IsLargeKmallocAt(address / KernelConstants.PageSizeBytes);
        return Uncharged(_slab.Kfree(address), large ? KernelChargeKind.Pages : KernelChargeKind.Slab, large ? address / KernelConstants.PageSizeBytes : address);
    }

    /// <summary>A new object of an accounted cache, or asked for with __GFP_ACCOUNT, is charged (memcg_slab_post_alloc_hook); a charge that fails frees it again.</summary>
    private Outcome ChargeNewObject(Outcome allocated, bool gfpAccount, Func<long, Outcome> free)
    {
        if (!allocated.IsOk) return allocated;
        var charged = ChargeAt(allocated.Value, gfpAccount);
        if (charged.IsOk) return allocated;
        free(allocated.Value);
        return charged;
    }

    /// <summary>Charges the live object at the address when its cache is accounted or the request had __GFP_ACCOUNT.</summary>
    private Outcome ChargeAt(long address, bool gfpAccount)
    {
        var (sizeBytes, accounted, reclaimable) = _slab.CacheOfObject(address);
        if (!accounted && !gfpAccount) return Outcome.Ok(0);
        var kind = reclaimable ? KernelChargeKind.SlabReclaimable : KernelChargeKind.Slab;
        return _memcg.ChargeKernel(kind, address, KernelConstants.ObjcgFullSize(sizeBytes));
    }

    /// <summary>After a successful free, the thing's charge (if any) goes with it.</summary>
    private Outcome Uncharged(Outcome freed, KernelChargeKind kind, long key)
    {
        if (freed.IsOk) _memcg.UnchargeKernel(kind, key);
        return freed;
    }

    public Outcome Vmalloc(long sizeBytes) => _vmalloc.Vmalloc(sizeBytes);

    /// <summary>vfree: the pages of an accounted area are uncharged as they go.</summary>
    public Outcome Vfree(long areaId) => _vmalloc.Vfree(areaId, pfn => _memcg.UnchargeKernel(KernelChargeKind.Vmalloc, pfn));

    public Outcome VmallocAccount(long sizeBytes) =>
        _vmalloc.Vmalloc(sizeBytes, pfn => _memcg.ChargeKernel(KernelChargeKind.Vmalloc, pfn, 1), pfn => _memcg.UnchargeKernel(KernelChargeKind.Vmalloc, pfn));

    /// <summary>alloc_pages with __GFP_ACCOUNT: the block (global reclaim and OOM as for user pages), then its charge; a charge that fails gives the block back.</summary>
    public Outcome AllocPagesAccount(int order)
    {
        var block = _memcg.AllocPages(order, _containers.CurrentTask);
        if (!block.IsOk) return block;
        var charged = _memcg.ChargeKernel(KernelChargeKind.BuddyPages, block.Value, 1L << order);
        if (charged.IsOk) return block;
        _buddy.FreePages(block.Value, order);
        return charged;
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
        if (_containers.MemoryGroupOf(pid) is null) return ProcessContainers.NoSuchTask();
        var taken = _taskMemory.Allocate(pid, out var held);
        if (!taken.IsOk) return taken;
        var forked = _containers.Fork(pid);
        if (forked.IsOk)
        {
            _taskMemory.Attach(forked.Value, held);
            _forkbomb.Forked(pid, forked.Value);
        }
        else _taskMemory.Free(held);
        return forked;
    }

    /// <summary>exit: the task's anonymous pages go back after it leaves its groups, then its kernel stack and task_struct.</summary>
    public Outcome TaskExit(long pid)
    {
        var outcome = _containers.Exit(pid);
        if (outcome.IsOk)
        {
            _memcg.TaskExited(pid);
            _taskMemory.Exited(pid);
            _forkbomb.Exited(pid);
        }
        return outcome;
    }

    /// <summary>exec: the task gets a new mm, which the forkbomb tracker records under the old one.</summary>
    public Outcome TaskExec(long pid)
    {
        var outcome = _containers.Exec(pid);
        if (outcome.IsOk) _forkbomb.Execed(pid);
        return outcome;
    }

    public Outcome Tick(long ms) => _forkbomb.Tick(ms, _containers.Tasks().Count);

    public Outcome ForkbombEnable(long value) => _forkbomb.Enable(value, _containers.Tasks().Count);

    public Outcome ForkbombSetInterval(long ms) => _forkbomb.SetInterval(ms);

    public Outcome TaskAttach(long pid, long cgroupId) => _containers.Attach(pid, cgroupId);

    public Outcome CgroupCreate(long parentId)
    {
        _memcg.GroupsChanged();
        return _containers.Create(parentId);
    }

    /// <summary>A removed group's pages stay charged to it, so its ancestors still count them.</summary>
    public Outcome CgroupRemove(long cgroupId)
    {
        _memcg.GroupsChanged();
        var outcome = _containers.Remove(cgroupId);
        if (outcome.IsOk) _memcg.GroupRemoved(cgroupId);
        return outcome;
    }

    public Outcome CgroupSetPidsMax(long cgroupId, long max) => _containers.SetPidsMax(cgroupId, max);

    public Outcome CgroupSetNotifyOnRelease(long cgroupId, bool on) => _containers.SetNotifyOnRelease(cgroupId, on);

    public Outcome RunOn(long pid, int cpu) => _containers.RunOn(pid, cpu, Machine.Cpus);

    public Outcome TaskSetOomScoreAdj(long pid, int value) => _containers.SetOomScoreAdj(pid, value);

    public Outcome CgroupSetOomGroup(long cgroupId, long value) => _memcg.SetOomGroup(cgroupId, value);

    public Outcome TaskTouchAnon(long pid, int pages) => _memcg.TouchAnon(pid, pages);

    public Outcome TaskTouchFile(long pid, int pages) => _memcg.TouchFile(pid, pages);

    public Outcome TaskUnmap(long pid, int pages) => _memcg.Unmap(pid, pages);

    public Outcome CgroupSetLimit(long cgroupId, MemcgCounter counter, long pages) => _memcg.SetLimit(cgroupId, counter, pages);

    public Outcome SockAlloc(long pid, long bytes) => _memcg.SockAlloc(pid, bytes);

    public Outcome SockFree(long socketId) => _memcg.SockFree(socketId);
}
