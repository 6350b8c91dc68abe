using System.Numerics;
using Verify.Impl.Buddy;
using Verify.Model.Contract;
using Verify.Model.Slab;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Impl.Slab;

/// <summary>
/// The slab allocator as SLUB would build it, within the placement contract. Guarantees:
/// - page state in flat arrays indexed by pfn: every page of a slab records its head pfn, so
///   object-to-slab lookup is O(1); the head records the cache and the in-use count;
/// - each slab has a free bitmap (bit set = object free) of at most 64 words, kept in a flat array
///   at WordsPerPage words per page of the slab (an object is at least 8 bytes, so 512 objects per
///   page at most; the array grows on demand up to the highest slab page), plus a summary word
///   whose bit w is set exactly when word w has a free object: the lowest free object of a slab is
///   two trailing-zero counts away;
/// - per cache, a PfnMinHeap of exactly its slabs that have a free object (the partial list, empty
///   slabs included): the lowest free address of the cache is in the lowest such slab, found in O(1),
///   and kept in O(log slabs);
/// - per cache, counters of active, accounted and partial objects/slabs, so nothing is recounted;
/// - no heap allocation per object or per slab once the arrays have grown.
/// </summary>
public sealed class SlabAllocator
{
    private const int WordsPerPage = PageSizeBytes / SlabGeometry.WordBytes / 64;

    private struct CacheState
    {
        public bool Live;
        public string Name;
        public int ObjectSizeBytes, SizeBytes, Order, ObjectsPerSlab, MinPartial;
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

    private int[] _slabHeadAt = [];
    private int[] _slabCacheAt = [];
    private int[] _slabInUseAt = [];
    private ulong[] _freeSummaryAt = [];
    private ulong[] _freeWords = [];
    private ulong[] _accountedWords = [];
    private sbyte[] _largeOrderAt = [];

    public SlabAllocator(BuddyAllocator buddy) => _buddy = buddy;

    public ulong Digest { get; private set; }

    /// <summary>Starts over on a machine whose buddy allocator has just been reset; creates the setup caches.</summary>
    public void Reset(int pages, int cpus)
    {
        for (int id = 0; id < _cacheIdNext; id++) _partial[id]?.Clear();
        if (_slabHeadAt.Length < pages)
        {
            _slabHeadAt = new int[pages];
            _slabCacheAt = new int[pages];
            _slabInUseAt = new int[pages];
            _freeSummaryAt = new ulong[pages];
            _largeOrderAt = new sbyte[pages];
            _heapPositions[0] = new int[pages];
        }
        Array.Fill(_slabHeadAt, -1, 0, pages);
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
        int head = _slabHeadAt[pfn];
        if (head < 0 || _slabCacheAt[head] >= SlabLayout.KmallocCacheCount) return Outcome.Fail(Errno.EINVAL);
        return FreeObject(address, _slabCacheAt[head]);
    }

    public Outcome AllocDentryObject() => Allocate(SlabLayout.DentryCacheId);

    public Outcome FreeDentryObject(long address) => FreeObject(address, SlabLayout.DentryCacheId);

