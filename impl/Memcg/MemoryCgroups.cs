using Verify.Impl.Buddy;
using Verify.Impl.Cgroups;
using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Impl.Memcg;

/// <summary>
/// Memory-cgroup accounting of user memory, optimized. The semantics are the model's
/// (model/Memcg/MemoryCgroups.cs); the structures:
///   groups by id: a cgroup id is never reused, so every per-group array is indexed by id; a
///     group's parent id is kept after it is removed, so a page charged to a removed (dying) group
///     still uncharges its ancestors. Usage, anon and file counts are hierarchical counters,
///     updated on each level of the chain (O(depth)), as page_counter does; try_charge walks up
///     and undoes the levels below the first one that would go above max.
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
public sealed class MemoryCgroups(BuddyAllocator buddy, ProcessContainers containers)
{
    private const byte None = 0, Anon = 1, File = 2;
    private const long MemoryRoot = 1;

    private CgroupLayout _layout;
    private int _generation;

    // Per pfn, valid where _stamp[pfn] == _generation.
    private int[] _stamp = [];
    private byte[] _kind = [];
    private long[] _owner = [], _charged = [];
    private int[] _prev = [], _next = []; // LRU links (file pages) or the owner's anon list links (anon pages)
    private int _lruHead = -1, _lruTail = -1;

    // Per task slot: the newest anon page, or -1.
    private int[] _anonHead = [];
    private int _taskSlotsUsed;

    // Per cgroup id.
    private long[] _parent = [], _usage = [], _anon = [], _file = [], _max = [], _high = [], _peak = [], _failcnt = [];
    private long[] _eventsMax = [], _eventsHigh = [], _eventsLocalMax = [], _eventsLocalHigh = [], _kmemMax = [], _tcpMax = [];
    private bool[] _known = [], _listed = [];
    private ulong[] _term = [];
    private long _idsUsed;

    private ulong _pagesDigest, _groupsDigest;
    private int _userPages;

    public ulong Digest => _pagesDigest + _groupsDigest;

    public void Reset(MachineConfig machine)
    {
        _layout = machine.Layout;
        if (_stamp.Length < machine.Pages)
        {
            int size = Math.Max(machine.Pages, 64);
            _stamp = new int[size];
            _kind = new byte[size];
            _owner = new long[size];
            _charged = new long[size];
            _prev = new int[size];
            _next = new int[size];
        }
        if (_generation == int.MaxValue)
        {
            Array.Clear(_stamp);
            _generation = 0;
        }
        _generation++;
        _lruHead = _lruTail = -1;
        Array.Fill(_anonHead, -1, 0, _taskSlotsUsed);
        _taskSlotsUsed = 0;
        for (long id = 0; id < _idsUsed; id++) ClearGroup(id);
        _idsUsed = 0;
        _pagesDigest = _groupsDigest = 0;
        _userPages = 0;
        for (long root = 1; root <= machine.Layout.HierarchyCount(); root++) Known(root, parent: 0);
    }

    /// <summary>A group was created: its parent is kept for good; a memory group gets its digest term.</summary>
    public void GroupCreated(long id, long parentId)
    {
        Known(id, parentId);
        if (parentId == 0 || containers.HierarchyOfGroup(id) != _layout.MemoryHierarchy()) return;
        _listed[id] = true;
        SetTerm(id);
    }

    /// <summary>A group was removed: it lists no more (its pages stay charged to it).</summary>
    public void GroupRemoved(long id)
    {
        if (!_listed[id]) return;
        _listed[id] = false;
        _groupsDigest -= _term[id];
        _term[id] = 0;
    }

    public Outcome TouchAnon(long pid, int pages) => Touch(pid, pages, Anon);

    public Outcome TouchFile(long pid, int pages) => Touch(pid, pages, File);

    private Outcome Touch(long pid, int pages, byte kind)
    {
        long group = containers.MemoryGroupOf(pid);
        if (group < 0) return Outcome.Fail(Errno.ESRCH);
        int taskSlot = containers.TaskSlotOf(pid);
        for (int touched = 0; touched < pages; touched++)
        {
            var page = buddy.AllocPages(0);
            while (!page.IsOk && _lruHead >= 0)
            {
                FreePage(_lruHead);
                page = buddy.AllocPages(0);
            }
            if (!page.IsOk) return page;
            if (!Charge(group))
            {
                buddy.FreePages(page.Value, 0);
                return Outcome.Fail(Errno.ENOMEM);
            }
            AddPage((int)page.Value, kind, pid, group, taskSlot);
            ReclaimAboveHigh(group);
        }
        return Outcome.Ok(pages);
    }

