using Verify.Model.Buddy;
using Verify.Model.Cgroups;
using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Model.Memcg;

/// <summary>
/// The reference model of memory-cgroup accounting for user memory and sockets (KERNEL-FACTS.md,
/// "Page counters" and "Memory cgroup charging"; kernel memory is in MemoryCgroups.Kernel.cs), kept plain: a list of live user pages, each with the
/// chain of groups it is charged to (fixed when it was charged: from its group up to the root);
/// a group's usage is the number of pages whose chain names it, recounted whenever asked. The
/// root is never charged: its chain entries count nowhere and it has no limit.
/// Charging one page to group G (try_charge): the lowest level of G's chain (the root excluded)
/// that one more page would take above its max fails; v1 counts failcnt there. On failure, on that
/// level (mem_over_limit): count the max event, reclaim a round (up to ReclaimBatchPages pages of
/// page cache of its subtree, oldest first), retry; ENOMEM when a round frees nothing. After a
/// successful charge on v2, each level from G up whose usage is above its high counts the high
/// event and reclaims its subtree back under high. A page the machine cannot give is taken from
/// the oldest page cache of any group first (global reclaim); then ENOMEM.
/// </summary>
public sealed partial class MemoryCgroups
{
    private sealed class UserPage(long pfn, bool file, long ownerPid, long[] chain, long sequence)
    {
        public long Pfn { get; } = pfn;
        public bool File { get; } = file;
        public long OwnerPid { get; } = ownerPid;
        public long[] Chain { get; } = chain;
        public long Sequence { get; } = sequence;
        public long Group => Chain[0];
    }

    /// <summary>A socket: the chain of its group when it was made, its buffer pages, whether they are charged (v2 memory, v1 tcp).</summary>
    private sealed class Socket(long id, long[] chain, List<long> pfns, bool charged)
    {
        public long Id { get; } = id;
        public long[] Chain { get; } = chain;
        public List<long> Pfns { get; } = pfns;
        public bool Charged { get; } = charged;
        public long Group => Chain[0];
    }

    private sealed class Limits
    {
        public long Max { get; set; } = LimitUnlimited;
        public long High { get; set; } = LimitUnlimited;
        public long KmemMax { get; set; } = LimitUnlimited;
        public long TcpMax { get; set; } = LimitUnlimited;
        public long EventsMax { get; set; }
        public long EventsHigh { get; set; }
        public long EventsLocalMax { get; set; }
        public long EventsLocalHigh { get; set; }
        public long Peak { get; set; }
        public long Failcnt { get; set; }
        public bool TcpActive { get; set; }
        public bool TcpPressure { get; set; }

        /// <summary>The tcp counter's watermark (page_counter_try_charge bumps it on every level it charged, a failure's lower levels too).</summary>
        public long TcpPeak { get; set; }

        /// <summary>The kmem counter's watermark, as for tcp (kept on both layouts, reported on v1).</summary>
        public long KmemPeak { get; set; }

        /// <summary>memory.oom.group (v2).</summary>
        public bool OomGroup { get; set; }

        /// <summary>memory.events oom, oom_kill, oom_group_kill and their .local.</summary>
        public OomEvents Oom { get; set; }

        /// <summary>Set when the group is removed: the kernel pages its counter keeps from then on.</summary>
        public long? FrozenKernel { get; set; }
    }

    private readonly CgroupLayout _layout;
    private readonly BuddyAllocator _buddy;
    private readonly ProcessContainers _containers;
    private readonly List<UserPage> _pages = [];
    private readonly List<Socket> _sockets = [];
    private long _nextSocketId = 1;
    private readonly Dictionary<long, Limits> _limits = [];
    private long _sequence;
    private ulong? _digest;

    public MemoryCgroups(MachineConfig machine, BuddyAllocator buddy, ProcessContainers containers)
    {
        _layout = machine.Layout;
        _buddy = buddy;
        _containers = containers;
    }

    public Outcome TouchAnon(long pid, int pages) => Touch(pid, pages, file: false);

    public Outcome TouchFile(long pid, int pages) => Touch(pid, pages, file: true);

    private Outcome Touch(long pid, int pages, bool file)
    {
        _digest = null;
        if (_containers.MemoryGroupOf(pid) is not { } group) return ProcessContainers.NoSuchTask();
        var chain = _containers.ChainOf(group)!;
        for (int touched = 0; touched < pages; touched++)
        {
            var outcome = TouchOne(pid, chain, file);
            if (!outcome.IsOk) return outcome;
        }
        return Outcome.Ok(pages);
    }

