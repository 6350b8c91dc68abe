using Verify.Impl.Buddy;
using Verify.Impl.Cgroups;
using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Impl.Memcg;

/// <summary>
/// Memory-cgroup accounting of user memory and sockets, optimized (kernel memory and the byte
/// stocks are in MemoryCgroups.Kernel.cs). The semantics are the model's (model/Memcg/); the structures:
///   groups by id: a cgroup id is never reused, so every per-group array is indexed by id; a
///     group's parent id is kept after it is removed, so a page charged to a removed (dying) group
///     still uncharges its ancestors. Each memory group has a page counter (PageCounters: the
///     kernel's try_charge, charge, uncharge and watermark rules over a precomputed chain); anon
///     and file counts are hierarchical counters updated on each level (O(depth)).
///   per-CPU page stocks (PageStocks, 6.18: 7 slots of up to 64 pages per CPU): a charge consumes
///     this CPU's stock for the group, else charges a batch of 64 and stocks the surplus, else
///     charges exactly one page. Stocks never change a decision: before any slow-path step (an
///     event, a reclaim, a failure), before acting on memory.high and before a limit write, every
///     stock is drained (byte stocks too, remainders trimmed: DrainEverything), so the decision sees
///     raw usage equal to logical usage, as the model does. Logical usage (what snapshots report)
///     is the raw counter minus what the stocks hold for the group's subtree. User pages uncharge
///     directly, never through a stock.
///   pages by pfn: kind, owner, charged group, valid only where the pfn's stamp equals the current
///     generation, so Reset is O(1) and leaves nothing of an earlier run readable.
///   the page cache LRU: one list through the pfns in touch order (oldest first); reclaim in a
///     subtree walks it from the oldest and takes the pages charged below the group.
///   anonymous pages per task: a list per task slot, newest first (unmap takes from the head).
///   digest: one term per page and one per live group, kept by adding and subtracting.
/// Guarantees: usage(g) equals the pages charged in g's subtree (dying descendants included);
/// each counter changes in O(depth) per page; every owned page is on exactly one list (the LRU or
/// its owner's anonymous list), so snapshots and the self-check walk the lists, never the machine;
/// CheckConsistency recounts everything from them.
/// </summary>
public sealed partial class MemoryCgroups(BuddyAllocator buddy, ProcessContainers containers)
{
    private const byte None = 0, Anon = 1, File = 2, Sock = 3;
    private const long MemoryRoot = 1;

    private CgroupLayout _layout;
    private int _generation, _machinePages;
    private readonly PageCounters _counters = new();
    private readonly PageCounters _tcp = new();
    private int[] _tcpOf = [];
    private bool[] _tcpActive = [], _tcpPressure = [];

    // Per socket id: its group, page count, first page (the rest chained through _next), whether charged and live.
    // Ids are handed out in order from 1 in each run, so every id below _socketIdsUsed was written this
    // run; entries at or above it are left from earlier runs and never read (Reset needs no clear).
    private long[] _sockGroup = [];
    private int[] _sockPageCount = [], _sockHead = [];
    private bool[] _sockCharged = [], _sockLive = [];
    private long _nextSocketId, _socketIdsUsed;
    private PageStocks? _stocksField;
    private int[] _counterOf = [];
    private long[] _idOfCounter = [];

    private PageStocks Stocks => _stocksField ??= new PageStocks(_counters);

    // Per pfn, valid where _stamp[pfn] == _generation.
    private int[] _stamp = [];
    private byte[] _kind = [];
    private long[] _owner = [], _charged = [];
    private int[] _prev = [], _next = []; // LRU links (file pages); for anon pages, -1 - task slot and the next older page of the slot's stack
    private int _lruHead = -1, _lruTail = -1;

    // Per task slot: the newest anon page, or -1. Only slots below _taskSlotsUsed are read, here and in
    // the page-table stacks; EnsureTaskSlots sets a slot's heads to -1 and its counts to 0 when it
    // comes into use, so the entries at or above it (left from earlier runs) need no clearing.
    private int[] _anonHead = [];
    private int _taskSlotsUsed;

    // Per cgroup id.
    private long[] _parent = [], _anon = [], _file = [], _high = [], _sock = [];
    private long[] _eventsMax = [], _eventsHigh = [], _eventsLocalMax = [], _eventsLocalHigh = [], _kmemMax = [], _tcpMax = [];
    private bool[] _known = [], _listed = [], _oomGroup = [];
    private ulong[] _term = [];
    private long _idsUsed;

    private ulong _pagesDigest, _groupsDigest;

    /// <summary>Whether a memory.high other than "max" was written since Reset: until then no charge has a high to enforce.</summary>
    private bool _highWritten;
    private int _userPages;

    public ulong Digest => _pagesDigest + _groupsDigest + _kernelDigest + _tablesDigest;

