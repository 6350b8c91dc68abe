using System.Numerics;
using Verify.Impl.Buddy;
using Verify.Model.Contract;
using Verify.Model.Slab;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Impl.Slab;

/// <summary>
/// The slab allocator as SLUB would build it, within the placement contract. Guarantees:
/// - page state in a flat array indexed by pfn: every page of a slab records its head pfn and its
///   cache in one 8-byte entry, so object-to-slab lookup is one load;
/// - each slab has one record in a flat word array, at RecordStride words per page of the slab
///   from head * RecordStride: an in-use count, a summary word, then its free bitmap (bit set =
///   object free) interleaved word by word with its accounted bitmap, so an alloc or a free reads
///   and writes one small stretch of memory. An object is at least 8 bytes, so a page holds at
///   most 512 objects: 8 bitmap words per page, and the record of any slab fits in its stride.
///   The summary's bit w is set exactly when free word w has a free object; slabs with at most 64
///   objects (one word) skip it. The lowest free object is at most two trailing-zero counts away;
/// - obj_to_index is a multiplication by a reciprocal, as SLUB's (IndexMultiplierFor);
/// - per cache, a PfnMinHeap of exactly its slabs that have a free object (the partial list, empty
///   slabs included): the lowest free address of the cache is in the lowest such slab, found in O(1),
///   and kept in O(log slabs);
/// - per cache, counters of active, accounted and partial objects/slabs, so nothing is recounted;
/// - no heap allocation per object or per slab once the arrays have grown.
/// </summary>
public sealed class SlabAllocator
{
    private const int BitmapWordsPerPage = PageSizeBytes / SlabGeometry.WordBytes / 64;
    private const int RecordStride = 2 + 2 * BitmapWordsPerPage;
    private const int InUseWord = 0, SummaryWord = 1, FirstBitmapWord = 2;

    /// <summary>The slab a page belongs to: Head is -1 for a page in no slab.</summary>
    private record struct SlabOwner(int Head, int CacheId);

    private struct CacheState
    {
        public bool Live;
        public string Name;
        public int ObjectSizeBytes, SizeBytes, Order, ObjectsPerSlab, MinPartial, BitmapWords;
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
    private ulong[] _records = [];
    private sbyte[] _largeOrderAt = [];

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
        _cacheIdNext = SlabLayout.FirstUserCacheId;
    }

    public Outcome CacheCreate(long objectSizeBytes, long alignBytes, SlabFlags flags)
    {
        if (!SlabGeometry.IsValidRequest(objectSizeBytes, alignBytes) || (flags & ~SlabFlags.All) != 0) return Outcome.Fail(Errno.EINVAL);
        return Outcome.Ok(AddCache(null, (int)objectSizeBytes, (int)alignBytes, flags));
    }

    public Outcome CacheDestroy(long cacheId)
    {
        if (!IsUserCache(cacheId)) return Outcome.Fail(Errno.EINVAL);
        int id = (int)cacheId;
        ref var cache = ref _caches[id];
        if (cache.ActiveObjects > 0) return Outcome.Fail(Errno.EBUSY);
        // Every slab of an empty cache is on its partial list; release them lowest pfn first.
        while (_partial[id].Count > 0) ReleaseSlab(id, _partial[id].Min);
        Digest -= StateDigest.SlabCache(id, cache.SizeBytes, cache.Accounted);
        cache.Live = false;
        return Outcome.Ok(0);
    }

    public Outcome CacheSetAccount(long cacheId, bool accounted)
    {
        if (!IsLiveCache(cacheId) || cacheId < SlabLayout.KmallocCacheCount) return Outcome.Fail(Errno.EINVAL);
        ref var cache = ref _caches[cacheId];
        if (!accounted && cache.ActiveObjects > 0) return Outcome.Fail(Errno.EBUSY);
        Digest -= StateDigest.SlabCache((int)cacheId, cache.SizeBytes, cache.Accounted);
        cache.Accounted = accounted;
        Digest += StateDigest.SlabCache((int)cacheId, cache.SizeBytes, cache.Accounted);
        return Outcome.Ok(0);
    }

    public Outcome CacheAlloc(long cacheId) => IsUserCache(cacheId) ? Allocate((int)cacheId) : Outcome.Fail(Errno.EINVAL);