    /// <summary>
    /// One fault: for an anonymous page, a page-table page first when the task needs one more; then a
    /// page from the machine (after global reclaim if need be), then its charge. The page goes back if
    /// the charge fails, and so does a table taken for it.
    /// </summary>
    private Outcome TouchOne(long pid, long[] chain, bool file)
    {
        if (!file)
        {
            var table = GrowPageTables(pid);
            if (!table.IsOk) return table;
        }
        var page = AllocPages(0, pid);
        if (!page.IsOk)
        {
            TrimPageTables(pid);
            return page;
        }
        var charged = Charge(chain, 1, pid);
        if (!charged.IsOk)
        {
            _buddy.FreePages(page.Value, 0);
            TrimPageTables(pid);
            return charged;
        }
        _pages.Add(new UserPage(page.Value, file, pid, chain, _sequence++));
        ReclaimAboveHigh(chain);
        return Outcome.Ok(0);
    }

    /// <summary>try_charge of pages with the slow path: max event, a reclaim round on the failing level, retry; then the OOM killer; else ENOMEM.</summary>
    private Outcome Charge(long[] chain, int pages, long chargerPid) => Charge(chain, () => pages, chargerPid);

    /// <summary>
    /// The same for a charge whose size is asked again before every try (an object's pages depend on
    /// its obj_cgroup's bytes, which a reclaim round that frees dentries changes): Ok with the pages
    /// charged, none when it needs none. When a reclaim round frees nothing and the charge is at most
    /// 8 pages, the failing level counts oom and the OOM killer runs in its subtree; a kill means a
    /// retry, unless the charging task was the one killed (ENOMEM: it is gone).
    /// </summary>
    private Outcome Charge(long[] chain, Func<int> need, long chargerPid)
    {
        var levels = chain[..^1];
        while (true)
        {
            int pages = need();
            if (pages == 0) return Outcome.Ok(0);
            var usage = Usages(levels);
            // The lowest level that one more page would take above its max (-1: none). Levels charged on the way,
            // below it, bump their watermark even though the failure undoes them (page_counter_try_charge).
            int failing = -1;
            for (int i = 0; i < levels.Length && failing < 0; i++)
                if (usage[i] + pages > Limit(levels[i]).Max) failing = i;
            for (int i = 0; i < (failing < 0 ? levels.Length : failing); i++) Limit(levels[i]).Peak = Math.Max(Limit(levels[i]).Peak, usage[i] + pages);
            if (failing < 0) return Outcome.Ok(pages);
            long overLimit = levels[failing];
            if (_layout == CgroupLayout.V1) Limit(overLimit).Failcnt++;
            CountEvent(overLimit, high: false);
            if (ReclaimRound(overLimit, Math.Max(pages, ReclaimBatchPages)) > 0) continue;
            if (pages > 1 << OomMaxOrder || !MemcgOutOfMemory(overLimit, pages) || _containers.MemoryGroupOf(chargerPid) is null) return Outcome.Fail(Errno.ENOMEM);
        }
    }

    /// <summary>mem_cgroup_handle_over_high: from the group up, each level above high counts the event and reclaims its subtree back to high.</summary>
    private void ReclaimAboveHigh(long[] chain)
    {
        if (_layout != CgroupLayout.V2) return;
        for (int i = 0; i < chain.Length - 1; i++)
        {
            long level = chain[i];
            if (Limit(level).High == LimitUnlimited) continue;
            long over = Usage(level) - Limit(level).High;
            if (over <= 0) continue;
            CountEvent(level, high: true);
            ReclaimRound(level, over);
        }
    }

    /// <summary>The usage of each of the levels (by index): one pass over the pages and the sockets charged to memory, plus kernel pages.</summary>
    private long[] Usages(long[] levels)
    {
        var usage = new long[levels.Length];
        foreach (var page in _pages)
            for (int i = 0; i < levels.Length; i++)
                if (Array.IndexOf(page.Chain, levels[i]) >= 0) usage[i]++;
        foreach (var socket in MemorySockets())
            for (int i = 0; i < levels.Length; i++)
                if (Array.IndexOf(socket.Chain, levels[i]) >= 0) usage[i] += socket.Pfns.Count;
        for (int i = 0; i < levels.Length; i++) usage[i] += KernelPages(levels[i]);
        return usage;
    }

    /// <summary>Sockets whose pages count in memory: charged ones on v2.</summary>
    private IEnumerable<Socket> MemorySockets() => _layout == CgroupLayout.V2 ? _sockets.Where(s => s.Charged) : [];

