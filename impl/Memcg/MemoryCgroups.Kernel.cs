using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Impl.Memcg;

/// <summary>
/// Kernel memory, optimized; the semantics are the model's (model/Memcg/MemoryCgroups.Kernel.cs).
/// An obj_cgroup is named by its group's id (ids are never reused) and is charged in the current
/// task's group. Structures and what they guarantee:
///   ByteStocks: the per-CPU byte stocks and each obj_cgroup's pages, live bytes and
///     nr_charged_bytes (S13). IObjcgPageSink maps an obj_cgroup to the nearest live group at or
///     above its own (reparenting without moving anything), and uncharges memory and kmem there.
///   obj_exts: per slab head pfn, an array of the obj_cgroup of each object (0: not charged), grown
///     on need and kept across slabs and runs (cleared through the list of heads that have one, so
///     a run allocates only when a slab is bigger than any before at that pfn). An entry is non-zero
///     exactly while its object is live and charged.
///   whole-page charges: per first pfn, the obj_cgroup and page count, plus a dense list of those
///     pfns for snapshots and the self-check.
///   per obj_cgroup: whole pages, kernel-stack pages and live reclaimable object bytes (the rest of
///     its live bytes, which ByteStocks counts, are unreclaimable).
///   the kmem counters (a PageCounters tree beside memory's): they count logical pages (per
///     obj_cgroup whole pages plus ceil(live bytes / 4096)), charged by the logical pages a charge
///     adds and uncharged by those a free removes, never through a stock: kmem usage and its
///     watermark equal the model's exactly, with no drain.
/// Decisions equal the model's: a charge first tries the fast path (the byte stock; else the page
/// stock or a batch, with kmem); any success there is one the model makes too, because a stock is
/// held for a group only while no level of its chain is above its max, so raw usage (which
/// includes the stock) fitting implies logical usage fitting. A fast-path failure changes nothing
/// and goes to DrainEverything, after which raw equals logical and the model's slow path runs on
/// exactly the pages the model charges.
/// </summary>
public sealed partial class MemoryCgroups : IObjcgPageSink, Slab.IVmallocPageCharger
{
    private ByteStocks? _bytesField;
    private readonly PageCounters _kmem = new();
    private int[] _kmemOf = [];

    private ByteStocks Bytes => _bytesField ??= new ByteStocks(this);

    // obj_exts: per head pfn.
    private int[]?[] _objExts = [];
    private int[] _extsSize = [], _extsStamp = [], _extsHeads = [];
    private bool[] _extsReclaimable = [];
    private int _extsHeadCount;

    // Whole-page charges: per first pfn (valid where _pageObjcg != 0) with kind and count, and a dense list with positions.
    private int[] _pageObjcg = [], _pageCount = [], _pagePos = [], _pageList = [];
    private KernelChargeKind[] _pageKind = [];
    private int _pageListCount;

    // Per obj_cgroup (group id).
    // Unreclaimable object bytes are ByteStocks.LiveBytes minus the reclaimable ones.
    private long[] _objcgWholePages = [], _objcgReclaimable = [], _objcgStackPages = [], _objcgTablePages = [];

    /// <summary>Per removed group: the kernel pages its counter kept when it was removed (for the self-check's recount).</summary>
    private long[] _frozenKernel = [];

    /// <summary>True from a memory.max write that left a group above its max until a limit write or removal finds none: frees then check their chain before stocking.</summary>
    private bool _limitBreached;

    private ulong _kernelDigest;

    /// <summary>The removed group's obj_cgroup loses its byte remainder, as a reparenting slip would (planted bugs only).</summary>
    internal void DropObjcgRemainder(long id) => Bytes.DropRemainder((int)id);

    private void ResetKernel(MachineConfig machine)
    {
        Bytes.Reset(machine.Cpus);
        _kmem.Reset();
        for (int i = 0; i < _extsHeadCount; i++) Array.Clear(_objExts[_extsHeads[i]]!);
        _extsHeadCount = 0;
        for (int i = 0; i < _pageListCount; i++) _pageObjcg[_pageList[i]] = 0;
        _pageListCount = 0;
        _limitBreached = false;
        _kernelDigest = 0;
    }