    public void Reset(MachineConfig machine)
    {
        _layout = machine.Layout;
        _machinePages = machine.Pages;
        if (_generation == int.MaxValue)
        {
            Array.Clear(_stamp);
            Array.Clear(_extsStamp);
            _generation = 0;
        }
        _generation++;
        _lruHead = _lruTail = -1;
        _taskSlotsUsed = 0;
        _tablesDigest = 0;
        for (long id = 0; id < _idsUsed; id++) ClearGroup(id);
        _idsUsed = 0;
        _pagesDigest = _groupsDigest = 0;
        _highWritten = false;
        _userPages = 0;
        _counters.Reset();
        _tcp.Reset();
        ResetKernel(machine);
        Stocks.Reset(machine.Cpus, StockSeed(machine));
        _nextSocketId = 1;
        _socketIdsUsed = 0;
        for (long root = 1; root <= machine.Layout.HierarchyCount(); root++) Known(root, parent: 0);
        MapCounter(MemoryRoot, _counters.Create(-1, tracksFailcnt: false));
        _tcpOf[MemoryRoot] = _tcp.Create(-1, tracksFailcnt: false);
        _kmemOf[MemoryRoot] = _kmem.Create(-1, tracksFailcnt: false);
    }

    /// <summary>The stocks' eviction draws come from the machine: a seed made of its page count, CPU count and layout.</summary>
    private static ulong StockSeed(MachineConfig machine) =>
        StateDigest.Mix(((ulong)(uint)machine.Pages << 16) ^ ((ulong)machine.Cpus << 8) ^ (ulong)machine.Layout);

    public long StockedPages => Stocks.TotalHeld;

    /// <summary>The counters, the stocks and the id maps, for planted bugs (test code only).</summary>
    internal PageCounters Counters => _counters;

    internal int CounterOf(long id) => _counterOf[id];

    /// <summary>The counters a charge to the group walks, from the group up to, not including, the root (planted bugs only).</summary>
    internal List<int> ChargedCounters(long group)
    {
        var counters = new List<int>();
        for (long level = group; group != MemoryRoot && _parent[level] != 0; level = _parent[level]) counters.Add(_counterOf[level]);
        return counters;
    }

    internal bool TcpPressureOf(long id) => _tcpPressure[id];

    /// <summary>Sets a group's tcp pressure flag and its digest term as a slip would leave them (planted bugs only).</summary>
    internal void ForceTcpPressure(long id)
    {
        _tcpPressure[id] = true;
        SetTerm(id);
    }

    /// <summary>The task slot's anonymous pages, newest first, with the group each is charged to (planted bugs only).</summary>
    internal List<(int Pfn, long Group)> AnonPages(int taskSlot)
    {
        var pages = new List<(int, long)>();
        for (int pfn = taskSlot < _taskSlotsUsed ? _anonHead[taskSlot] : -1; pfn >= 0; pfn = _next[pfn]) pages.Add((pfn, _charged[pfn]));
        return pages;
    }

    private void MapCounter(long id, int counter)
    {
        if (_counterOf.Length <= id) Array.Resize(ref _counterOf, ArrayGrowth.SizeFor(_counterOf.Length, id + 1));
        _counterOf[id] = counter;
        if (_idOfCounter.Length <= counter) Array.Resize(ref _idOfCounter, ArrayGrowth.SizeFor(_idOfCounter.Length, counter + 1));
        _idOfCounter[counter] = id;
    }

    /// <summary>A group was created: its parent is kept for good; a memory group gets its digest term.</summary>
    public void GroupCreated(long id, long parentId)
    {
        Known(id, parentId);
        if (parentId == 0 || containers.HierarchyOfGroup(id) != _layout.MemoryHierarchy()) return;
        MapCounter(id, _counters.Create(_counterOf[parentId], tracksFailcnt: _layout == CgroupLayout.V1));
        _tcpOf[id] = _tcp.Create(_tcpOf[parentId], tracksFailcnt: false);
        _kmemOf[id] = _kmem.Create(_kmemOf[parentId], tracksFailcnt: false);
        _listed[id] = true;
        SetTerm(id);
    }

    /// <summary>
    /// A group was removed: it lists no more (its user pages stay charged to it) and its obj_cgroup
    /// charges its nearest live ancestor from now on. css_offline drains the stocks first (we drain
    /// them all, which changes no logical count), so its counter keeps exactly what is charged to it.
    /// </summary>
    public void GroupRemoved(long id)
    {
        if (!_listed[id]) return;
        DrainBeforeRemoval(id);
        _listed[id] = false;
        _groupsDigest -= _term[id];
        _term[id] = 0;
        RecheckBreach();
    }

    public Outcome TouchAnon(long pid, int pages) => Touch(pid, pages, Anon);

    public Outcome TouchFile(long pid, int pages) => Touch(pid, pages, File);

