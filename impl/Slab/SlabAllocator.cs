using System.Runtime.InteropServices;
using System.Numerics;
using Verify.Impl.Buddy;
using Verify.Model.Contract;
using Verify.Model.Slab;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Impl.Slab;

/// <summary>
/// The slab allocator as SLUB would build it, within the placement contract. Guarantees:
/// - page state in a flat array indexed by pfn: every page of a slab records its head pfn and its
///   cache in one 8-byte entry, so object-to-slab lookup is one load; pages in no slab hold (-1, -1);
/// - each slab's objects are tracked in its SlabRecordTable record (in-use count, summary, free
///   and accounted bitmaps);
/// - obj_to_index is a multiplication by a reciprocal (ReciprocalDivision), stored per cache;
/// - per cache, a PfnMinHeap of exactly its slabs that have a free object (the partial list, empty
///   slabs included): the lowest free address of the cache is in the lowest such slab, found in O(1),
///   and kept in O(log slabs);
/// - per cache, counters of active and accounted objects and of slabs, so nothing is recounted;
/// - no heap allocation per object or per slab once the arrays have grown.
/// CheckConsistency verifies all of these against each other (S3, S4, S5).
/// </summary>
public sealed class SlabAllocator
{
    /// <summary>The slab a page belongs to: Head is -1 for a page in no slab.</summary>
    private record struct SlabOwner(int Head, int CacheId);

    private struct CacheState
    {
        public bool Live;

        /// <summary>The setup caches' names; null for caches made by CacheCreate, whose name follows from the id (creating one allocates nothing).</summary>
        public string? SetupName;
        public int ObjectSizeBytes, SizeBytes, Order, ObjectsPerSlab, MinPartial, MinOrder, BitmapWords;
        public ulong IndexMultiplier;
        public SlabFlags Flags;
        public bool Accounted;
        public long ActiveObjects, AccountedObjects, Slabs;
    }

    private readonly BuddyAllocator _buddy;
    private readonly int[][] _heapPositions = [[]];
    private CacheState[] _caches = new CacheState[64];
    private PfnMinHeap[] _partial = new PfnMinHeap[64];
    private int _cacheIdNext;
    private int _cpus;
    private int _pages;

    private SlabOwner[] _ownerAt = [];
    private readonly SlabRecordTable _records = new();
    private sbyte[] _largeOrderAt = [];

    /// <summary>Per s->size and order, a multiplier CheckGeometry has already found exact: a check-speed memo, never read by the allocator.</summary>
    private readonly Dictionary<(int SizeBytes, int Order), ulong> _exactMultipliers = [];

    public SlabAllocator(BuddyAllocator buddy) => _buddy = buddy;

    public ulong Digest { get; private set; }

    /// <summary>Starts over on a machine whose buddy allocator has just been reset; creates the setup caches.</summary>
    public void Reset(int pages, int cpus)
    {
        for (int id = 0; id < _cacheIdNext; id++) _partial[id]?.Clear();
        if (_ownerAt.Length < pages)
        {
            _ownerAt = new SlabOwner[pages];
            _largeOrderAt = new sbyte[pages];
            _heapPositions[0] = new int[pages];
        }
        Array.Fill(_ownerAt, new SlabOwner(-1, -1), 0, pages);
        Array.Fill(_largeOrderAt, (sbyte)-1, 0, pages);
        Array.Fill(_heapPositions[0], -1, 0, pages);
        Array.Clear(_caches, 0, _cacheIdNext);
        _records.Reset(pages);
        _pages = pages;
        _cpus = cpus;
        _cacheIdNext = 0;
        Digest = 0;
        for (int family = 0; family < SlabLayout.KmallocFamilyCount; family++)
        {
            for (int index = 0; index < SlabLayout.KmallocClassCount; index++)
            {
                var f = (KmallocFamily)family;
                AddCache(SlabLayout.KmallocName(f, index), SlabLayout.KmallocClassBytes[index], 0, SlabLayout.KmallocFlagsOf(f));
            }
        }
        AddCache("dentry", SlabLayout.DentryObjectBytes, 0, SlabLayout.DentryCacheFlags);
        AddCache("task_struct", SlabLayout.TaskStructObjectBytes, SlabLayout.TaskStructAlignBytes, SlabLayout.TaskStructCacheFlags);
        _cacheIdNext = SlabLayout.FirstUserCacheId;
    }