    public Outcome CacheFree(long cacheId, long address) => IsUserCache(cacheId) ? FreeObject(address, (int)cacheId) : Outcome.Fail(Errno.EINVAL);

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
        int pfn = (int)(address >> PageShift);
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

    /// <summary>True when pfn heads a slab or a large kmalloc: O(1).</summary>
    public bool OwnsRunAt(long pfn) =>
        (ulong)pfn < (ulong)_pages && (_ownerAt[pfn].Head == pfn || _largeOrderAt[pfn] >= 0);

    public bool IsLargeKmallocAt(long pfn) => (ulong)pfn < (ulong)_pages && _largeOrderAt[pfn] >= 0;

    public IReadOnlyList<SlabCacheInfo> CacheInfos()
    {
        var infos = new List<SlabCacheInfo>();
        for (int id = 0; id < _cacheIdNext; id++)
        {
            ref var c = ref _caches[id];
            if (!c.Live) continue;
            infos.Add(new SlabCacheInfo(id, c.Name, c.ObjectSizeBytes, c.SizeBytes, c.ObjectsPerSlab, 1 << c.Order,
                c.ActiveObjects, c.Slabs * c.ObjectsPerSlab, c.Slabs, c.Flags, c.Accounted, c.AccountedObjects));
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
            slabs.Add(new SlabPage(id, pfn, 1 << _caches[id].Order, (int)_records[RecordOf(pfn) + InUseWord]));
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
            long record = RecordOf(pfn);
            for (int index = 0; index < c.ObjectsPerSlab; index++)
            {
                ulong bit = 1UL << (index & 63);
                long freeWord = FreeWordOf(record, index >> 6);
                if ((_records[freeWord] & bit) != 0) continue;
                bool accounted = (_records[freeWord + 1] & bit) != 0;
                objects.Add(new SlabObjectInfo(((long)pfn << PageShift) + (long)index * c.SizeBytes, id, accounted));
            }
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

    /// <summary>
    /// obj_to_index without a division, as SLUB's reciprocal_size: with m = ceil(2^32 / size),
    /// (offset * m) >> 32 equals offset / size for every offset below 2^32 / size (the rounding
    /// error offset * (m * size - 2^32) / 2^32 stays below one object). Offsets here are below
    /// one slab, at most 2^15 bytes, and sizes at most 2^15, so the quotient is always exact.
    /// </summary>
    private static ulong IndexMultiplierFor(int sizeBytes) => ((1UL << 32) + (ulong)sizeBytes - 1) / (ulong)sizeBytes;

    private bool IsLiveCache(long cacheId) => cacheId >= 0 && cacheId < _cacheIdNext && _caches[cacheId].Live;

    private bool IsUserCache(long cacheId) => cacheId >= SlabLayout.FirstUserCacheId && IsLiveCache(cacheId);

    private int AddCache(string? name, int objectSizeBytes, int alignBytes, SlabFlags flags)
    {
        int id = _cacheIdNext++;
        if (id == _caches.Length)
        {
            Array.Resize(ref _caches, id * 2);
            Array.Resize(ref _partial, id * 2);
        }
        _partial[id] ??= new PfnMinHeap(_heapPositions);
        var geometry = SlabGeometry.For(objectSizeBytes, alignBytes, flags, _cpus);
        _caches[id] = new CacheState
        {
            Live = true,
            Name = name ?? SlabLayout.UserCacheName(id),
            ObjectSizeBytes = objectSizeBytes,
            SizeBytes = geometry.SizeBytes,
            Order = geometry.Order,
            ObjectsPerSlab = geometry.ObjectsPerSlab,
            MinPartial = geometry.MinPartial,
            BitmapWords = (geometry.ObjectsPerSlab + 63) >> 6,
            IndexMultiplier = IndexMultiplierFor(geometry.SizeBytes),
            Flags = flags,
            Accounted = (flags & SlabFlags.Account) != 0,
        };
        Digest += StateDigest.SlabCache(id, geometry.SizeBytes, _caches[id].Accounted);
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
        long record = RecordOf(head);
        int word = cache.BitmapWords == 1 ? 0 : BitOperations.TrailingZeroCount(_records[record + SummaryWord]);
        long freeWord = FreeWordOf(record, word);
        ref ulong free = ref _records[freeWord];
        int bit = BitOperations.TrailingZeroCount(free);
        free &= free - 1;
        if (free == 0 && cache.BitmapWords > 1) _records[record + SummaryWord] &= ~(1UL << word);
        if (cache.Accounted) _records[freeWord + 1] |= 1UL << bit;
        if ((int)++_records[record + InUseWord] == cache.ObjectsPerSlab) partial.Remove(head);
        cache.ActiveObjects++;
        if (cache.Accounted) cache.AccountedObjects++;
        long address = ((long)head << PageShift) + (long)(word * 64 + bit) * cache.SizeBytes;
        Digest += StateDigest.SlabObject(address, id, cache.Accounted);
        return Outcome.Ok(address);
    }

    private void InitSlab(int head, int id, ref CacheState cache)
    {
        int pages = 1 << cache.Order;
        for (int page = head; page < head + pages; page++) _ownerAt[page] = new SlabOwner(head, id);
        long record = RecordOf(head);
        EnsureRecords(RecordOf(head + pages));
        _records[record + InUseWord] = 0;
        for (int w = 0; w < cache.BitmapWords; w++)
        {
            int objectsInWord = Math.Min(64, cache.ObjectsPerSlab - 64 * w);
            _records[FreeWordOf(record, w)] = objectsInWord == 64 ? ulong.MaxValue : (1UL << objectsInWord) - 1;
            _records[FreeWordOf(record, w) + 1] = 0;
        }
        _records[record + SummaryWord] = cache.BitmapWords == 64 ? ulong.MaxValue : (1UL << cache.BitmapWords) - 1;
        cache.Slabs++;
        Digest += StateDigest.Slab(head, id);
    }

    private static long RecordOf(int head) => (long)head * RecordStride;

    /// <summary>Free word w of a record; its accounted word is the next one.</summary>
    private static long FreeWordOf(long record, int w) => record + FirstBitmapWord + 2 * w;

    /// <summary>
    /// The record array grows by doubling to cover the highest slab page used so far (slabs come
    /// from low addresses first), so a huge machine with few slabs does not pay 144 bytes per page.
    /// </summary>
    private void EnsureRecords(long wordsNeeded)
    {
        if (wordsNeeded <= _records.Length) return;
        long size = Math.Max(wordsNeeded, Math.Max(1024, (long)_records.Length * 2));
        Array.Resize(ref _records, (int)Math.Min(size, RecordOf(_pages)));
    }

    /// <summary>Frees a live object start of cache expectedId; EINVAL with no change otherwise.</summary>
    private Outcome FreeObject(long address, int expectedId)
    {
        if (address < 0 || address >= (long)_pages << PageShift) return Outcome.Fail(Errno.EINVAL);
        var owner = _ownerAt[address >> PageShift];
        int head = owner.Head;
        if (head < 0 || owner.CacheId != expectedId) return Outcome.Fail(Errno.EINVAL);
        ref var cache = ref _caches[expectedId];
        long offset = address - ((long)head << PageShift);
        long index = (long)((ulong)offset * cache.IndexMultiplier >> 32);
        if (index * cache.SizeBytes != offset || index >= cache.ObjectsPerSlab) return Outcome.Fail(Errno.EINVAL);
        long record = RecordOf(head);
        long freeWord = FreeWordOf(record, (int)(index >> 6));
        ulong bit = 1UL << (int)(index & 63);
        if ((_records[freeWord] & bit) != 0) return Outcome.Fail(Errno.EINVAL);

        var partial = _partial[expectedId];
        int partialBefore = partial.Count;
        _records[freeWord] |= bit;
        if (cache.BitmapWords > 1) _records[record + SummaryWord] |= 1UL << (int)(index >> 6);
        bool accounted = (_records[freeWord + 1] & bit) != 0;
        _records[freeWord + 1] &= ~bit;
        ref ulong inUse = ref _records[record + InUseWord];
        if ((int)inUse-- == cache.ObjectsPerSlab) partial.Add(head);
        cache.ActiveObjects--;
        if (accounted) cache.AccountedObjects--;
        Digest -= StateDigest.SlabObject(address, expectedId, accounted);
        if (inUse == 0 && partialBefore >= cache.MinPartial) ReleaseSlab(expectedId, head);
        return Outcome.Ok(0);
    }

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