    private Outcome Touch(long pid, int pages, byte kind)
    {
        long group = containers.MemoryGroupOf(pid);
        if (group < 0) return Outcome.Fail(Errno.ESRCH);
        int taskSlot = containers.TaskSlotOf(pid);
        int cpu = containers.CurrentCpu;
        for (int touched = 0; touched < pages; touched++)
        {
            if (kind == Anon && !GrowPageTables(pid, taskSlot, out var noTable)) return noTable;
            var page = AllocPages(0, pid);
            if (!page.IsOk)
            {
                TrimPageTables(pid);
                return page;
            }
            if (!Charge(group, cpu, pid))
            {
                buddy.FreePages(page.Value, 0);
                TrimPageTables(pid);
                return Outcome.Fail(Errno.ENOMEM);
            }
            AddPage((int)page.Value, kind, pid, group, taskSlot);
            ReclaimAboveHigh(group);
        }
        return Outcome.Ok(pages);
    }

    /// <summary>User or socket pages for the task: the fast path, else, with everything drained, the slow path.</summary>
    private bool Charge(long group, int cpu, long chargerPid, int pages = 1)
    {
        if (group == MemoryRoot) return true; // the root is never charged
        if (TryChargeFast(group, cpu, pages)) return true;
        DrainEverything();
        return ChargeSlow(group, pages, chargerPid);
    }

    /// <summary>This CPU's stock, else a batch of 64 with the surplus stocked, else exactly the pages; false changes no usage.</summary>
    private bool TryChargeFast(long group, int cpu, int pages)
    {
        int counter = _counterOf[group];
        if (Stocks.Consume(cpu, counter, pages)) return true;
        int batch = Math.Max(PageStocks.ChargeBatch, pages);
        if (_counters.TryCharge(counter, batch) < 0)
        {
            if (batch > pages) Stocks.Refill(cpu, counter, batch - pages);
            return true;
        }
        return batch > pages && _counters.TryCharge(counter, pages) < 0;
    }

    /// <summary>On drained stocks, the model's slow path: the max event on the failing level, a reclaim round there, a retry; then the OOM killer; false (ENOMEM) when neither helps.</summary>
    private bool ChargeSlow(long group, int pages, long chargerPid) => ChargeSlow(group, pages, objcg: -1, objectBytes: 0, chargerPid, out _);

    /// <summary>
    /// The slow path for a constant charge (objcg -1) or for an object of objectBytes through the
    /// obj_cgroup, whose pages are asked again before every try (ByteStocks.PagesNeededFromRemainder:
    /// a reclaim round that frees dentries of the same obj_cgroup changes them); charged says how many.
    /// A round that frees nothing, for at most 8 pages, hands the failing level to the OOM killer; a
    /// kill means a retry unless the charging task was the one killed.
    /// </summary>
    private bool ChargeSlow(long group, int pages, int objcg, int objectBytes, long chargerPid, out int charged)
    {
        int counter = _counterOf[group];
        while (true)
        {
            charged = pages = objcg < 0 ? pages : Bytes.PagesNeededFromRemainder(objcg, objectBytes);
            if (pages == 0) return true;
            int failing = _counters.TryCharge(counter, pages);
            if (failing < 0) return true;
            long overLimit = _idOfCounter[failing];
            CountEvent(overLimit, high: false);
            if (ReclaimRound(overLimit, Math.Max(pages, ReclaimBatchPages)) > 0) continue;
            if (pages > 1 << OomMaxOrder || !MemcgOutOfMemory(overLimit, pages) || containers.TaskSlotOf(chargerPid) < 0) return false;
        }
    }

    /// <summary>mem_cgroup_handle_over_high, on drained stocks: each level above high counts the event and reclaims back to it.</summary>
    private void ReclaimAboveHigh(long group)
    {
        if (_layout != CgroupLayout.V2 || !_highWritten) return;
        bool drained = false;
        for (long level = group; _parent[level] != 0; level = _parent[level])
        {
            if (_counters.Usage(_counterOf[level]) <= _high[level]) continue;
            if (!drained)
            {
                DrainEverything();
                drained = true;
                if (_counters.Usage(_counterOf[level]) <= _high[level]) continue;
            }
            CountEvent(level, high: true);
            ReclaimRound(level, _counters.Usage(_counterOf[level]) - _high[level]);
        }
    }

    public Outcome Unmap(long pid, int pages)
    {
        int taskSlot = containers.TaskSlotOf(pid);
        if (taskSlot < 0) return Outcome.Fail(Errno.ESRCH);
        int freed = 0;
        while (freed < pages && taskSlot < _taskSlotsUsed && _anonHead[taskSlot] >= 0)
        {
            FreePage(_anonHead[taskSlot]);
            freed++;
        }
        TrimPageTables(pid);
        return Outcome.Ok(freed);
    }

    /// <summary>exit_mm: the task's anonymous pages go back, then its page tables. Called with the task's slot, before it can be reused.</summary>
    public void TaskExiting(int taskSlot)
    {
        while (taskSlot < _taskSlotsUsed && _anonHead[taskSlot] >= 0) FreePage(_anonHead[taskSlot]);
        FreePageTables(taskSlot);
    }