    /// <summary>The group an obj_cgroup charges now: its own while live, else the nearest live ancestor (the root at worst).</summary>
    private long MemcgOfObjcg(long objcg)
    {
        long group = objcg;
        while (group != MemoryRoot && !_listed[group]) group = _parent[group];
        return group;
    }

    /// <summary>
    /// A new slab object at location was allocated: charged in bytes when its cache is accounted or
    /// the request had __GFP_ACCOUNT, to the group of the charging task (the current one unless a
    /// fork names the forking task); false (nothing charged) on ENOMEM.
    /// </summary>
    public bool ChargeObject(in Slab.SlabObjectRef location, bool gfpAccount, long chargingPid = -1)
    {
        if (!location.Accounted && !gfpAccount) return true;
        long charger = chargingPid < 0 ? containers.CurrentTask : chargingPid;
        long group = containers.MemoryGroupOf(charger);
        if (group == MemoryRoot) return true;
        int objcg = (int)group, size = (int)ObjcgFullSize(location.SizeBytes), cpu = containers.CurrentCpu;
        if (!TryChargeObjectFast(group, cpu, objcg, size))
        {
            DrainEverything();
            if (!ChargeSlow(group, 0, objcg, size, charger, out int pages) || pages > 0 && !KmemFitsAfterMemory(group, pages)) return false;
            Bytes.ChargedFromRemainder(objcg, size, pages);
        }
        RecordObject(location, objcg);
        ReclaimAboveHigh(group);
        return true;
    }

    /// <summary>Set by the kernel: the memcg-aware dentry shrink reclaim rounds use when page cache falls short.</summary>
    public IDentryShrinker? DentryShrinker { get; set; }

    /// <summary>Whether the object at location is charged to the group's subtree now (its obj_cgroup's group at or below it).</summary>
    public bool IsObjectChargedBelow(in Slab.SlabObjectRef location, long group)
    {
        if (location.Head >= _objExts.Length || _objExts[location.Head] is not { } exts || location.Index >= exts.Length || exts[location.Index] == 0) return false;
        return IsBelow(MemcgOfObjcg(exts[location.Index]), group);
    }

    /// <summary>
    /// One reclaim round (the model's ReclaimRound): page cache of the subtree, oldest first; when
    /// short, dentries charged to the subtree, ReclaimDentriesPerPage per page short. Their frees go
    /// through the byte stocks, so the stocks are drained again: the decisions after a round see raw
    /// usage equal to logical usage, as before it.
    /// </summary>
    private long ReclaimRound(long group, long count)
    {
        long freed = ReclaimBelow(group, count);
        if (freed < count && DentryShrinker is { } shrinker)
        {
            long dentries = shrinker.ShrinkBelow(group, (count - freed) * ReclaimDentriesPerPage);
            if (dentries > 0) DrainEverything();
            freed += dentries;
        }
        if (freed > 0) ReclaimFreed?.Invoke();
        return freed;
    }

    /// <summary>A charged object at location was freed (kfree, kmem_cache_free): its bytes go back through this CPU's byte stock.</summary>
    public void UnchargeObject(in Slab.SlabObjectRef location)
    {
        int head = location.Head;
        if (head >= _objExts.Length || _objExts[head] is not { } exts || location.Index >= exts.Length || exts[location.Index] == 0) return;
        int objcg = exts[location.Index];
        exts[location.Index] = 0;
        int size = (int)ObjcgFullSize(_extsSize[head]);
        CountObject(objcg, head, location.Index, size, -1);
        long live = Bytes.LiveBytes(objcg);
        int kmemPages = (int)(PagesFor(live) - PagesFor(live - size));
        if (kmemPages > 0) _kmem.Uncharge(_kmemOf[MemcgOfObjcg(objcg)], kmemPages);
        if (_limitBreached && !MayStock(MemcgOfObjcg(objcg))) Bytes.FreeToRemainder(objcg, size);
        else Bytes.Free(containers.CurrentCpu, objcg, size);
    }

    bool Slab.IVmallocPageCharger.ChargeVmallocPage(int pfn) => ChargePages(pfn, 1, KernelChargeKind.Vmalloc);