    /// <summary>Sockets whose pages count in tcp: charged ones on v1.</summary>
    private IEnumerable<Socket> TcpSockets() => _layout == CgroupLayout.V1 ? _sockets.Where(s => s.Charged) : [];

    public Outcome SockAlloc(long pid, long bytes)
    {
        _digest = null;
        if (_containers.MemoryGroupOf(pid) is not { } group) return ProcessContainers.NoSuchTask();
        var chain = _containers.ChainOf(group)!;
        int pages = (int)PagesFor(bytes);
        var pfns = new List<long>();
        for (int i = 0; i < pages; i++)
        {
            var page = AllocPages(0, pid);
            if (!page.IsOk)
            {
                foreach (long pfn in pfns) _buddy.FreePages(pfn, 0);
                return page;
            }
            pfns.Add(page.Value);
        }
        bool charged = chain.Length > 1 && (_layout == CgroupLayout.V2 || Limit(group).TcpActive);
        var outcome = !charged ? Outcome.Ok(0) : _layout == CgroupLayout.V2 ? Charge(chain, pages, pid) : ChargeTcp(chain, group, pages);
        if (!outcome.IsOk)
        {
            foreach (long pfn in pfns) _buddy.FreePages(pfn, 0);
            return outcome;
        }
        long id = _nextSocketId++;
        _sockets.Add(new Socket(id, chain, pfns, charged));
        if (charged && _layout == CgroupLayout.V2) ReclaimAboveHigh(chain);
        return Outcome.Ok(id);
    }

    /// <summary>v1 tcpmem: try_charge on the tcp counters, no reclaim; a failure sets the group's pressure and fails, a success clears it.</summary>
    private Outcome ChargeTcp(long[] chain, long group, int pages)
    {
        bool fits = true;
        foreach (long level in Charged(chain))
        {
            long usage = TcpUsage(level) + pages;
            if (usage > Limit(level).TcpMax)
            {
                fits = false;
                break;
            }
            Limit(level).TcpPeak = Math.Max(Limit(level).TcpPeak, usage);
        }
        Limit(group).TcpPressure = !fits;
        return fits ? Outcome.Ok(0) : Outcome.Fail(Errno.ENOMEM);
    }

    public Outcome SockFree(long socketId)
    {
        _digest = null;
        var socket = _sockets.Find(s => s.Id == socketId);
        if (socket is null) return Outcome.Fail(Errno.EINVAL);
        _sockets.Remove(socket);
        foreach (long pfn in socket.Pfns) _buddy.FreePages(pfn, 0);
        return Outcome.Ok(0);
    }

    private long TcpUsage(long group) => TcpSockets().Where(s => s.Chain.Contains(group)).Sum(s => (long)s.Pfns.Count);

    private long SockPages(long group) => MemorySockets().Where(s => s.Chain.Contains(group)).Sum(s => (long)s.Pfns.Count);

    public Outcome Unmap(long pid, int pages)
    {
        _digest = null;
        if (_containers.MemoryGroupOf(pid) is null) return ProcessContainers.NoSuchTask();
        var mine = _pages.Where(p => !p.File && p.OwnerPid == pid).OrderByDescending(p => p.Sequence).Take(pages).ToList();
        foreach (var page in mine) Free(page);
        TrimPageTables(pid);
        return Outcome.Ok(mine.Count);
    }

    /// <summary>exit_mm: every anonymous page of the task goes back, then its page tables (page cache stays where it was charged).</summary>
    public void TaskExited(long pid)
    {
        _digest = null;
        foreach (var page in _pages.Where(p => !p.File && p.OwnerPid == pid).ToList()) Free(page);
        FreePageTables(pid);
    }

    /// <summary>memory.oom.group: ENOENT for a root or no live group of the memory hierarchy; EINVAL on v1 or for a value other than 0 and 1.</summary>
    public Outcome SetOomGroup(long cgroupId, long value)
    {
        _digest = null;
        var chain = _containers.ChainOf(cgroupId);
        if (chain is null || chain.Length == 1 || _containers.HierarchyOf(cgroupId) != _layout.MemoryHierarchy()) return Outcome.Fail(Errno.ENOENT);
        if (_layout == CgroupLayout.V1 || value is not (0 or 1)) return Outcome.Fail(Errno.EINVAL);
        Limit(cgroupId).OomGroup = value == 1;
        return Outcome.Ok(0);
    }