    /// <summary>memory.oom.group (the model's SetOomGroup).</summary>
    public Outcome SetOomGroup(long cgroupId, long value)
    {
        long parent = containers.ParentIdOf(cgroupId);
        if (parent <= 0 || containers.HierarchyOfGroup(cgroupId) != _layout.MemoryHierarchy()) return Outcome.Fail(Errno.ENOENT);
        if (_layout == CgroupLayout.V1 || value is not (0 or 1)) return Outcome.Fail(Errno.EINVAL);
        _oomGroup[cgroupId] = value == 1;
        SetTerm(cgroupId);
        return Outcome.Ok(0);
    }

    public Outcome SetLimit(long cgroupId, MemcgCounter counter, long pages)
    {
        long parent = containers.ParentIdOf(cgroupId);
        if (parent <= 0 || containers.HierarchyOfGroup(cgroupId) != _layout.MemoryHierarchy()) return Outcome.Fail(Errno.ENOENT);
        bool v1 = _layout == CgroupLayout.V1;
        if (counter == MemcgCounter.High && v1 || counter is MemcgCounter.Kmem or MemcgCounter.Tcp && !v1) return Outcome.Fail(Errno.ENOENT);
        if (pages == LimitMaxWord) pages = LimitUnlimited;
        else if (pages < 0 || pages > LimitPagesMax || !Enum.IsDefined(counter)) return Outcome.Fail(Errno.EINVAL);
        int slot = _counterOf[cgroupId];
        if (counter is MemcgCounter.Memory or MemcgCounter.High or MemcgCounter.Kmem) DrainEverything();
        switch (counter)
        {
            case MemcgCounter.Memory when v1:
                while (!_counters.SetMax(slot, pages))
                    if (ReclaimRound(cgroupId, ReclaimBatchPages) == 0) return Outcome.Fail(Errno.EBUSY);
                break;
            case MemcgCounter.Memory:
                _counters.ForceMax(slot, pages);
                while (_counters.Usage(slot) > pages)
                    if (ReclaimRound(cgroupId, _counters.Usage(slot) - pages) == 0 && !MemcgOutOfMemory(cgroupId, 0)) break;
                break;
            case MemcgCounter.High:
                _high[cgroupId] = pages;
                _highWritten |= pages != LimitUnlimited;
                ReclaimRound(cgroupId, _counters.Usage(slot) - pages);
                break;
            case MemcgCounter.Kmem:
                if (!_kmem.SetMax(_kmemOf[cgroupId], pages)) return Outcome.Fail(Errno.EBUSY);
                _kmemMax[cgroupId] = pages;
                break;
            default:
                if (!_tcp.SetMax(_tcpOf[cgroupId], pages)) return Outcome.Fail(Errno.EBUSY);
                _tcpMax[cgroupId] = pages;
                _tcpActive[cgroupId] = true;
                break;
        }
        SetTerm(cgroupId);
        RecheckBreach();
        return Outcome.Ok(0);
    }

    public bool OwnsPage(long pfn) => pfn >= 0 && pfn < _stamp.Length && _stamp[pfn] == _generation && _kind[pfn] != None;

    /// <summary>The snapshot kind of a page this layer owns (anonymous, page cache, socket buffer, page table); null for any other page.</summary>
    public AllocationKind? KindOf(long pfn) => !OwnsPage(pfn) ? null
        : _kind[pfn] switch { File => AllocationKind.PageCache, Sock => AllocationKind.Socket, Table => AllocationKind.PageTable, _ => AllocationKind.Anon };

    /// <summary>
    /// A socket of the task's memory group, with ceil(bytes / 4096) pages of the machine: charged on v2
    /// to memory (the stock, a batch, the slow path), on v1 to tcp when a tcp limit was written
    /// (try_charge, no reclaim; the group's pressure flag says how the last charge went).
    /// </summary>
    public Outcome SockAlloc(long pid, long bytes)
    {
        long group = containers.MemoryGroupOf(pid);
        if (group < 0) return Outcome.Fail(Errno.ESRCH);
        int pages = (int)PagesFor(bytes);
        EnsurePageTable();
        int head = -1;
        for (int i = 0; i < pages; i++)
        {
            var page = AllocPages(0, pid);
            if (!page.IsOk)
            {
                FreeChain(head);
                return page;
            }
            int pfn = (int)page.Value;
            _stamp[pfn] = _generation;
            _kind[pfn] = Sock;
            _next[pfn] = head;
            head = pfn;
        }
        bool charged = group != MemoryRoot && (_layout == CgroupLayout.V2 || _tcpActive[group]);
        bool fits = !charged || (_layout == CgroupLayout.V2 ? Charge(group, containers.CurrentCpu, pid, pages) : ChargeTcp(group, pages));
        if (!fits)
        {
            FreeChain(head);
            return Outcome.Fail(Errno.ENOMEM);
        }
        long id = _nextSocketId++;
        EnsureSockets(id + 1);
        (_sockGroup[id], _sockPageCount[id], _sockHead[id], _sockCharged[id], _sockLive[id]) = (group, pages, head, charged, true);
        for (int pfn = head; pfn >= 0; pfn = _next[pfn])
        {
            _owner[pfn] = id;
            _charged[pfn] = group;
            _pagesDigest += StateDigest.SocketPage(pfn, id);
        }
        _pagesDigest += StateDigest.Socket(id, group, pages, charged);
        if (charged && _layout == CgroupLayout.V2)
        {
            for (long level = group; _parent[level] != 0; level = _parent[level]) _sock[level] += pages;
            ReclaimAboveHigh(group);
        }
        return Outcome.Ok(id);
    }