    void Slab.IVmallocPageCharger.UnchargeVmallocPage(int pfn) => UnchargePages(pfn);

    /// <summary>An accounted allocation of pages at pfn (a large kmalloc, an alloc_pages block, a vmalloc page): charged in the current task's group; false on ENOMEM.</summary>
    public bool ChargePages(long pfn, int pages, KernelChargeKind kind, long chargingPid = -1)
    {
        long charger = chargingPid < 0 ? containers.CurrentTask : chargingPid;
        long group = containers.MemoryGroupOf(charger);
        if (group == MemoryRoot) return true;
        int cpu = containers.CurrentCpu;
        if (!TryChargeKernelFast(group, cpu, pages))
        {
            DrainEverything();
            if (!ChargeKernelDrained(group, pages, charger)) return false;
        }
        EnsureKernelPages();
        int at = (int)pfn;
        (_pageObjcg[at], _pageCount[at], _pagePos[at], _pageKind[at]) = ((int)group, pages, _pageListCount, kind);
        _pageList[_pageListCount++] = at;
        _objcgWholePages[group] += pages;
        if (kind == KernelChargeKind.KernelStack) _objcgStackPages[group] += pages;
        if (kind == KernelChargeKind.PageTable) _objcgTablePages[group] += pages;
        _kernelDigest += StateDigest.KernelCharge(kind, pfn, group, pages);
        ReclaimAboveHigh(group);
        return true;
    }

    /// <summary>The pages at pfn were freed: if charged, uncharged from the obj_cgroup's group now, through this CPU's page stock when it may hold them.</summary>
    public void UnchargePages(long pfn)
    {
        if (pfn >= _pageObjcg.Length || _pageObjcg[pfn] == 0) return;
        int at = (int)pfn, objcg = _pageObjcg[at], pages = _pageCount[at];
        _pageObjcg[at] = 0;
        int last = _pageList[--_pageListCount];
        _pageList[_pagePos[at]] = last;
        _pagePos[last] = _pagePos[at];
        _objcgWholePages[objcg] -= pages;
        if (_pageKind[at] == KernelChargeKind.KernelStack) _objcgStackPages[objcg] -= pages;
        if (_pageKind[at] == KernelChargeKind.PageTable) _objcgTablePages[objcg] -= pages;
        _kernelDigest -= StateDigest.KernelCharge(_pageKind[at], pfn, objcg, pages);
        long memcg = MemcgOfObjcg(objcg);
        _kmem.Uncharge(_kmemOf[memcg], pages);
        if (pages <= PageStocks.ChargeBatch && MayStock(memcg)) Stocks.Refill(containers.CurrentCpu, _counterOf[memcg], pages);
        else _counters.Uncharge(_counterOf[memcg], pages);
    }

    /// <summary>
    /// An object's fast path: memory from this CPU's byte stock, else PagesFor(size) pages from the page
    /// stock or a batch; then kmem for the logical pages the object adds to its obj_cgroup (the kmem
    /// counter counts logical pages, so its decisions and watermark are the model's). Memory first, as
    /// the model charges it first: a kmem failure undoes the memory part and leaves the decision to
    /// the slow path, which repeats the same kmem try after the same memory charge.
    /// </summary>
    private bool TryChargeObjectFast(long group, int cpu, int objcg, int size)
    {
        var bytes = Bytes;
        bool hit = bytes.CanConsume(cpu, objcg, size);
        int pages = ByteStocks.PagesFor(size);
        if (!hit && !TryChargeFast(group, cpu, pages)) return false;
        long live = bytes.LiveBytes(objcg);
        int kmemPages = (int)(PagesFor(live + size) - PagesFor(live));
        if (kmemPages > 0 && _kmem.TryCharge(_kmemOf[group], kmemPages) >= 0)
        {
            if (!hit) _counters.Uncharge(_counterOf[group], pages);
            return false;
        }
        if (hit) bytes.TryConsume(cpu, objcg, size);
        else bytes.Charged(cpu, objcg, size, slabObject: true);
        return true;
    }