    /// <summary>try_charge of one page with the slow path (max event, reclaim a round on the failing level, retry).</summary>
    private bool Charge(long group)
    {
        while (true)
        {
            long failing = TryCharge(group);
            if (failing == 0) return true;
            if (_layout == CgroupLayout.V1) _failcnt[failing]++;
            CountEvent(failing, high: false);
            if (ReclaimBelow(failing, ReclaimBatchPages) == 0) return false;
        }
    }

    /// <summary>Charges every level up to, not including, the root; 0, or the first level that would go above max (every level below it undone).</summary>
    private long TryCharge(long group)
    {
        for (long level = group; _parent[level] != 0; level = _parent[level])
        {
            if (_usage[level] + 1 <= _max[level])
            {
                _usage[level]++;
                if (_usage[level] > _peak[level]) _peak[level] = _usage[level];
                continue;
            }
            for (long undo = group; undo != level; undo = _parent[undo]) _usage[undo]--;
            return level;
        }
        return 0;
    }

    private void ReclaimAboveHigh(long group)
    {
        if (_layout != CgroupLayout.V2) return;
        for (long level = group; _parent[level] != 0; level = _parent[level])
        {
            long over = _usage[level] - _high[level];
            if (over <= 0) continue;
            CountEvent(level, high: true);
            ReclaimBelow(level, over);
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
        return Outcome.Ok(freed);
    }

    /// <summary>exit_mm: the task's anonymous pages go back. Called with the task's slot, before it can be reused.</summary>
    public void TaskExiting(int taskSlot)
    {
        while (taskSlot < _taskSlotsUsed && _anonHead[taskSlot] >= 0) FreePage(_anonHead[taskSlot]);
    }

    public Outcome SetLimit(long cgroupId, MemcgCounter counter, long pages)
    {
        long parent = containers.ParentIdOf(cgroupId);
        if (parent <= 0 || containers.HierarchyOfGroup(cgroupId) != _layout.MemoryHierarchy()) return Outcome.Fail(Errno.ENOENT);
        bool v1 = _layout == CgroupLayout.V1;
        if (counter == MemcgCounter.High && v1 || counter is MemcgCounter.Kmem or MemcgCounter.Tcp && !v1) return Outcome.Fail(Errno.ENOENT);
        if (pages == LimitMaxWord) pages = LimitUnlimited;
        else if (pages < 0 || pages > LimitPagesMax || !Enum.IsDefined(counter)) return Outcome.Fail(Errno.EINVAL);
        switch (counter)
        {
            case MemcgCounter.Memory when v1:
                while (_usage[cgroupId] > pages)
                    if (ReclaimBelow(cgroupId, ReclaimBatchPages) == 0) return Outcome.Fail(Errno.EBUSY);
                _max[cgroupId] = pages;
                break;
            case MemcgCounter.Memory:
                _max[cgroupId] = pages;
                ReclaimBelow(cgroupId, _usage[cgroupId] - pages);
                break;
            case MemcgCounter.High:
                _high[cgroupId] = pages;
                ReclaimBelow(cgroupId, _usage[cgroupId] - pages);
                break;
            case MemcgCounter.Kmem:
                _kmemMax[cgroupId] = pages;
                break;
            default:
                _tcpMax[cgroupId] = pages;
                break;
        }
        SetTerm(cgroupId);
        return Outcome.Ok(0);
    }

    public bool OwnsPage(long pfn) => pfn >= 0 && pfn < _stamp.Length && _stamp[pfn] == _generation && _kind[pfn] != None;

    public bool IsPageCache(long pfn) => OwnsPage(pfn) && _kind[pfn] == File;

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

    private bool IsBelow(long charged, long group)
    {
        for (long level = charged; level != 0; level = _parent[level])
            if (level == group) return true;
        return false;
    }

    private void AddPage(int pfn, byte kind, long owner, long group, int taskSlot)
    {
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
            EnsureTaskSlots(taskSlot + 1);
            int head = _anonHead[taskSlot];
            _prev[pfn] = -1 - taskSlot; // a negative previous link names the owning task slot
            _next[pfn] = head;
            if (head >= 0) _prev[head] = pfn;
            _anonHead[taskSlot] = pfn;
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
            if (prev >= 0) _next[prev] = next;
            else _anonHead[-1 - prev] = next;
            if (next >= 0) _prev[next] = prev;
        }
        long group = _charged[pfn];
        for (long level = group; _parent[level] != 0; level = _parent[level])
        {
            _usage[level]--;
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
            SetTerm(level);
            if (_layout == CgroupLayout.V1) break;
        }
        SetTerm(group);
    }