    /// <summary>v1 tcpmem: try_charge on the tcp counters, no reclaim; the pressure flag records whether it fit.</summary>
    private bool ChargeTcp(long group, int pages)
    {
        bool fits = _tcp.TryCharge(_tcpOf[group], pages) < 0;
        if (_tcpPressure[group] != !fits)
        {
            _tcpPressure[group] = !fits;
            SetTerm(group);
        }
        return fits;
    }

    /// <summary>Closes a socket: its pages go back; v2 uncharges through this CPU's stock (refill_stock), v1 from the tcp counters.</summary>
    public Outcome SockFree(long socketId)
    {
        if (socketId <= 0 || socketId >= _socketIdsUsed || !_sockLive[socketId]) return Outcome.Fail(Errno.EINVAL);
        long group = _sockGroup[socketId];
        int pages = _sockPageCount[socketId];
        bool charged = _sockCharged[socketId];
        _sockLive[socketId] = false;
        _pagesDigest -= StateDigest.Socket(socketId, group, pages, charged);
        for (int pfn = _sockHead[socketId]; pfn >= 0; pfn = _next[pfn]) _pagesDigest -= StateDigest.SocketPage(pfn, socketId);
        FreeChain(_sockHead[socketId]);
        if (!charged) return Outcome.Ok(0);
        if (_layout == CgroupLayout.V1)
        {
            _tcp.Uncharge(_tcpOf[group], pages);
            return Outcome.Ok(0);
        }
        for (long level = group; _parent[level] != 0; level = _parent[level]) _sock[level] -= pages;
        // refill_stock, except where a level is above its max (a limit lowered below usage): a stock
        // there would let a later charge skip that limit, so those pages are uncharged directly.
        int counter = _counterOf[group];
        if (MayStock(group)) Stocks.Refill(containers.CurrentCpu, counter, pages);
        else _counters.Uncharge(counter, pages);
        return Outcome.Ok(0);
    }

    /// <summary>True when some level of the counter's chain is above its max, counting what it would give back.</summary>
    private bool AboveMaxOnChain(int counter)
    {
        for (long level = _idOfCounter[counter]; level != 0; level = _parent[level])
            if (HasCounter(level) && _counters.Usage(_counterOf[level]) > _counters.Max(_counterOf[level])) return true;
        return false;
    }

    /// <summary>Gives a socket's chained pages back to the machine.</summary>
    private void FreeChain(int head)
    {
        for (int pfn = head; pfn >= 0;)
        {
            int next = _next[pfn];
            _kind[pfn] = None;
            buddy.FreePages(pfn, 0);
            pfn = next;
        }
    }

    public List<SocketInfo> Sockets()
    {
        var list = new List<SocketInfo>();
        for (long id = 1; id < _socketIdsUsed; id++)
            if (_sockLive[id]) list.Add(new SocketInfo(id, _sockGroup[id], _sockPageCount[id], _sockCharged[id]));
        return list;
    }

    private void EnsureSockets(long count)
    {
        if (count > _socketIdsUsed) _socketIdsUsed = count;
        if (count <= _sockLive.Length) return;
        int size = ArrayGrowth.SizeFor(_sockLive.Length, count);
        Array.Resize(ref _sockGroup, size);
        Array.Resize(ref _sockPageCount, size);
        Array.Resize(ref _sockHead, size);
        Array.Resize(ref _sockCharged, size);
        Array.Resize(ref _sockLive, size);
    }

    /// <summary>Frees up to count page-cache pages charged in the group's subtree, oldest first: the number freed.</summary>
    private long ReclaimBelow(long group, long count)
    {
        long freed = 0;
        for (int pfn = _lruHead; pfn >= 0 && freed < count;)
        {
            int next = _next[pfn];
            if (IsBelow(_charged[pfn], group))
            {
                FreePage(pfn);
                freed++;
            }
            pfn = next;
        }
        return freed;
    }

    /// <summary>Whether the group a page or obj_cgroup charges is the group or below it: the counters' O(1) chain test (dying groups keep their counters).</summary>
    private bool IsBelow(long charged, long group) => _counters.IsDescendant(_counterOf[charged], _counterOf[group]);

    /// <summary>The page table is sized to the machine when its first page is touched, so a run that touches none allocates nothing.</summary>
    private void EnsurePageTable()
    {
        if (_stamp.Length >= _machinePages) return;
        int size = Math.Max(_machinePages, 64);
        Array.Resize(ref _stamp, size);
        Array.Resize(ref _kind, size);
        Array.Resize(ref _owner, size);
        Array.Resize(ref _charged, size);
        Array.Resize(ref _prev, size);
        Array.Resize(ref _next, size);
    }