    public Outcome SetLimit(long cgroupId, MemcgCounter counter, long pages)
    {
        _digest = null;
        var chain = _containers.ChainOf(cgroupId);
        if (chain is null || chain.Length == 1 || _containers.HierarchyOf(cgroupId) != _layout.MemoryHierarchy()) return Outcome.Fail(Errno.ENOENT);
        bool v1 = _layout == CgroupLayout.V1;
        if (counter == MemcgCounter.High && v1 || counter is MemcgCounter.Kmem or MemcgCounter.Tcp && !v1) return Outcome.Fail(Errno.ENOENT);
        if (pages == LimitMaxWord) pages = LimitUnlimited;
        else if (pages < 0 || pages > LimitPagesMax || !Enum.IsDefined(counter)) return Outcome.Fail(Errno.EINVAL);
        var limit = Limit(cgroupId);
        switch (counter)
        {
            case MemcgCounter.Memory when v1:
                // memory.limit_in_bytes: reclaim while it makes progress; EBUSY when usage still does not fit.
                while (Usage(cgroupId) > pages)
                    if (ReclaimRound(cgroupId, ReclaimBatchPages) == 0) return Outcome.Fail(Errno.EBUSY);
                limit.Max = pages;
                return Outcome.Ok(0);
            case MemcgCounter.Memory:
                // memory.max: always accepted, then reclaim while it makes progress, then an oom and a kill per round.
                limit.Max = pages;
                while (Usage(cgroupId) > pages)
                    if (ReclaimRound(cgroupId, Usage(cgroupId) - pages) == 0 && !MemcgOutOfMemory(cgroupId, 0)) break;
                return Outcome.Ok(0);
            case MemcgCounter.High:
                limit.High = pages;
                ReclaimRound(cgroupId, Usage(cgroupId) - pages);
                return Outcome.Ok(0);
            case MemcgCounter.Kmem:
                // memory.kmem.limit_in_bytes (enforced as in 4.x to 5.15): plain set_max on the kmem counter, no reclaim.
                if (KernelPages(cgroupId) > pages) return Outcome.Fail(Errno.EBUSY);
                limit.KmemMax = pages;
                return Outcome.Ok(0);
            default:
                // memory.kmem.tcp.limit_in_bytes: plain set_max, no reclaim; any write makes the group's new sockets accounted.
                if (TcpUsage(cgroupId) > pages) return Outcome.Fail(Errno.EBUSY);
                limit.TcpMax = pages;
                limit.TcpActive = true;
                return Outcome.Ok(0);
        }
    }

    /// <summary>Whether the page is a user page, a socket buffer page or a page table (free_pages must refuse it).</summary>
    public bool OwnsPage(long pfn) => _pages.Any(p => p.Pfn == pfn) || _sockets.Any(s => s.Pfns.Contains(pfn)) || OwnsPageTable(pfn);

    /// <summary>Every live non-root memory group, its usage and stat (user pages counted in one pass over them).</summary>
    public List<CgroupMemoryInfo> Infos()
    {
        var ids = _containers.LiveGroups(_layout.MemoryHierarchy()).Order().ToList();
        var (anon, file) = (ids.ToDictionary(id => id, _ => 0L), ids.ToDictionary(id => id, _ => 0L));
        foreach (var page in _pages)
        {
            var counts = page.File ? file : anon;
            foreach (long id in page.Chain)
                if (counts.TryGetValue(id, out long count)) counts[id] = count + 1;
        }
        return ids.Select(id =>
        {
            var limit = Limit(id);
            long sock = SockPages(id), kernel = KernelPages(id);
            return new CgroupMemoryInfo(id, anon[id] + file[id] + sock + kernel, limit.Max, limit.High, limit.EventsMax, limit.EventsHigh, limit.EventsLocalMax, limit.EventsLocalHigh,
                anon[id], file[id], limit.KmemMax, limit.TcpMax, sock, TcpUsage(id), limit.TcpActive, limit.TcpPressure,
                kernel, SlabBytes(id, reclaimable: true), SlabBytes(id, reclaimable: false), KernelPagesBytes(id, KernelChargeKind.KernelStack), limit.TcpPeak,
                _layout == CgroupLayout.V1 ? limit.KmemPeak : 0, limit.OomGroup, limit.Oom, KernelPagesBytes(id, KernelChargeKind.PageTable));
        }).ToList();
    }

    public List<SocketInfo> Sockets() => _sockets.OrderBy(s => s.Id).Select(s => new SocketInfo(s.Id, s.Group, s.Pfns.Count, s.Charged)).ToList();