    /// <summary>Whole pages' fast path: memory's stock or batch, then kmem for the same pages; false leaves every usage as it was.</summary>
    private bool TryChargeKernelFast(long group, int cpu, int pages)
    {
        if (!TryChargeFast(group, cpu, pages)) return false;
        if (_kmem.TryCharge(_kmemOf[group], pages) < 0) return true;
        _counters.Uncharge(_counterOf[group], pages);
        return false;
    }

    /// <summary>On drained stocks, the model's charge: memory with its slow path, then kmem (ENOMEM without reclaim, the memory charge cancelled).</summary>
    private bool ChargeKernelDrained(long group, int pages, long chargerPid) => ChargeSlow(group, pages, chargerPid) && KmemFitsAfterMemory(group, pages);

    /// <summary>The memory charge of pages went through: kmem takes them too, else the memory charge is cancelled (false: ENOMEM).</summary>
    private bool KmemFitsAfterMemory(long group, int pages)
    {
        if (_kmem.TryCharge(_kmemOf[group], pages) < 0) return true;
        _counters.Uncharge(_counterOf[group], pages);
        return false;
    }

    /// <summary>
    /// Every page stock and byte stock drained and every obj_cgroup's remainder trimmed below a page
    /// (ByteStocks.TrimRemainder): afterwards each raw counter equals logical usage exactly. Our
    /// departure from the kernel, which drains per CPU and keeps nr_charged_bytes as they are.
    /// </summary>
    private void DrainEverything()
    {
        Stocks.DrainAll();
        var bytes = Bytes;
        bytes.DrainAll();
        for (int objcg = 0; objcg < bytes.ObjcgsUsed; objcg++) bytes.TrimRemainder(objcg);
    }

    /// <summary>Whether pages given back in the group may go to a page stock: a live non-root group none of whose levels is above its max.</summary>
    private bool MayStock(long group) =>
        group != MemoryRoot && _listed[group] && !(_limitBreached && AboveMaxOnChain(_counterOf[group]));

    /// <summary>After a limit write or a removal: whether any live group is still above its max.</summary>
    private void RecheckBreach()
    {
        _limitBreached = false;
        for (long id = 1; id < _idsUsed && !_limitBreached; id++)
            if (_listed[id] && _counters.Usage(_counterOf[id]) > _counters.Max(_counterOf[id])) _limitBreached = true;
    }

    // The byte stocks give back raw pages; kmem counts logical pages, which those moves do not change.
    void IObjcgPageSink.UnchargePages(int objcg, int pages) => _counters.Uncharge(_counterOf[MemcgOfObjcg(objcg)], pages);

    void IObjcgPageSink.RefillPages(int cpu, int objcg, int pages)
    {
        long memcg = MemcgOfObjcg(objcg);
        if (MayStock(memcg)) Stocks.Refill(cpu, _counterOf[memcg], pages);
        else _counters.Uncharge(_counterOf[memcg], pages);
    }

    /// <summary>
    /// A group is about to be removed: the stocks that hold its obj_cgroups' bytes are drained and
    /// their remainders trimmed, so its counter keeps exactly the model's pages; the kernel pages it
    /// keeps are noted for the self-check.
    /// </summary>
    private void DrainBeforeRemoval(long id)
    {
        DrainEverything();
        long pages = 0;
        for (long objcg = 1; objcg < _idsUsed && objcg < _objcgWholePages.Length; objcg++)
        {
            long held = _objcgWholePages[objcg] + PagesFor(Bytes.LiveBytes((int)objcg));
            if (held > 0 && IsBelow(MemcgOfObjcg(objcg), id)) pages += held; // only charged ids are obj_cgroups
        }
        _frozenKernel[id] = pages;
    }

    private void RecordObject(in Slab.SlabObjectRef location, int objcg)
    {
        int head = location.Head;
        EnsureExts(head, location.ObjectsPerSlab);
        _objExts[head]![location.Index] = objcg;
        _extsSize[head] = location.SizeBytes;
        _extsReclaimable[head] = location.Reclaimable;
        CountObject(objcg, head, location.Index, (int)ObjcgFullSize(location.SizeBytes), +1);
    }