    public Outcome CacheCreate(long objectSizeBytes, long alignBytes, SlabFlags flags)
    {
        if (!SlabGeometry.IsValidRequest(objectSizeBytes, alignBytes) || (flags & ~SlabFlags.All) != 0) return Outcome.Fail(Errno.EINVAL);
        return CacheCreateMinOrder(objectSizeBytes, alignBytes, flags, 0);
    }

    public Outcome CacheCreateMinOrder(long objectSizeBytes, long alignBytes, SlabFlags flags, long minOrder)
    {
        if (!SlabGeometry.IsValidRequest(objectSizeBytes, alignBytes, minOrder) || (flags & ~SlabFlags.All) != 0) return Outcome.Fail(Errno.EINVAL);
        return Outcome.Ok(AddCache(null, (int)objectSizeBytes, (int)alignBytes, flags, (int)minOrder));
    }

    public Outcome CacheDestroy(long cacheId)
    {
        if (!IsUserCache(cacheId)) return Outcome.Fail(Errno.EINVAL);
        int id = (int)cacheId;
        ref var cache = ref _caches[id];
        if (cache.ActiveObjects > 0) return Outcome.Fail(Errno.EBUSY);
        // Every slab of an empty cache is on its partial list; release them lowest pfn first.
        while (_partial[id].Count > 0) ReleaseSlab(id, _partial[id].Min);
        Digest -= CacheDigest(id, ref cache);
        cache.Live = false;
        return Outcome.Ok(0);
    }

    public Outcome CacheSetAccount(long cacheId, bool accounted)
    {
        if (!IsLiveCache(cacheId) || cacheId < SlabLayout.KmallocCacheCount) return Outcome.Fail(Errno.EINVAL);
        ref var cache = ref _caches[cacheId];
        if (!accounted && cache.ActiveObjects > 0) return Outcome.Fail(Errno.EBUSY);
        Digest -= CacheDigest((int)cacheId, ref cache);
        cache.Accounted = accounted;
        Digest += CacheDigest((int)cacheId, ref cache);
        return Outcome.Ok(0);
    }

    public Outcome CacheAlloc(long cacheId) => IsUserCache(cacheId) ? Allocate((int)cacheId) : Outcome.Fail(Errno.EINVAL);

    public Outcome CacheFree(long cacheId, long address) => IsUserCache(cacheId) ? FreeObject(address, (int)cacheId) : Outcome.Fail(Errno.EINVAL);

    /// <summary>
    /// kmem_cache_free_bulk of neighbours (the model's CacheFreeBulk): the live objects among count
    /// slots from the live object at address to its slab's end, freed in address order; each freed
    /// one's location goes into freed (at most count entries). EINVAL with no change otherwise.
    /// </summary>
    public Outcome CacheFreeBulk(long cacheId, long address, int count, Span<SlabObjectRef> freed)
    {
        if (!IsUserCache(cacheId) || count < 1 || count > freed.Length || !TryLocate(address, out var first) || _ownerAt[first.Head].CacheId != cacheId || _records.IsFree(first.Head, first.Index))
            return Outcome.Fail(Errno.EINVAL);
        int taken = 0, end = Math.Min(first.Index + count, first.ObjectsPerSlab);
        for (int index = first.Index; index < end; index++)
        {
            // A slab released part way holds no live object any more: the rest of the batch is free.
            if (_ownerAt[first.Head].Head != first.Head || _records.IsFree(first.Head, index)) continue;
            long objectAddress = ((long)first.Head << PageShift) + (long)index * first.SizeBytes;
            if (FreeObject(objectAddress, (int)cacheId).IsOk) freed[taken++] = first with { Index = index };
        }
        return Outcome.Ok(taken);
    }