    /// <summary>The pfns of every socket buffer page.</summary>
    public HashSet<long> SocketPages() => _sockets.SelectMany(s => s.Pfns).ToHashSet();

    public List<UserPageInfo> UserPages() => _pages.OrderBy(p => p.Pfn).Select(p => new UserPageInfo(p.Pfn, p.File, p.OwnerPid, p.Group)).ToList();

    /// <summary>Groups that pages are charged to, that are neither live nor a root: removed ones, with their parent (the next id of a page's chain).</summary>
    public List<DyingMemcgInfo> DyingMemcgs()
    {
        var live = _containers.LiveGroups(_layout.MemoryHierarchy()).ToHashSet();
        return _pages.Select(p => p.Chain).Concat(_sockets.Where(s => s.Charged).Select(s => s.Chain)).SelectMany(chain => chain.Zip(chain.Skip(1), (id, parent) => (id, parent)))
            .Where(link => !live.Contains(link.id)).Distinct().OrderBy(link => link.id)
            .Select(link => new DyingMemcgInfo(link.id, link.parent, Usage(link.id))).ToList();
    }

    /// <summary>Every live non-root memory group's raw figures, in id order (LiveGroups lists groups as they were made, ids rising).</summary>
    public List<MemcgWatermark> Watermarks() => _containers.LiveGroups(_layout.MemoryHierarchy())
        .Select(id => new MemcgWatermark(id, Usage(id), Limit(id).Peak, Limit(id).Failcnt)).ToList();

    /// <summary>A group was created or removed: the groups listed change.</summary>
    public void GroupsChanged() => _digest = null;

    /// <summary>Recomputed from the lists after any call that can change them, else the last value.</summary>
    public ulong Digest()
    {
        if (_digest is { } known) return known;
        ulong digest = 0;
        foreach (var page in _pages) digest += StateDigest.UserPage(page.Pfn, page.File, page.Group, page.OwnerPid);
        foreach (long id in _containers.LiveGroups(_layout.MemoryHierarchy()))
        {
            var l = Limit(id);
            digest += StateDigest.Memcg(id, l.Max, l.High, l.EventsMax, l.EventsHigh, l.EventsLocalMax, l.EventsLocalHigh, l.KmemMax, l.TcpMax, l.TcpActive, l.TcpPressure, l.OomGroup);
            digest += StateDigest.MemcgOom(id, l.Oom);
        }
        foreach (var socket in _sockets)
        {
            digest += StateDigest.Socket(socket.Id, socket.Group, socket.Pfns.Count, socket.Charged);
            foreach (long pfn in socket.Pfns) digest += StateDigest.SocketPage(pfn, socket.Id);
        }
        digest += KernelDigest() + PageTablesDigest();
        _digest = digest;
        return digest;
    }

    /// <summary>Frees up to count page-cache pages from the candidates, oldest first: the number freed.</summary>
    private long ReclaimOldest(IEnumerable<UserPage> candidates, long count)
    {
        var victims = candidates.OrderBy(p => p.Sequence).Take((int)Math.Clamp(count, 0, int.MaxValue)).ToList();
        foreach (var page in victims) Free(page);
        return victims.Count;
    }

    private void Free(UserPage page)
    {
        _pages.Remove(page);
        _buddy.FreePages(page.Pfn, 0);
    }

    /// <summary>memory.events: the group and its non-root ancestors, .local the group only; v1 counts locally only.</summary>
    private void CountEvent(long group, bool high)
    {
        var local = Limit(group);
        if (high) local.EventsLocalHigh++;
        else local.EventsLocalMax++;
        var levels = _layout == CgroupLayout.V1 ? new[] { group } : Charged(_containers.ChainOf(group)!);
        foreach (long level in levels)
        {
            if (high) Limit(level).EventsHigh++;
            else Limit(level).EventsMax++;
        }
    }

    /// <summary>The levels of a chain that have a counter of their own: all but the root.</summary>
    private static IEnumerable<long> Charged(long[] chain) => chain.Take(chain.Length - 1);

    private long Usage(long group) => ChargedTo(group).Count() + SockPages(group) + KernelPages(group);

    private IEnumerable<UserPage> ChargedTo(long group) => _pages.Where(p => p.Chain.Contains(group));

    private IEnumerable<UserPage> FileIn(long group) => ChargedTo(group).Where(p => p.File);

    private Limits Limit(long group)
    {
        if (!_limits.TryGetValue(group, out var limit)) _limits[group] = limit = new Limits();
        return limit;
    }
}