    private void CountObject(int objcg, int head, int index, int size, int sign)
    {
        bool reclaimable = _extsReclaimable[head];
        if (reclaimable) _objcgReclaimable[objcg] += sign * size;
        ulong term = StateDigest.KernelCharge(reclaimable ? KernelChargeKind.SlabReclaimable : KernelChargeKind.Slab, ObjectAddress(head, index), objcg, size);
        _kernelDigest += sign > 0 ? term : 0UL - term;
    }

    private long ObjectAddress(int head, int index) => ((long)head << PageShift) + (long)index * _extsSize[head];

    /// <summary>The head has an obj_exts array of at least objects entries, listed for this run.</summary>
    private void EnsureExts(int head, int objects)
    {
        if (_objExts.Length <= head)
        {
            int size = Math.Max(_machinePages, head + 1);
            Array.Resize(ref _objExts, size);
            Array.Resize(ref _extsSize, size);
            Array.Resize(ref _extsStamp, size);
            Array.Resize(ref _extsReclaimable, size);
            Array.Resize(ref _extsHeads, size);
        }
        if (_objExts[head] is not { } exts || exts.Length < objects) _objExts[head] = new int[objects];
        if (_extsStamp[head] == _generation) return;
        _extsStamp[head] = _generation;
        _extsHeads[_extsHeadCount++] = head;
    }

    private void EnsureKernelPages()
    {
        if (_pageObjcg.Length >= _machinePages) return;
        int size = Math.Max(_machinePages, 64);
        Array.Resize(ref _pageObjcg, size);
        Array.Resize(ref _pageCount, size);
        Array.Resize(ref _pagePos, size);
        Array.Resize(ref _pageList, size);
        Array.Resize(ref _pageKind, size);
    }

    /// <summary>Every live charged object (from the obj_exts of this run's heads), then every whole-page charge.</summary>
    private IEnumerable<KernelChargeInfo> ListKernelCharges()
    {
        for (int i = 0; i < _extsHeadCount; i++)
        {
            int head = _extsHeads[i];
            var exts = _objExts[head]!;
            var kind = _extsReclaimable[head] ? KernelChargeKind.SlabReclaimable : KernelChargeKind.Slab;
            for (int index = 0; index < exts.Length; index++)
                if (exts[index] != 0) yield return new KernelChargeInfo(kind, ObjectAddress(head, index), exts[index], MemcgOfListedObjcg(exts[index]), ObjcgFullSize(_extsSize[head]));
        }
        for (int i = 0; i < _pageListCount; i++)
        {
            int pfn = _pageList[i];
            yield return new KernelChargeInfo(_pageKind[pfn], pfn, _pageObjcg[pfn], MemcgOfListedObjcg(_pageObjcg[pfn]), _pageCount[pfn]);
        }
    }

    /// <summary>MemcgOfObjcg for a listed charge, 0 for an id no obj_cgroup has (a corruption S16 reports): such an id has no parents to walk, and walking them would never end.</summary>
    private long MemcgOfListedObjcg(long objcg) => objcg > 0 && objcg < _idsUsed ? MemcgOfObjcg(objcg) : 0;

