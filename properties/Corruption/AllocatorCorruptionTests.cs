using Verify.Impl;
using Verify.Impl.Buddy;
using Verify.Impl.Slab;
using Verify.Model.Contract;
using KmallocFlags = Verify.Model.Slab.KmallocFlags;
using SlabFlags = Verify.Model.Slab.SlabFlags;
using SlabLayout = Verify.Model.Slab.SlabLayout;
using Verify.Properties.Support;
using static Verify.Properties.Support.Corrupt;

namespace Verify.Properties.Corruption;

/// <summary>
/// S1, S2, S4, the partial heaps, S6 and S7 see each fact they guard break: a 256-page machine with
/// an order-0 and an order-2 block, a large kmalloc, a cache of 2000-byte objects whose two order-2
/// slabs are both partial, vmalloc areas and dentries; every row breaks one fact and asserts the
/// self-check names it.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class AllocatorCorruptionTests
{
    private const string S1 = StructureInvariant.LowestSetBitmap, S2 = StructureInvariant.BuddyIndex, S4 = StructureInvariant.SlabRecords;
    private const string Heap = StructureInvariant.PartialHeap, S6 = StructureInvariant.DentryLru, S7 = StructureInvariant.VmallocChains;
    private const string S20 = StructureInvariant.Pools;

    private sealed class Machine
    {
        public readonly ImplKernel Impl = new(new MachineConfig(256, 1));
        public readonly int Page, Block, Cache, SlabA, SlabB, AreaPfn;
        public readonly long DentryIndex;

        public Machine()
        {
            Page = (int)Impl.AllocPages(0).Value;
            Block = (int)Impl.AllocPages(2).Value;
            Must(Impl.Kmalloc(20000, KmallocFlags.None));
            Cache = (int)Impl.CacheCreate(2000, 8, SlabFlags.None).Value;
            var objects = new List<long>();
            int perSlab = Impl.Slab.GeometryOf(Cache).ObjectsPerSlab;
            for (int i = 0; i <= perSlab; i++) objects.Add(Impl.CacheAlloc(Cache).Value);
            Must(Impl.CacheFree(Cache, objects[0]));
            Impl.Slab.TryLocate(objects[1], out var a);
            Impl.Slab.TryLocate(objects[^1], out var b);
            (SlabA, SlabB) = (a.Head, b.Head);
            long area = Impl.Vmalloc(3 * 4096).Value;
            AreaPfn = Corrupt.Get<Dictionary<long, (int FirstPfn, int Pages)>>(Impl.VmallocAreas, "_areas")[area].FirstPfn;
            Impl.DentryAlloc(8);
            DentryIndex = Impl.DentryAlloc(100).Value - SlabLayout.FirstId;
            Impl.DentryAlloc(100);
            long pool = Impl.PoolCreate(PoolFlags.None).Value;
            Must(Impl.PoolAlloc(pool, 8));
            Must(Impl.PoolAlloc(pool, 16));
            Assert.Contains(Corrupt.Get<sbyte[]>(Slab, "_largeOrderAt"), order => order >= 0); // the large kmalloc's head
            Assert.Empty(Violations(Impl));
        }

        public BuddyAllocator Buddy => Impl.Buddy;

        public SlabAllocator Slab => Impl.Slab;

        /// <summary>The head of the first free block of at least order 1.</summary>
        public int FreeHead(out int order)
        {
            var orders = Corrupt.Get<sbyte[]>(Buddy, "_freeOrderAt");
            for (int pfn = 0; pfn < orders.Length; pfn++)
                if (orders[pfn] >= 1) { order = orders[pfn]; return pfn; }
            throw new InvalidOperationException("setup: no free block of order 1 or more");
        }

        public PfnMinHeap PartialHeap => Corrupt.Get<PfnMinHeap[]>(Slab, "_partial")[Cache];

        /// <summary>A slab owner value (a private record struct of SlabAllocator).</summary>
        public object Owner(int head, int cacheId) =>
            Corrupt.NewElement(Slab, "_ownerAt", head, cacheId);
    }

    private static readonly Dictionary<string, (Action<Machine> Break, string Invariant, string Fragment)> Cases = new()
    {
        // BuddyAllocator (S2)
        ["free head of a bad order"] = (m => SetElement(m.Buddy, "_freeOrderAt", m.FreeHead(out _), (sbyte)11), S2, "is not an aligned block inside"),
        ["free head unaligned"] = (m => SetElement(m.Buddy, "_freeOrderAt", m.Page + 1, (sbyte)1), S2, "is not an aligned block inside"),
        ["free head missing from its bitmap"] = (m =>
        {
            int head = m.FreeHead(out int order);
            m.Buddy.FreeBitmap(order).Remove(head >> order);
        }, S2, "is missing from its order's bitmap"),
        ["head both free and allocated"] = (m => SetElement(m.Buddy, "_allocatedPagesAt", m.FreeHead(out _), 1), S2, "heads both a free block and an allocation"),
        ["page in no block"] = (m => SetElement(m.Buddy, "_allocatedPagesAt", m.Page, 0), S2, "lies in no free block and no allocation"),
        ["interior page heads a block"] = (m => SetElement(m.Buddy, "_allocatedPagesAt", m.Block + 1, 1), S2, "inside the block at pfn"),
        ["free count off"] = (m => Corrupt.Get<long[]>(m.Buddy, "_freeCount")[0]++, S2, "free blocks in the page array"),
        ["non-empty mask bit off"] = (m => m.Buddy.NonEmptyOrders |= 1u << KernelConstants.MaxPageOrder, S2, "the non-empty-order mask bit disagrees"),
        ["non-empty mask above the orders"] = (m => m.Buddy.NonEmptyOrders |= 1u << 20, S2, "has bits above order"),
        ["bitmap capacity off"] = (m => SetProperty(m.Buddy.FreeBitmap(0), "Capacity", 255), S2, "bitmap capacity 255"),
        ["page totals off"] = (m => SetProperty(m.Buddy, "FreePageCount", m.Buddy.FreePageCount + 1), S2, "counters say"),
        // LowestSetBitmap (S1)
        ["bitmap top level widened"] = (m => Corrupt.Get<int[]>(m.Buddy.FreeBitmap(0), "_wordsUsed")[m.Buddy.FreeBitmap(0).LevelCount - 1] = 2, S1, "the top level has 2 words"),
        ["bitmap member beyond capacity"] = (m => m.Buddy.FreeBitmap(3).LevelWords(0)[0] |= 1UL << 40, S1, "level 0 has members at or above its capacity 32"),
        ["bitmap summary bit over an empty word"] = (m => m.Buddy.FreeBitmap(0).LevelWords(1)[0] |= 1UL << 3, S1, "free bitmap of order 0: level 1 bit 3 is set but level 0 word 3 is 0x0000000000000000"),
        ["bitmap word without its summary bit"] = (m => m.Buddy.FreeBitmap(0).LevelWords(0)[3] |= 1UL << 5, S1, "free bitmap of order 0: level 1 bit 3 is clear but level 0 word 3 is 0x0000000000000020"),
        ["bitmap summary beyond its words"] = (m => m.Buddy.FreeBitmap(0).LevelWords(1)[0] |= 1UL << 10, S1, "level 1 has summary bits beyond the 4 words of level 0"),
        // SlabAllocator (S4, partial heaps)
        ["large kmalloc not a live block"] = (m => SetElement(m.Slab, "_largeOrderAt", m.Page, (sbyte)1), S4, "is not a live block outside every slab"),
        ["page names a slab that does not cover it"] = (m => SetElement(m.Slab, "_ownerAt", m.Page, m.Owner(m.SlabA, m.Cache)), S4, "which does not cover it"),
        ["slab of a dead cache"] = (m => SetElement(m.Slab, "_ownerAt", m.SlabA, m.Owner(m.SlabA, 63)), S4, "belongs to cache 63, which is not live"),
        ["slab page names another slab"] = (m => SetElement(m.Slab, "_ownerAt", m.SlabA + 1, m.Owner(m.SlabB, m.Cache)), S4, $"of the slab at pfn"),
        ["slab not a live buddy block"] = (m => SetElement(m.Buddy, "_allocatedKindAt", m.SlabA, AllocationKind.Exact), S4, "is not a live order-2 block"),
        ["partial slab off its heap"] = (m => SetInElement(m.Slab, "_caches", m.Cache, "ObjectsPerSlab", 1), S4, "but is in its partial heap"),
        ["dead cache keeps partial slabs"] = (m => SetInElement(m.Slab, "_caches", m.Cache, "Live", false), Heap, "is not live but its partial heap holds 2 slabs"),
        ["cache counts off"] = (m => SetInElement(m.Slab, "_caches", m.Cache, "ActiveObjects", 1L), S4, "counts 1 active"),
        ["stray heap position"] = (m => Corrupt.Get<int[][]>(m.Slab, "_heapPositions")[0][m.Page] = 0, Heap, "pfns have a heap position but the heaps hold"),
        // PfnMinHeap (partial heaps)
        ["heap slot outside the machine"] = (m => m.PartialHeap.Slots[1] = 100000, Heap, "outside the machine"),
        ["heap out of order"] = (m => (m.PartialHeap.Slots[0], m.PartialHeap.Slots[1]) = (m.PartialHeap.Slots[1], m.PartialHeap.Slots[0]), Heap, "is below its parent pfn"),
        // VmallocAllocator (S7)
        ["vmalloc page not owned"] = (m => SetElement(m.Impl.VmallocAreas, "_ownedAt", m.AreaPfn, false), S7, "not marked owned"),
        ["vmalloc chain short"] = (m => SetElement(m.Impl.VmallocAreas, "_nextPageAt", m.AreaPfn, -1), S7, "has 3 pages but its chain links 1"),
        ["vmalloc stray owned page"] = (m => SetElement(m.Impl.VmallocAreas, "_ownedAt", m.Page, true), S7, "pages are marked owned but the chains link"),
        // DentryCache (S6)
        ["dentry list out of order"] = (m => SetElement(m.Impl.Dentries, "_next", (int)m.DentryIndex, 0), S6, "which is not the next live dentry in id order"),
        ["dentry links back wrongly"] = (m => SetElement(m.Impl.Dentries, "_prev", (int)m.DentryIndex, 2), S6, "links back to 2"),
        ["dentry pins negative"] = (m => SetElement(m.Impl.Dentries, "_pins", (int)m.DentryIndex, -1), S6, "has -1 pins"),
        ["dentry name buffer unknown"] = (m => m.Impl.Dentries.NameBuffers.Clear(), S6, "is not in the name-buffer set"),
        ["dentry tail off"] = (m => Set(m.Impl.Dentries, "_tail", 0), S6, "the tail is index 0"),
        ["dentry not linked"] = (m => SetElement(m.Impl.Dentries, "_next", (int)m.DentryIndex, -1), S6, "dentries are live but the list links"),
        ["dentry name set too big"] = (m => m.Impl.Dentries.NameBuffers.Add(12345), S6, "the name-buffer set holds"),
        // PoolAllocator (S20): pool 1 has one area (slot 0) and objects 1 and 2 (slots 0 and 1)
        ["pool area sequence off"] = (m => SetInElement(m.Impl.Pools, "_areas", 0, "Sequence", 5), S20, "or has sequence 5 where 0 was due"),
        ["pool area not its vmalloc area"] = (m => SetInElement(m.Impl.Pools, "_areas", 0, "Pages", 9), S20, "is not a live vmalloc area of 9 pages"),
        ["pool area overfull"] = (m => SetInElement(m.Impl.Pools, "_areas", 0, "UsedBytes", 2 * 4096), S20, "hands out 8192 bytes of 1 pages"),
        ["pool protects beyond its areas"] = (m => SetInElement(m.Impl.Pools, "_pools", 0, "ProtectedBelow", 2), S20, "2 areas protected of 1"),
        ["pool object misaligned"] = (m => SetInElement(m.Impl.Pools, "_objects", 1, "Bytes", 3), S20, "object 2 is dead, of another pool"),
        ["pool slot off its chain"] = (m => SetInElement(m.Impl.Pools, "_objects", 1, "PrevObject", -1), S20, "live area and object slots but the pools' chains hold"),
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void TheSelfCheckNamesTheBrokenFact(string name)
    {
        var machine = new Machine();
        AssertRow(Cases[name], machine, machine.Impl);
    }
}
