using Verify.Model.Slab;

namespace Verify.Model.Contract;

/// <summary>A free block of the buddy allocator: 1 &lt;&lt; Order pages starting at Pfn.</summary>
public readonly record struct FreeBlock(long Pfn, int Order)
{
    public long Pages => 1L << Order;
    public override string ToString() => $"[pfn {Pfn} order {Order}]";
}

/// <summary>A live allocation of pages: Pages pages starting at Pfn, obtained as Kind.</summary>
public readonly record struct AllocatedRun(long Pfn, long Pages, AllocationKind Kind)
{
    public override string ToString() => $"[pfn {Pfn} pages {Pages} {Kind.ToString().ToLowerInvariant()}]";
}

/// <summary>
/// Everything a caller can observe of one side's state. Lists are sorted by address, so two
/// snapshots are equal exactly when every list is equal element by element.
/// </summary>
public sealed class Snapshot
{
    public required MachineConfig Machine { get; init; }

    /// <summary>/proc/buddyinfo: the number of free blocks of each order 0..MaxPageOrder.</summary>
    public required long[] BuddyInfo { get; init; }

    public required IReadOnlyList<FreeBlock> FreeBlocks { get; init; }

    public required IReadOnlyList<AllocatedRun> Allocations { get; init; }

    /// <summary>/proc/slabinfo: every cache, sorted by id. Empty on a side without a slab layer.</summary>
    public IReadOnlyList<SlabCacheInfo> SlabCaches { get; init; } = [];

    /// <summary>Every slab, sorted by pfn.</summary>
    public IReadOnlyList<SlabPage> Slabs { get; init; } = [];

    /// <summary>Every live slab object, sorted by address.</summary>
    public IReadOnlyList<SlabObjectInfo> SlabObjects { get; init; } = [];

    /// <summary>Every live kmalloc served by the page allocator, sorted by pfn.</summary>
    public IReadOnlyList<LargeKmallocInfo> LargeKmallocs { get; init; } = [];

    /// <summary>Every live vmalloc area, sorted by id.</summary>
    public IReadOnlyList<VmallocAreaInfo> VmallocAreas { get; init; } = [];

    /// <summary>Every live pmalloc pool, sorted by id.</summary>
    public IReadOnlyList<PoolInfo> Pools { get; init; } = [];

    /// <summary>Every area of a live pool, sorted by area id (each is also listed among VmallocAreas).</summary>
    public IReadOnlyList<PoolAreaInfo> PoolAreas { get; init; } = [];

    /// <summary>Every object of a live pool with its value, sorted by id.</summary>
    public IReadOnlyList<PoolObjectInfo> PoolObjects { get; init; } = [];

    /// <summary>Every live dentry, sorted by id.</summary>
    public IReadOnlyList<DentryInfo> Dentries { get; init; } = [];

    /// <summary>Bytes of live objects in SLAB_RECLAIM_ACCOUNT caches (dentries and their kmalloc-rcl name buffers among them).</summary>
    public long ReclaimableBytes { get; init; }

    /// <summary>Every live cgroup of every hierarchy, sorted by id (roots first).</summary>
    public IReadOnlyList<CgroupInfo> Cgroups { get; init; } = [];

    /// <summary>Every live task, sorted by pid.</summary>
    public IReadOnlyList<TaskInfo> Tasks { get; init; } = [];

    /// <summary>Every live non-root group of the memory hierarchy with its memory counters, sorted by id (exactly compared).</summary>
    public IReadOnlyList<CgroupMemoryInfo> Memory { get; init; } = [];

    /// <summary>Every page a task touched, sorted by pfn.</summary>
    public IReadOnlyList<UserPageInfo> UserPages { get; init; } = [];

    /// <summary>Every task's page-table pages, sorted by pfn.</summary>
    public IReadOnlyList<PageTableInfo> PageTables { get; init; } = [];

    /// <summary>Every live socket, sorted by id.</summary>
    public IReadOnlyList<SocketInfo> Sockets { get; init; } = [];

    /// <summary>Every live kernel-memory charge, sorted by kind, then key.</summary>
    public IReadOnlyList<KernelChargeInfo> KernelCharges { get; init; } = [];

    /// <summary>Removed memory groups that still hold charges, sorted by id.</summary>
    public IReadOnlyList<DyingMemcgInfo> DyingMemcgs { get; init; } = [];

    /// <summary>Peak and failcnt per group, sorted by id: compared within the stock bound, not exactly (SnapshotDiff leaves them out).</summary>
    public IReadOnlyList<MemcgWatermark> Watermarks { get; init; } = [];

    /// <summary>The forkbomb tracker's mm_records, sorted by id.</summary>
    public IReadOnlyList<MmRecordInfo> MmRecords { get; init; } = [];

    /// <summary>The forkbomb tracker's knobs and clock.</summary>
    public ForkbombInfo Forkbomb { get; init; }

    /// <summary>Pages the impl's per-CPU stocks hold (0 on the model).</summary>
    public long StockedPages { get; init; }

    /// <summary>The current task and CPU (RunOn): the context kernel allocations run in.</summary>
    public long CurrentTask { get; init; }

    public int CurrentCpu { get; init; }
}