    private void AddPage(int pfn, byte kind, long owner, long group, int taskSlot)
    {
        EnsurePageTable();
        _stamp[pfn] = _generation;
        _kind[pfn] = kind;
        _owner[pfn] = owner;
        _charged[pfn] = group;
        if (kind == File)
        {
            _prev[pfn] = _lruTail;
            _next[pfn] = -1;
            if (_lruTail >= 0) _next[_lruTail] = pfn;
            else _lruHead = pfn;
            _lruTail = pfn;
        }
        else
        {
            // GrowPageTables, which comes before every anonymous page, has made the slot.
            _prev[pfn] = -1 - taskSlot; // an anonymous page's previous link only names its task slot
            _next[pfn] = _anonHead[taskSlot];
            _anonHead[taskSlot] = pfn;
            _anonCount[taskSlot]++;
        }
        for (long level = group; _parent[level] != 0; level = _parent[level])
        {
            if (kind == File) _file[level]++;
            else _anon[level]++;
        }
        _pagesDigest += StateDigest.UserPage(pfn, kind == File, group, owner);
        _userPages++;
    }

    /// <summary>Takes the page off its list, uncharges every level and gives it back to the machine.</summary>
    private void FreePage(int pfn)
    {
        byte kind = _kind[pfn];
        int prev = _prev[pfn], next = _next[pfn];
        if (kind == File)
        {
            if (prev >= 0) _next[prev] = next;
            else _lruHead = next;
            if (next >= 0) _prev[next] = prev;
            else _lruTail = prev;
        }
        else
        {
            // Anonymous pages leave only from the head of their slot's list (unmap and exit free the
            // newest first), so each list is a stack and the page's previous link names its slot.
            _anonHead[-1 - prev] = next;
            _anonCount[containers.TaskSlotOf(_owner[pfn])]--; // anonymous pages go only while their task lives
        }
        long group = _charged[pfn];
        if (group != MemoryRoot) _counters.Uncharge(_counterOf[group], 1);
        for (long level = group; _parent[level] != 0; level = _parent[level])
        {
            if (kind == File) _file[level]--;
            else _anon[level]--;
        }
        _pagesDigest -= StateDigest.UserPage(pfn, kind == File, group, _owner[pfn]);
        _kind[pfn] = None;
        _userPages--;
        buddy.FreePages(pfn, 0);
    }

    private void CountEvent(long group, bool high)
    {
        if (high) _eventsLocalHigh[group]++;
        else _eventsLocalMax[group]++;
        for (long level = group; _parent[level] != 0; level = _parent[level])
        {
            if (high) _eventsHigh[level]++;
            else _eventsMax[level]++;
            SetTerm(level); // the group itself first: every group an event is counted on has a parent
            if (_layout == CgroupLayout.V1) break;
        }
    }

    public List<CgroupMemoryInfo> Infos()
    {
        var held = HeldBelow();
        var (kernel, reclaimable, unreclaimable, stack, tables) = KernelStats();
        var list = new List<CgroupMemoryInfo>();
        for (long id = 1; id < _idsUsed; id++)
            if (_listed[id])
                list.Add(new CgroupMemoryInfo(id, _counters.Usage(_counterOf[id]) - held[id], _counters.Max(_counterOf[id]), _high[id], _eventsMax[id], _eventsHigh[id],
                    _eventsLocalMax[id], _eventsLocalHigh[id], _anon[id], _file[id], _kmemMax[id], _tcpMax[id], _sock[id], _tcp.Usage(_tcpOf[id]), _tcpActive[id], _tcpPressure[id],
                    kernel[id], reclaimable[id], unreclaimable[id], stack[id], _tcp.Watermark(_tcpOf[id]),
                    _layout == CgroupLayout.V1 ? _kmem.Watermark(_kmemOf[id]) : 0, _oomGroup[id], _oomEvents[id], tables[id]));
        return list;
    }

    /// <summary>The raw watermark and failcnt: they count stocked pages too (compared within KernelConstants.MemcgStockBound).</summary>
    public List<MemcgWatermark> Watermarks()
    {
        var list = new List<MemcgWatermark>();
        for (long id = 1; id < _idsUsed; id++)
            if (_listed[id]) list.Add(new MemcgWatermark(id, _counters.Usage(_counterOf[id]), _counters.Watermark(_counterOf[id]), _counters.Failcnt(_counterOf[id])));
        return list;
    }

    /// <summary>Per group id, the pages the stocks hold for its subtree (what raw usage has more than logical): page stocks, then byte stocks and remainders.</summary>
    private long[] HeldBelow()
    {
        var held = new long[_idsUsed];
        for (long id = 1; id < _idsUsed; id++)
        {
            if (!HasCounter(id)) continue;
            long pages = Stocks.HeldPages(_counterOf[id]);
            if (pages == 0) continue;
            for (long level = id; level != 0; level = _parent[level]) held[level] += pages;
        }
        AddBytesHeld(held);
        return held;
    }