    public List<CgroupMemoryInfo> Infos()
    {
        var list = new List<CgroupMemoryInfo>();
        for (long id = 1; id < _idsUsed; id++)
            if (_listed[id])
                list.Add(new CgroupMemoryInfo(id, _usage[id], _max[id], _high[id], _eventsMax[id], _eventsHigh[id], _eventsLocalMax[id], _eventsLocalHigh[id],
                    _anon[id], _file[id], _kmemMax[id], _tcpMax[id]));
        return list;
    }

    public List<MemcgWatermark> Watermarks()
    {
        var list = new List<MemcgWatermark>();
        for (long id = 1; id < _idsUsed; id++)
            if (_listed[id]) list.Add(new MemcgWatermark(id, _peak[id], _failcnt[id]));
        return list;
    }

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

    /// <summary>Removed memory groups (no digest term, not a root) that still hold charges.</summary>
    public List<DyingMemcgInfo> DyingMemcgs()
    {
        var list = new List<DyingMemcgInfo>();
        for (long id = 1; id < _idsUsed; id++)
            if (_known[id] && !_listed[id] && _parent[id] != 0 && _usage[id] > 0) list.Add(new DyingMemcgInfo(id, _parent[id], _usage[id]));
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
        foreach (int pfn in ListedPages())
        {
            digest += StateDigest.UserPage(pfn, _kind[pfn] == File, _charged[pfn], _owner[pfn]);
            for (long level = _charged[pfn]; _parent[level] != 0; level = _parent[level]) usage[level]++;
        }
        for (long id = 1; id < _idsUsed; id++)
            if (_known[id] && _parent[id] != 0 && usage[id] != _usage[id])
                report.Fail(StructureInvariant.MemcgPages, $"memcg {id} counts {_usage[id]} pages but {usage[id]} are charged in its subtree");
        if (digest != _pagesDigest) report.Fail(StructureInvariant.MemcgPages, "the user pages' digest is stale");
    }

    /// <summary>A listed group's digest term, after any of its limits or events changed.</summary>
    private void SetTerm(long id)
    {
        if (!_listed[id]) return;
        _groupsDigest -= _term[id];
        _term[id] = StateDigest.Memcg(id, _max[id], _high[id], _eventsMax[id], _eventsHigh[id], _eventsLocalMax[id], _eventsLocalHigh[id], _kmemMax[id], _tcpMax[id]);
        _groupsDigest += _term[id];
    }

    private void Known(long id, long parent)
    {
        EnsureIds(id + 1);
        _known[id] = true;
        _parent[id] = parent;
        _max[id] = _high[id] = _kmemMax[id] = _tcpMax[id] = LimitUnlimited;
    }

    private void ClearGroup(long id)
    {
        _known[id] = _listed[id] = false;
        _parent[id] = _usage[id] = _anon[id] = _file[id] = _peak[id] = _failcnt[id] = 0;
        _eventsMax[id] = _eventsHigh[id] = _eventsLocalMax[id] = _eventsLocalHigh[id] = 0;
        _max[id] = _high[id] = _kmemMax[id] = _tcpMax[id] = LimitUnlimited;
        _term[id] = 0;
    }

    private void EnsureIds(long count)
    {
        if (count > _idsUsed) _idsUsed = count;
        if (count <= _parent.Length) return;
        int size = (int)Math.Max(count, Math.Max(16, _parent.Length * 2L));
        Array.Resize(ref _parent, size);
        Array.Resize(ref _usage, size);
        Array.Resize(ref _anon, size);
        Array.Resize(ref _file, size);
        Array.Resize(ref _max, size);
        Array.Resize(ref _high, size);
        Array.Resize(ref _peak, size);
        Array.Resize(ref _failcnt, size);
        Array.Resize(ref _eventsMax, size);
        Array.Resize(ref _eventsHigh, size);
        Array.Resize(ref _eventsLocalMax, size);
        Array.Resize(ref _eventsLocalHigh, size);
        Array.Resize(ref _kmemMax, size);
        Array.Resize(ref _tcpMax, size);
        Array.Resize(ref _known, size);
        Array.Resize(ref _listed, size);
        Array.Resize(ref _term, size);
    }

    private void EnsureTaskSlots(int count)
    {
        if (count > _anonHead.Length)
        {
            int old = _anonHead.Length;
            Array.Resize(ref _anonHead, Math.Max(count, Math.Max(16, old * 2)));
            Array.Fill(_anonHead, -1, old, _anonHead.Length - old);
        }
        if (count > _taskSlotsUsed)
        {
            Array.Fill(_anonHead, -1, _taskSlotsUsed, count - _taskSlotsUsed);
            _taskSlotsUsed = count;
        }
    }
}