    public Outcome Kmalloc(long sizeBytes, KmallocFlags flags)
    {
        if (sizeBytes == 0) return Outcome.Ok(SlabLayout.ZeroSizePtr);
        if (sizeBytes < 0 || sizeBytes > SlabLayout.KmallocMaxBytes) return Outcome.Fail(Errno.EINVAL);
        if (sizeBytes > SlabLayout.KmallocMaxCacheBytes)
        {
            int order = GetOrder(sizeBytes);
            var pages = _buddy.AllocPages(order);
            if (!pages.IsOk) return pages;
            _largeOrderAt[pages.Value] = (sbyte)order;
            Digest += StateDigest.LargeKmalloc(pages.Value, order);
            return Outcome.Ok(pages.Value << PageShift);
        }
        return Allocate(SlabLayout.KmallocCacheId(SlabLayout.FamilyOf(flags), KmallocClassIndex((int)sizeBytes)));
    }

    public Outcome Kfree(long address)
    {
        if (address == SlabLayout.ZeroSizePtr) return Outcome.Ok(0);
        if (address < 0 || address >= (long)_pages << PageShift) return Outcome.Fail(Errno.EINVAL);
        int pfn = (int)PageBits.PageOf(address);
        if ((address & (PageSizeBytes - 1)) == 0 && _largeOrderAt[pfn] >= 0)
        {
            int order = _largeOrderAt[pfn];
            _largeOrderAt[pfn] = -1;
            Digest -= StateDigest.LargeKmalloc(pfn, order);
            return _buddy.FreePages(pfn, order);
        }
        var owner = _ownerAt[pfn];
        if (owner.Head < 0 || owner.CacheId >= SlabLayout.KmallocCacheCount) return Outcome.Fail(Errno.EINVAL);
        return FreeObject(address, owner.CacheId);
    }

    public Outcome AllocDentryObject() => Allocate(SlabLayout.DentryCacheId);

    public Outcome FreeDentryObject(long address) => FreeObject(address, SlabLayout.DentryCacheId);

    /// <summary>A task_struct for a fork (for the task layer).</summary>
    public Outcome AllocTaskStruct() => Allocate(SlabLayout.TaskStructCacheId);

    public Outcome FreeTaskStruct(long address) => FreeObject(address, SlabLayout.TaskStructCacheId);

    /// <summary>True when pfn heads a slab or a large kmalloc: O(1).</summary>
    public bool OwnsRunAt(long pfn) =>
        (ulong)pfn < (ulong)_pages && (_ownerAt[pfn].Head == pfn || _largeOrderAt[pfn] >= 0);

    /// <summary>
    /// Where the object starting at address sits: its slab's head pfn, its index, its cache's s->size
    /// and objects per slab, whether the cache is accounted or reclaimable. False for an address that
    /// is no object start of a slab (whether the object is live, the free that follows checks).
    /// </summary>
    public bool TryLocate(long address, out SlabObjectRef location)
    {
        location = default;
        if (address < 0 || address >= (long)_pages << PageShift) return false;
        var owner = _ownerAt[PageBits.PageOf(address)];
        if (owner.Head < 0) return false;
        ref var cache = ref _caches[owner.CacheId];
        long offset = address - ((long)owner.Head << PageShift);
        long index = ReciprocalDivision.Divide(offset, cache.IndexMultiplier);
        if (index * cache.SizeBytes != offset || index >= cache.ObjectsPerSlab) return false;
        location = new SlabObjectRef(owner.Head, (int)index, cache.SizeBytes, cache.ObjectsPerSlab, cache.Accounted, (cache.Flags & SlabFlags.ReclaimAccount) != 0);
        return true;
    }

    /// <summary>Frees the object just allocated at address, located by TryLocate (a charge for it failed).</summary>
    public Outcome FreeAt(long address, in SlabObjectRef location) => FreeObject(address, _ownerAt[location.Head].CacheId);

    public bool IsLargeKmallocAt(long pfn) => (ulong)pfn < (ulong)_pages && _largeOrderAt[pfn] >= 0;

    public IReadOnlyList<SlabCacheInfo> CacheInfos()
    {
        var infos = new List<SlabCacheInfo>();
        for (int id = 0; id < _cacheIdNext; id++)
        {
            ref var c = ref _caches[id];
            if (!c.Live) continue;
            infos.Add(new SlabCacheInfo(id, NameOf(id, ref c), c.ObjectSizeBytes, c.SizeBytes, c.ObjectsPerSlab, 1 << c.Order, c.MinPartial,
                c.ActiveObjects, c.Slabs * c.ObjectsPerSlab, c.Slabs, c.Flags, c.Accounted, c.AccountedObjects, c.MinOrder));
        }
        return infos;
    }