    /// <summary>Memory groups, live or dying, and the memory root have a counter.</summary>
    private bool HasCounter(long id) => id == MemoryRoot || _known[id] && id < _counterOf.Length && _counterOf[id] > 0;

    /// <summary>Every user page, read off the lists (page cache LRU, each task's anonymous pages), sorted by pfn.</summary>
    public List<UserPageInfo> UserPages()
    {
        var list = new List<UserPageInfo>(_userPages);
        foreach (int pfn in ListedPages()) list.Add(new UserPageInfo(pfn, _kind[pfn] == File, _owner[pfn], _charged[pfn]));
        list.Sort((a, b) => a.Pfn.CompareTo(b.Pfn));
        return list;
    }

    /// <summary>The pages on the LRU, then on each task slot's anonymous list; stops after more pages than exist (a broken list).</summary>
    private IEnumerable<int> ListedPages()
    {
        int budget = _userPages + 1;
        for (int pfn = _lruHead; pfn >= 0 && budget-- > 0; pfn = _next[pfn]) yield return pfn;
        for (int slot = 0; slot < _taskSlotsUsed; slot++)
            for (int pfn = _anonHead[slot]; pfn >= 0 && budget-- > 0; pfn = _next[pfn]) yield return pfn;
    }

    /// <summary>Removed memory groups (no digest term, not a root) that user pages or charged sockets of their subtree still reference.</summary>
    public List<DyingMemcgInfo> DyingMemcgs()
    {
        var list = new List<DyingMemcgInfo>();
        var held = HeldBelow();
        for (long id = 1; id < _idsUsed; id++)
            if (_known[id] && !_listed[id] && _parent[id] != 0 && HasCounter(id) && (_anon[id] + _file[id] + _sock[id] > 0 || _tcp.Usage(_tcpOf[id]) > 0))
                list.Add(new DyingMemcgInfo(id, _parent[id], _counters.Usage(_counterOf[id]) - held[id]));
        return list;
    }

    /// <summary>
    /// Walks the lists: exactly the user-page count of owned pages, each of the kind its list says,
    /// and recounts every group's usage and the digest from them (S15).
    /// </summary>
    public void CheckConsistency(SelfCheckReport report)
    {
        var usage = new long[_idsUsed];
        ulong digest = 0;
        int listed = 0;
        for (int pfn = _lruHead; pfn >= 0 && listed <= _userPages; pfn = _next[pfn], listed++)
            if (!OwnsPage(pfn) || _kind[pfn] != File) report.Fail(StructureInvariant.MemcgPages, $"pfn {pfn} is on the page-cache LRU but is not a page-cache page");
        for (int slot = 0; slot < _taskSlotsUsed; slot++)
            for (int pfn = _anonHead[slot]; pfn >= 0 && listed <= _userPages; pfn = _next[pfn], listed++)
                if (!OwnsPage(pfn) || _kind[pfn] != Anon) report.Fail(StructureInvariant.MemcgPages, $"pfn {pfn} is on task slot {slot}'s anonymous list but is not an anonymous page");
        if (listed != _userPages) report.Fail(StructureInvariant.MemcgPages, $"the lists hold {listed} pages but {_userPages} user pages are owned");
        CheckResidentCounts(report);
        CheckPageTables(report);
        foreach (int pfn in ListedPages())
        {
            digest += StateDigest.UserPage(pfn, _kind[pfn] == File, _charged[pfn], _owner[pfn]);
            for (long level = _charged[pfn]; _parent[level] != 0; level = _parent[level]) usage[level]++;
        }
        for (long id = 1; id < _socketIdsUsed; id++)
        {
            if (!_sockLive[id]) continue;
            digest += StateDigest.Socket(id, _sockGroup[id], _sockPageCount[id], _sockCharged[id]);
            for (int pfn = _sockHead[id]; pfn >= 0; pfn = _next[pfn]) digest += StateDigest.SocketPage(pfn, id);
            if (!_sockCharged[id] || _layout != CgroupLayout.V2) continue;
            for (long level = _sockGroup[id]; _parent[level] != 0; level = _parent[level]) usage[level] += _sockPageCount[id];
        }
        var held = HeldBelow();
        var (kernel, _, _, _, _) = KernelStats();
        for (long id = 1; id < _idsUsed; id++)
        {
            if (!HasCounter(id) || id == MemoryRoot) continue;
            long logical = _counters.Usage(_counterOf[id]) - held[id];
            usage[id] += _listed[id] ? kernel[id] : _frozenKernel[id];
            if (usage[id] != logical)
                report.Fail(StructureInvariant.MemcgPages, $"memcg {id} counts {logical} pages (raw {_counters.Usage(_counterOf[id])}, stocked below {held[id]}) but {usage[id]} are charged in its subtree");
        }
        CheckCounterOwners(report);
        _counters.CheckConsistency(report);
        Stocks.CheckConsistency(report);
        if (digest != _pagesDigest) report.Fail(StructureInvariant.MemcgPages, "the user and socket pages' digest is stale");
        _tcp.CheckConsistency(report);
        CheckKernel(report);
    }