    public List<KernelChargeInfo> KernelCharges()
    {
        var list = ListKernelCharges().ToList();
        list.Sort((a, b) => a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind) : a.Key.CompareTo(b.Key));
        return list;
    }

    /// <summary>Per group id, the logical kernel pages (whole pages plus ceil(live bytes / 4096) per obj_cgroup), slab bytes, kernel stack bytes and page-table bytes of its subtree.</summary>
    private (long[] Pages, long[] Reclaimable, long[] Unreclaimable, long[] StackBytes, long[] TableBytes) KernelStats()
    {
        var (pages, reclaimable, unreclaimable, stack, tables) = (new long[_idsUsed], new long[_idsUsed], new long[_idsUsed], new long[_idsUsed], new long[_idsUsed]);
        for (long objcg = 1; objcg < _idsUsed && objcg < _objcgWholePages.Length; objcg++)
        {
            long live = Bytes.LiveBytes((int)objcg);
            long whole = _objcgWholePages[objcg] + PagesFor(live);
            if (whole == 0) continue;
            for (long level = MemcgOfObjcg(objcg); level != 0; level = _parent[level])
            {
                pages[level] += whole;
                reclaimable[level] += _objcgReclaimable[objcg];
                unreclaimable[level] += live - _objcgReclaimable[objcg];
                stack[level] += _objcgStackPages[objcg] * PageSizeBytes;
                tables[level] += _objcgTablePages[objcg] * PageSizeBytes;
            }
        }
        return (pages, reclaimable, unreclaimable, stack, tables);
    }

    /// <summary>Per group id, the pages the byte stocks and remainders hold beyond logical usage: floor(bytes held / 4096) per obj_cgroup, from its group now up.</summary>
    private void AddBytesHeld(long[] held)
    {
        var bytes = Bytes;
        for (int objcg = 1; objcg < bytes.ObjcgsUsed; objcg++)
        {
            long pages = PageBits.PageOf(bytes.BytesHeld(objcg));
            if (pages == 0) continue;
            for (long level = MemcgOfObjcg(objcg); level != 0; level = _parent[level]) held[level] += pages;
        }
    }

    /// <summary>
    /// S16: the obj_exts and whole-page lists recount each obj_cgroup's live bytes (equal to ByteStocks'
    /// and to the per-obj_cgroup counts), whole pages and the digest; each live group's kmem counter
    /// equals the pages its subtree's obj_cgroups hold; the kmem tree and the byte stocks pass their own checks.
    /// </summary>
    private void CheckKernel(SelfCheckReport report)
    {
        const string S16 = StructureInvariant.MemcgKernel;
        var (reclaimable, unreclaimable, whole) = (new long[_idsUsed], new long[_idsUsed], new long[_idsUsed]);
        ulong digest = 0;
        foreach (var charge in ListKernelCharges())
        {
            digest += StateDigest.KernelCharge(charge.Kind, charge.Key, charge.Objcg, charge.Amount);
            if (charge.Objcg <= 0 || charge.Objcg >= _idsUsed) { report.Fail(S16, $"{charge} names no group"); continue; }
            if (!charge.IsObject) whole[charge.Objcg] += charge.Amount;
            else if (charge.Kind == KernelChargeKind.SlabReclaimable) reclaimable[charge.Objcg] += charge.Amount;
            else unreclaimable[charge.Objcg] += charge.Amount;
        }
        if (digest != _kernelDigest) report.Fail(S16, "the kernel charges' digest is stale");
        var bytes = Bytes;
        var kmem = new long[_idsUsed];
        for (long objcg = 1; objcg < _idsUsed && !report.IsFull; objcg++)
        {
            long recorded = objcg < _objcgWholePages.Length ? _objcgWholePages[objcg] : 0;
            long recordedReclaimable = objcg < _objcgReclaimable.Length ? _objcgReclaimable[objcg] : 0;
            if (recorded != whole[objcg] || recordedReclaimable != reclaimable[objcg])
                report.Fail(S16, $"objcg {objcg} counts {recorded} whole pages and {recordedReclaimable} reclaimable object bytes; its charges hold {whole[objcg]} and {reclaimable[objcg]}");
            if (bytes.LiveBytes((int)objcg) != reclaimable[objcg] + unreclaimable[objcg])
                report.Fail(S16, $"objcg {objcg}: the byte stocks count {bytes.LiveBytes((int)objcg)} live bytes, its charged objects {reclaimable[objcg] + unreclaimable[objcg]}");
            long holds = PagesFor(bytes.LiveBytes((int)objcg)) + whole[objcg];
            if (holds == 0) continue;
            for (long level = MemcgOfObjcg(objcg); level != 0; level = _parent[level]) kmem[level] += holds;
        }
        for (long id = 1; id < _idsUsed && !report.IsFull; id++)
            if (_listed[id] && _kmem.Usage(_kmemOf[id]) != kmem[id])
                report.Fail(S16, $"memcg {id}: kmem counts {_kmem.Usage(_kmemOf[id])} pages, its subtree's obj_cgroups hold {kmem[id]}");
        _kmem.CheckConsistency(report);
        bytes.CheckConsistency(report);
    }
}