    public IReadOnlyList<SlabPage> Slabs()
    {
        var slabs = new List<SlabPage>();
        for (int pfn = 0; pfn < _pages; pfn++)
        {
            if (_ownerAt[pfn].Head != pfn) continue;
            int id = _ownerAt[pfn].CacheId;
            slabs.Add(new SlabPage(id, pfn, 1 << _caches[id].Order, _records.InUse(pfn)));
        }
        return slabs;
    }

    public IReadOnlyList<SlabObjectInfo> Objects()
    {
        var objects = new List<SlabObjectInfo>();
        for (int pfn = 0; pfn < _pages; pfn++)
        {
            if (_ownerAt[pfn].Head != pfn) continue;
            int id = _ownerAt[pfn].CacheId;
            ref var c = ref _caches[id];
            for (int index = _records.NextInUse(pfn, 0, c.ObjectsPerSlab); index >= 0; index = _records.NextInUse(pfn, index + 1, c.ObjectsPerSlab))
                objects.Add(new SlabObjectInfo(((long)pfn << PageShift) + (long)index * c.SizeBytes, id, _records.IsAccounted(pfn, index)));
        }
        return objects;
    }

    public IReadOnlyList<LargeKmallocInfo> LargeKmallocs()
    {
        var large = new List<LargeKmallocInfo>();
        for (int pfn = 0; pfn < _pages; pfn++)
            if (_largeOrderAt[pfn] >= 0) large.Add(new LargeKmallocInfo(pfn, _largeOrderAt[pfn]));
        return large;
    }

    public long ReclaimableBytes()
    {
        long bytes = 0;
        for (int id = 0; id < _cacheIdNext; id++)
        {
            ref var c = ref _caches[id];
            if (c.Live && (c.Flags & SlabFlags.ReclaimAccount) != 0) bytes += c.ActiveObjects * c.SizeBytes;
        }
        return bytes;
    }

    /// <summary>Size class by comparison against the table: at most 13 steps, no allocation.</summary>
    private static int KmallocClassIndex(int sizeBytes)
    {
        if (sizeBytes <= 8) return 0;
        if (sizeBytes <= 64) return BitOperations.Log2((uint)sizeBytes - 1) - 2;
        if (sizeBytes <= 96) return 4;
        if (sizeBytes <= 128) return 5;
        if (sizeBytes <= 192) return 6;
        return BitOperations.Log2((uint)sizeBytes - 1);
    }

    /// <summary>The cache's digest from what it stores, not from what SlabGeometry would give it.</summary>
    private static ulong CacheDigest(int id, ref CacheState c) =>
        StateDigest.SlabCache(id, c.ObjectSizeBytes, c.Flags, new CacheGeometry(c.SizeBytes, c.Order, c.ObjectsPerSlab, c.MinPartial, c.MinOrder), c.Accounted);

    /// <summary>
    /// How many pages from pfn on have nothing for S4 to check (no owner, no large kmalloc, no heap
    /// position: every entry still as Reset filled it), by vectorized scans; 0 when pfn has something.
    /// </summary>
    private int QuietRunLength(int pfn)
    {
        int length = _pages - pfn;
        var owners = MemoryMarshal.Cast<SlabOwner, long>(_ownerAt.AsSpan(pfn, length)); // SlabOwner(-1, -1) is all ones
        int quiet = owners.IndexOfAnyExcept(-1L);
        if (quiet == 0) return 0;
        if (quiet < 0) quiet = length;
        int large = _largeOrderAt.AsSpan(pfn, quiet).IndexOfAnyExcept((sbyte)-1);
        if (large >= 0) quiet = large;
        int positioned = _heapPositions[0].AsSpan(pfn, quiet).IndexOfAnyExcept(-1);
        return positioned >= 0 ? positioned : quiet;
    }

    private static string NameOf(int id, ref CacheState c) => c.SetupName ?? SlabLayout.UserCacheName(id);