    /// <summary>
    /// Each group with a counter (memory groups, live or dying, and the memory root) owns exactly one
    /// memory, one tcp and one kmem counter, and no counter outlives the run that made it (Reset
    /// empties the three pools); a counter no group owns is a leak a long campaign would pile up.
    /// </summary>
    private void CheckCounterOwners(SelfCheckReport report)
    {
        int owners = 0;
        for (long id = 1; id < _idsUsed; id++)
            if (HasCounter(id)) owners++;
        if (_counters.LiveCount != owners || _tcp.LiveCount != owners || _kmem.LiveCount != owners)
            report.Fail(StructureInvariant.MemcgPages, $"{owners} groups own counters but the memory, tcp and kmem pools hold {_counters.LiveCount}, {_tcp.LiveCount} and {_kmem.LiveCount}");
    }

    /// <summary>A listed group's digest term, after any of its limits or events changed.</summary>
    private void SetTerm(long id)
    {
        if (!_listed[id]) return;
        _groupsDigest -= _term[id];
        _term[id] = StateDigest.Memcg(id, _counters.Max(_counterOf[id]), _high[id], _eventsMax[id], _eventsHigh[id], _eventsLocalMax[id], _eventsLocalHigh[id], _kmemMax[id], _tcpMax[id], _tcpActive[id], _tcpPressure[id], _oomGroup[id])
            + StateDigest.MemcgOom(id, _oomEvents[id]);
        _groupsDigest += _term[id];
    }

    private void Known(long id, long parent)
    {
        EnsureIds(id + 1);
        _known[id] = true;
        _parent[id] = parent;
        _high[id] = _kmemMax[id] = _tcpMax[id] = LimitUnlimited;
    }

    private void ClearGroup(long id)
    {
        _known[id] = _listed[id] = false;
        _parent[id] = _anon[id] = _file[id] = _sock[id] = 0;
        _tcpOf[id] = _kmemOf[id] = 0;
        _objcgWholePages[id] = _objcgReclaimable[id] = _objcgStackPages[id] = _objcgTablePages[id] = _frozenKernel[id] = 0;
        _tcpActive[id] = _tcpPressure[id] = _oomGroup[id] = false;
        _eventsMax[id] = _eventsHigh[id] = _eventsLocalMax[id] = _eventsLocalHigh[id] = 0;
        _oomEvents[id] = default;
        _high[id] = _kmemMax[id] = _tcpMax[id] = LimitUnlimited;
        if (id < _counterOf.Length) _counterOf[id] = 0;
        _term[id] = 0;
    }

    private void EnsureIds(long count)
    {
        if (count > _idsUsed) _idsUsed = count;
        if (count <= _parent.Length) return;
        int size = ArrayGrowth.SizeFor(_parent.Length, count);
        Array.Resize(ref _parent, size);
        Array.Resize(ref _anon, size);
        Array.Resize(ref _file, size);
        Array.Resize(ref _high, size);
        Array.Resize(ref _eventsMax, size);
        Array.Resize(ref _eventsHigh, size);
        Array.Resize(ref _eventsLocalMax, size);
        Array.Resize(ref _eventsLocalHigh, size);
        Array.Resize(ref _kmemMax, size);
        Array.Resize(ref _tcpMax, size);
        Array.Resize(ref _known, size);
        Array.Resize(ref _sock, size);
        Array.Resize(ref _tcpOf, size);
        Array.Resize(ref _kmemOf, size);
        Array.Resize(ref _objcgWholePages, size);
        Array.Resize(ref _objcgReclaimable, size);
        Array.Resize(ref _frozenKernel, size);
        Array.Resize(ref _objcgStackPages, size);
        Array.Resize(ref _objcgTablePages, size);
        Array.Resize(ref _tcpActive, size);
        Array.Resize(ref _tcpPressure, size);
        Array.Resize(ref _listed, size);
        Array.Resize(ref _oomGroup, size);
        Array.Resize(ref _oomEvents, size);
        Array.Resize(ref _term, size);
    }

    private void EnsureTaskSlots(int count)
    {
        if (count > _anonHead.Length)
        {
            Array.Resize(ref _anonHead, ArrayGrowth.SizeFor(_anonHead.Length, count));
            Array.Resize(ref _anonCount, _anonHead.Length);
            Array.Resize(ref _tableHead, _anonHead.Length);
            Array.Resize(ref _tableCount, _anonHead.Length);
        }
        if (count > _taskSlotsUsed)
        {
            Array.Fill(_anonHead, -1, _taskSlotsUsed, count - _taskSlotsUsed);
            Array.Clear(_anonCount, _taskSlotsUsed, count - _taskSlotsUsed);
            Array.Fill(_tableHead, -1, _taskSlotsUsed, count - _taskSlotsUsed);
            Array.Clear(_tableCount, _taskSlotsUsed, count - _taskSlotsUsed);
            _taskSlotsUsed = count;
        }
    }
}