    /// <summary>True when pfn heads a slab or a large kmalloc: O(1).</summary>
    public bool OwnsRunAt(long pfn) =>
        (ulong)pfn < (ulong)_pages && (_slabHeadAt[pfn] == pfn || _largeOrderAt[pfn] >= 0);

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
            if (_slabHeadAt[pfn] != pfn) continue;
            int id = _slabCacheAt[pfn];
            slabs.Add(new SlabPage(id, pfn, 1 << _caches[id].Order, _slabInUseAt[pfn]));
        }
        return slabs;
    }

    public IReadOnlyList<SlabObjectInfo> Objects()
    {
        var objects = new List<SlabObjectInfo>();
        for (int pfn = 0; pfn < _pages; pfn++)
        {
            if (_slabHeadAt[pfn] != pfn) continue;
            int id = _slabCacheAt[pfn];
            ref var c = ref _caches[id];
            long words = (long)pfn * WordsPerPage;
            for (int index = 0; index < c.ObjectsPerSlab; index++)
            {
                ulong bit = 1UL << (index & 63);
                if ((_freeWords[words + (index >> 6)] & bit) != 0) continue;
                bool accounted = (_accountedWords[words + (index >> 6)] & bit) != 0;
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
        long words = (long)head * WordsPerPage;
        int word = BitOperations.TrailingZeroCount(_freeSummaryAt[head]);
        ref ulong free = ref _freeWords[words + word];
        int bit = BitOperations.TrailingZeroCount(free);
        free &= free - 1;
        if (free == 0) _freeSummaryAt[head] &= ~(1UL << word);
        if (cache.Accounted) _accountedWords[words + word] |= 1UL << bit;
        if (++_slabInUseAt[head] == cache.ObjectsPerSlab) partial.Remove(head);
        cache.ActiveObjects++;
        if (cache.Accounted) cache.AccountedObjects++;
        long address = ((long)head << PageShift) + (long)(word * 64 + bit) * cache.SizeBytes;
        Digest += StateDigest.SlabObject(address, id, cache.Accounted);
        return Outcome.Ok(address);
    }

    private void InitSlab(int head, int id, ref CacheState cache)
    {
        int pages = 1 << cache.Order;
        for (int page = head; page < head + pages; page++) _slabHeadAt[page] = head;
        _slabCacheAt[head] = id;
        _slabInUseAt[head] = 0;
        long words = (long)head * WordsPerPage;
        EnsureWords(words + (long)pages * WordsPerPage);
        int fullWords = cache.ObjectsPerSlab >> 6, rest = cache.ObjectsPerSlab & 63;
        for (int w = 0; w < fullWords; w++) _freeWords[words + w] = ulong.MaxValue;
        int usedWords = fullWords;
        if (rest > 0) _freeWords[words + usedWords++] = (1UL << rest) - 1;
        Array.Clear(_accountedWords, (int)words, usedWords);
        _freeSummaryAt[head] = usedWords == 64 ? ulong.MaxValue : (1UL << usedWords) - 1;
        cache.Slabs++;
        Digest += StateDigest.Slab(head, id);
    }

    /// <summary>
    /// The bitmap arrays grow by doubling to cover the highest slab page used so far (slabs come
    /// from low addresses first), so a huge machine with few slabs does not pay 128 bytes per page.
    /// </summary>
    private void EnsureWords(long wordsNeeded)
    {
        if (wordsNeeded <= _freeWords.Length) return;
        long size = Math.Max(wordsNeeded, Math.Max(1024, (long)_freeWords.Length * 2));
        Array.Resize(ref _freeWords, (int)Math.Min(size, (long)_pages * WordsPerPage));
        Array.Resize(ref _accountedWords, _freeWords.Length);
    }

    /// <summary>Frees a live object start of cache expectedId; EINVAL with no change otherwise.</summary>
    private Outcome FreeObject(long address, int expectedId)
    {
        if (address < 0 || address >= (long)_pages << PageShift) return Outcome.Fail(Errno.EINVAL);
        int head = _slabHeadAt[address >> PageShift];
        if (head < 0 || _slabCacheAt[head] != expectedId) return Outcome.Fail(Errno.EINVAL);
        ref var cache = ref _caches[expectedId];
        long offset = address - ((long)head << PageShift);
        long index = offset / cache.SizeBytes;
        if (index * cache.SizeBytes != offset || index >= cache.ObjectsPerSlab) return Outcome.Fail(Errno.EINVAL);
        long wordIndex = (long)head * WordsPerPage + (index >> 6);
        ulong bit = 1UL << (int)(index & 63);
        if ((_freeWords[wordIndex] & bit) != 0) return Outcome.Fail(Errno.EINVAL);

        var partial = _partial[expectedId];
        int partialBefore = partial.Count;
        _freeWords[wordIndex] |= bit;
        _freeSummaryAt[head] |= 1UL << (int)(index >> 6);
        bool accounted = (_accountedWords[wordIndex] & bit) != 0;
        _accountedWords[wordIndex] &= ~bit;
        if (_slabInUseAt[head]-- == cache.ObjectsPerSlab) partial.Add(head);
        cache.ActiveObjects--;
        if (accounted) cache.AccountedObjects--;
        Digest -= StateDigest.SlabObject(address, expectedId, accounted);
        if (_slabInUseAt[head] == 0 && partialBefore >= cache.MinPartial) ReleaseSlab(expectedId, head);
        return Outcome.Ok(0);
    }

    private void ReleaseSlab(int id, int head)
    {
        ref var cache = ref _caches[id];
        _partial[id].Remove(head);
        for (int page = head; page < head + (1 << cache.Order); page++) _slabHeadAt[page] = -1;
        cache.Slabs--;
        Digest -= StateDigest.Slab(head, id);
        var freed = _buddy.FreePages(head, cache.Order);
        if (!freed.IsOk) throw new InvalidOperationException($"slab at pfn {head} was not a live block: {freed}");
    }
}