    private bool IsLiveCache(long cacheId) => cacheId >= 0 && cacheId < _cacheIdNext && _caches[cacheId].Live;

    private bool IsUserCache(long cacheId) => cacheId >= SlabLayout.FirstUserCacheId && IsLiveCache(cacheId);

    private int AddCache(string? name, int objectSizeBytes, int alignBytes, SlabFlags flags, int minOrder = 0)
    {
        int id = _cacheIdNext++;
        if (id == _caches.Length)
        {
            Array.Resize(ref _caches, id * 2);
            Array.Resize(ref _partial, id * 2);
        }
        _partial[id] ??= new PfnMinHeap(_heapPositions);
        var geometry = SlabGeometry.For(objectSizeBytes, alignBytes, flags, _cpus, minOrder);
        _caches[id] = new CacheState
        {
            Live = true,
            SetupName = name,
            ObjectSizeBytes = objectSizeBytes,
            SizeBytes = geometry.SizeBytes,
            Order = geometry.Order,
            ObjectsPerSlab = geometry.ObjectsPerSlab,
            MinPartial = geometry.MinPartial,
            MinOrder = minOrder,
            BitmapWords = SlabRecordTable.BitmapWordsFor(geometry.ObjectsPerSlab),
            IndexMultiplier = ReciprocalDivision.Multiplier(geometry.SizeBytes),
            Flags = flags,
            Accounted = (flags & SlabFlags.Account) != 0,
        };
        Digest += CacheDigest(id, ref _caches[id]);
        return id;
    }

    private Outcome Allocate(int id)
    {
        ref var cache = ref _caches[id];
        var partial = _partial[id];
        int head = partial.Min;
        if (head < 0)
        {
            var pages = _buddy.AllocPages(cache.Order);
            if (!pages.IsOk) return pages;
            head = (int)pages.Value;
            InitSlab(head, id, ref cache);
            partial.Add(head);
        }
        int index = _records.TakeLowestFree(head, cache.BitmapWords, cache.Accounted);
        if (_records.InUse(head) == cache.ObjectsPerSlab) partial.Remove(head);
        cache.ActiveObjects++;
        if (cache.Accounted) cache.AccountedObjects++;
        long address = ((long)head << PageShift) + (long)index * cache.SizeBytes;
        Digest += StateDigest.SlabObject(address, id, cache.Accounted);
        return Outcome.Ok(address);
    }

    private void InitSlab(int head, int id, ref CacheState cache)
    {
        int pages = 1 << cache.Order;
        for (int page = head; page < head + pages; page++) _ownerAt[page] = new SlabOwner(head, id);
        _records.Init(head, pages, cache.ObjectsPerSlab);
        cache.Slabs++;
        Digest += StateDigest.Slab(head, id);
    }

    /// <summary>Frees a live object start of cache expectedId; EINVAL with no change otherwise.</summary>
    private Outcome FreeObject(long address, int expectedId)
    {
        if (address < 0 || address >= (long)_pages << PageShift) return Outcome.Fail(Errno.EINVAL);
        var owner = _ownerAt[PageBits.PageOf(address)];
        int head = owner.Head;
        if (head < 0 || owner.CacheId != expectedId) return Outcome.Fail(Errno.EINVAL);
        ref var cache = ref _caches[expectedId];
        long offset = address - ((long)head << PageShift);
        long index = ReciprocalDivision.Divide(offset, cache.IndexMultiplier);
        if (index * cache.SizeBytes != offset || index >= cache.ObjectsPerSlab) return Outcome.Fail(Errno.EINVAL);
        if (_records.IsFree(head, (int)index)) return Outcome.Fail(Errno.EINVAL);

        var partial = _partial[expectedId];
        int partialBefore = partial.Count;
        if (_records.InUse(head) == cache.ObjectsPerSlab) partial.Add(head);
        bool accounted = _records.Release(head, (int)index, cache.BitmapWords);
        cache.ActiveObjects--;
        if (accounted) cache.AccountedObjects--;
        Digest -= StateDigest.SlabObject(address, expectedId, accounted);
        if (_records.InUse(head) == 0 && partialBefore >= cache.MinPartial) ReleaseSlab(expectedId, head);
        return Outcome.Ok(0);
    }

    /// <summary>
    /// S3, S4 and S5 in one pass over the pages: every slab head's pages all name it and its live
    /// cache, it is a live Block of its cache's order in the buddy allocator, its record is sound,
    /// and it is in its cache's heap exactly when it has a free object; no page outside a slab
    /// names one; large kmallocs are live Blocks outside slabs; the heaps hold nothing else; each
    /// cache's counters equal its slabs' totals; and each cache's geometry and reciprocal are its s->size's.
    /// </summary>
    public void CheckConsistency(SelfCheckReport report)
    {
        const string S4 = StructureInvariant.SlabRecords;
        var active = new long[_cacheIdNext];
        var accounted = new long[_cacheIdNext];
        var slabs = new long[_cacheIdNext];
        long positioned = 0;
        Func<int, string> slabName = head => $"slab at pfn {head} of {NameOf(_ownerAt[head].CacheId, ref _caches[_ownerAt[head].CacheId])}";
        for (int pfn = 0; pfn < _pages && !report.IsFull;)
        {
            int quiet = QuietRunLength(pfn);
            if (quiet > 0)
            {
                pfn += quiet;
                continue;
            }
            if (_heapPositions[0][pfn] >= 0) positioned++;
            var owner = _ownerAt[pfn];
            if (_largeOrderAt[pfn] >= 0 && (owner.Head >= 0 || !_buddy.IsLiveBlock(pfn, _largeOrderAt[pfn])))
                report.Fail(S4, $"large kmalloc at pfn {pfn} of order {_largeOrderAt[pfn]} is not a live block outside every slab");
            if (owner.Head != pfn)
            {
                if (owner.Head != -1 || owner.CacheId != -1) report.Fail(S4, $"pfn {pfn} names slab head {owner.Head} of cache {owner.CacheId}, which does not cover it");
                pfn++;
                continue;
            }
            int id = owner.CacheId;
            if (!IsLiveCache(id))
            {
                report.Fail(S4, $"slab at pfn {pfn} belongs to cache {id}, which is not live");
                pfn++;
                continue;
            }
            ref var cache = ref _caches[id];
            int pages = 1 << cache.Order;
            for (int page = pfn + 1; page < pfn + pages; page++)
            {
                if (page >= _pages || _ownerAt[page] != owner) { report.Fail(S4, $"page {page} of the slab at pfn {pfn} does not name it"); break; }
                if (_heapPositions[0][page] >= 0) positioned++;
            }
            if (!_buddy.IsLiveBlock(pfn, cache.Order)) report.Fail(S4, $"slab at pfn {pfn} is not a live order-{cache.Order} block of the buddy allocator");
            accounted[id] += _records.CheckSlab(report, pfn, cache.ObjectsPerSlab, slabName);
            int inUse = _records.InUse(pfn);
            if (_partial[id].Contains(pfn) != inUse < cache.ObjectsPerSlab)
                report.Fail(S4, $"{slabName(pfn)} has {inUse} of {cache.ObjectsPerSlab} objects in use but is{(_partial[id].Contains(pfn) ? "" : " not")} in its partial heap");
            active[id] += inUse;
            slabs[id]++;
            pfn += pages;
        }
        long heapMembers = 0;
        for (int id = 0; id < _cacheIdNext && !report.IsFull; id++)
        {
            ref var cache = ref _caches[id];
            if (!cache.Live)
            {
                if (_partial[id] is { Count: > 0 }) report.Fail(StructureInvariant.PartialHeap, $"cache {id} is not live but its partial heap holds {_partial[id].Count} slabs");
                continue;
            }
            heapMembers += _partial[id].Count;
            _partial[id].CheckConsistency(report, $"partial heap of {NameOf(id, ref cache)}");
            if (cache.ActiveObjects != active[id] || cache.AccountedObjects != accounted[id] || cache.Slabs != slabs[id])
                report.Fail(S4, $"{NameOf(id, ref cache)} counts {cache.ActiveObjects} active, {cache.AccountedObjects} accounted objects in {cache.Slabs} slabs; its slabs hold {active[id]}, {accounted[id]} in {slabs[id]}");
            CheckGeometry(report, id, ref cache);
        }
        if (positioned != heapMembers)
            report.Fail(StructureInvariant.PartialHeap, $"{positioned} pfns have a heap position but the heaps hold {heapMembers} slabs");
    }

    /// <summary>S5 for one cache: its stored geometry is its s->size's, and its reciprocal divides exactly within its slabs.</summary>
    private void CheckGeometry(SelfCheckReport report, int id, ref CacheState cache)
    {
        var geometry = SlabGeometry.ForSize(cache.SizeBytes, _cpus, cache.MinOrder);
        if (geometry.Order != cache.Order || geometry.ObjectsPerSlab != cache.ObjectsPerSlab || geometry.MinPartial != cache.MinPartial
            || cache.BitmapWords != SlabRecordTable.BitmapWordsFor(cache.ObjectsPerSlab))
            report.Fail(StructureInvariant.Reciprocal,
                $"{NameOf(id, ref cache)} stores order {cache.Order}, {cache.ObjectsPerSlab} objects, min_partial {cache.MinPartial}, {cache.BitmapWords} bitmap words; s->size {cache.SizeBytes} with min order {cache.MinOrder} gives {geometry}");
        if (_exactMultipliers.TryGetValue((cache.SizeBytes, cache.Order), out ulong verified) && verified == cache.IndexMultiplier) return;
        int slabBytes = PageSizeBytes << cache.Order;
        if (ReciprocalDivision.IsExactWithin(cache.SizeBytes, cache.IndexMultiplier, slabBytes, out long broken))
            _exactMultipliers[(cache.SizeBytes, cache.Order)] = cache.IndexMultiplier;
        else
            report.Fail(StructureInvariant.Reciprocal,
                $"{NameOf(id, ref cache)}: multiplier {cache.IndexMultiplier} gives {ReciprocalDivision.Divide(broken, cache.IndexMultiplier)} for offset {broken}, but {broken} / {cache.SizeBytes} = {broken / cache.SizeBytes}");
    }

    /// <summary>Access for planted bugs that emulate a slip (test code only).</summary>
    internal SlabRecordTable Records => _records;

    internal PfnMinHeap PartialHeapOf(int cacheId) => _partial[cacheId];

    internal int[] HeapPositions => _heapPositions[0];

    internal int CacheCount => _cacheIdNext;

    internal bool IsLive(int cacheId) => IsLiveCache(cacheId);

    internal (int SizeBytes, int ObjectsPerSlab, int BitmapWords) GeometryOf(int cacheId) =>
        (_caches[cacheId].SizeBytes, _caches[cacheId].ObjectsPerSlab, _caches[cacheId].BitmapWords);

    internal ref ulong IndexMultiplierOf(int cacheId) => ref _caches[cacheId].IndexMultiplier;

    /// <summary>Gives a cache that has no slab yet the geometry of min order 0 while it keeps its recorded min order (a planted bug; test code only).</summary>
    internal void SlipGeometryWithoutMinOrder(int cacheId)
    {
        ref var cache = ref _caches[cacheId];
        if (cache.Slabs > 0) throw new InvalidOperationException($"cache {cacheId} already has slabs");
        Digest -= CacheDigest(cacheId, ref cache);
        var geometry = SlabGeometry.ForSize(cache.SizeBytes, _cpus);
        (cache.Order, cache.ObjectsPerSlab, cache.BitmapWords) = (geometry.Order, geometry.ObjectsPerSlab, SlabRecordTable.BitmapWordsFor(geometry.ObjectsPerSlab));
        Digest += CacheDigest(cacheId, ref cache);
    }

    internal (int Head, int CacheId) OwnerOf(int pfn) => (_ownerAt[pfn].Head, _ownerAt[pfn].CacheId);

    private void ReleaseSlab(int id, int head)
    {
        ref var cache = ref _caches[id];
        _partial[id].Remove(head);
        for (int page = head; page < head + (1 << cache.Order); page++) _ownerAt[page] = new SlabOwner(-1, -1);
        cache.Slabs--;
        Digest -= StateDigest.Slab(head, id);
        var freed = _buddy.FreePages(head, cache.Order);
        if (!freed.IsOk) throw new InvalidOperationException($"slab at pfn {head} was not a live block: {freed}");
    }
}
