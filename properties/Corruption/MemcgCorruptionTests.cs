using Verify.Impl;
using Verify.Impl.Memcg;
using Verify.Model.Contract;
using Verify.Model.Slab;
using Verify.Properties.Support;
using static Verify.Properties.Support.Corrupt;

namespace Verify.Properties.Corruption;

/// <summary>
/// S11 to S14 see each fact they guard break: the page counters, page stocks and byte stocks of a
/// small v2 machine whose task in G/H has touched anonymous and file pages and allocated accounted
/// objects, and a standalone LruLists; every row breaks one fact and asserts the self-check names it.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class MemcgCorruptionTests
{
    private const string S11 = StructureInvariant.PageCounters, S12 = StructureInvariant.PageStocks, S13 = StructureInvariant.ByteStocks;
    private const string S15 = StructureInvariant.MemcgPages, S16 = StructureInvariant.MemcgKernel, S18 = StructureInvariant.ResidentCounts, S19 = StructureInvariant.PageTables;

    private sealed class Machine
    {
        public readonly ImplKernel Impl = new(new MachineConfig(512, 2));
        public readonly long G, H, Task;
        public readonly int TaskSlot, FreeTaskSlot;

        public Machine()
        {
            G = Impl.CgroupCreate(1).Value;
            H = Impl.CgroupCreate(G).Value;
            Task = Impl.TaskFork(KernelConstants.InitPid).Value;
            Must(Impl.TaskAttach(Task, H));
            Must(Impl.RunOn(Task, 1));
            Must(Impl.TaskTouchAnon(Task, 3));
            Must(Impl.TaskTouchFile(Task, 2));
            Must(Impl.Kmalloc(100, KmallocFlags.Account));
            long gone = Impl.TaskFork(Task).Value;
            FreeTaskSlot = Impl.Containers.TaskSlots.SlotOf(gone);
            Must(Impl.TaskTouchAnon(gone, 1)); // so the memcg side has seen its slot
            Must(Impl.TaskExit(gone));
            TaskSlot = Impl.Containers.TaskSlots.SlotOf(Task);
            Assert.Empty(Violations(Impl));
        }

        public PageCounters Counters => Impl.Memcg.Counters;

        public int Counter(long group) => Impl.Memcg.CounterOf(group);

        public PageStocks Stocks => Corrupt.Get<PageStocks>(Impl.Memcg, "_stocksField");

        public ByteStocks Bytes => Corrupt.Get<ByteStocks>(Impl.Memcg, "_bytesField");

        /// <summary>The obj_cgroup that holds the accounted object.</summary>
        public int Objcg()
        {
            for (int objcg = 1; objcg < Bytes.ObjcgsUsed; objcg++)
                if (Bytes.LiveBytes(objcg) > 0) return objcg;
            throw new InvalidOperationException("setup: no obj_cgroup holds bytes");
        }

        /// <summary>The index into the page-stock arrays of the slot of CPU 1 that caches H's counter.</summary>
        public int StockSlotOfH()
        {
            for (int i = 0; i < PageStocks.SlotsPerCpu; i++)
                if (Stocks.CachedCounter(1, i) == Counter(H)) return 8 + i;
            throw new InvalidOperationException("setup: CPU 1 caches no stock of H");
        }

        /// <summary>The index of an empty page-stock slot of CPU 0.</summary>
        public int EmptyStockSlot()
        {
            for (int i = 0; i < PageStocks.SlotsPerCpu; i++)
                if (Stocks.CachedCounter(0, i) < 0) return i;
            throw new InvalidOperationException("setup: CPU 0 has no empty stock slot");
        }
    }

    /// <summary>The newest page on the page-cache LRU links on to the oldest.</summary>
    private static void CloseLru(Machine m) => Get<int[]>(m.Impl.Memcg, "_next")[Get<int>(m.Impl.Memcg, "_lruTail")] = Get<int>(m.Impl.Memcg, "_lruHead");

    /// <summary>The oldest page of the task's anonymous list links back to the newest.</summary>
    private static void CloseAnonymousList(Machine m)
    {
        var next = Get<int[]>(m.Impl.Memcg, "_next");
        int head = Get<int[]>(m.Impl.Memcg, "_anonHead")[m.TaskSlot], last = head;
        while (next[last] >= 0) last = next[last];
        next[last] = head;
    }

    private static readonly Dictionary<string, (Action<Machine> Break, string Invariant, string Fragment)> Cases = new()
    {
        // Each group with a counter owns one of each kind, and no more live (S15): the memory root, G and H
        ["a memory counter no group owns"] = (m => m.Counters.Create(-1, tracksFailcnt: false), S15, "3 groups own counters but the memory, tcp and kmem pools hold 4, 3 and 3"),
        ["a tcp counter no group owns"] = (m => Get<PageCounters>(m.Impl.Memcg, "_tcp").Create(-1, tracksFailcnt: false), S15, "3 groups own counters but the memory, tcp and kmem pools hold 3, 4 and 3"),
        ["a kmem counter no group owns"] = (m => Get<PageCounters>(m.Impl.Memcg, "_kmem").Create(-1, tracksFailcnt: false), S15, "3 groups own counters but the memory, tcp and kmem pools hold 3, 3 and 4"),
        // The recount of every group's pages against its counter (S15): a charge made on the counter alone.
        // H holds 7: 3 anonymous, 2 page cache, 1 page table, 1 page for the kmalloc object; its counter
        // holds 63 raw pages, 56 of them in stocks.
        ["a counter charged with no page behind it"] = (m => m.Counters.Charge(m.Counter(m.H), 1), S15, "memcg 3 counts 8 pages (raw 64, stocked below 56) but 7 are charged in its subtree"),
        // PageCounters (S11), the tcp pool's own check too
        ["tcp counter usage negative"] = (m => SetInElement(Get<PageCounters>(m.Impl.Memcg, "_tcp"), "_nodes", 0, "Usage", -1L), S11, "is negative (an uncharge"),
        ["counter is its own parent"] = (m => SetInElement(m.Counters, "_nodes", m.Counter(m.H), "Parent", m.Counter(m.H)), S11, "is not another live counter"),
        ["counter usage negative"] = (m => SetInElement(m.Counters, "_nodes", m.Counter(m.H), "Usage", -1L), S11, "is negative (an uncharge"),
        ["counter usage off its sum"] = (m => m.Counters.UsageOf(m.Counter(m.H))++, S11, "but its own charges"),
        ["watermark below usage"] = (m => SetInElement(m.Counters, "_nodes", m.Counter(m.H), "Watermark", 0L), S11, "is below usage"),
        ["failcnt negative"] = (m => SetInElement(m.Counters, "_nodes", m.Counter(m.H), "Failcnt", -1L), S11, "failcnt -1"),
        ["failcnt untracked"] = (m =>
        {
            SetInElement(m.Counters, "_nodes", m.Counter(m.H), "TracksFailcnt", false);
            SetInElement(m.Counters, "_nodes", m.Counter(m.H), "Failcnt", 2L);
        }, S11, "failcnt 2 (tracked: False)"),
        ["max negative"] = (m => m.Counters.ForceMax(m.Counter(m.H), -1), S11, "max -1 is negative"),
        ["live children off"] = (m => SetInElement(m.Counters, "_nodes", m.Counter(m.G), "LiveChildren", 3), S11, "live children, a recount"),
        ["chain missing"] = (m => SetElement(m.Counters, "_chains", m.Counter(m.H), null), S11, "its chain []"),
        ["chain too short"] = (m => SetElement(m.Counters, "_chains", m.Counter(m.H), new[] { m.Counter(m.H) }), S11, "is not its ancestry"),
        ["chain too long"] = (m => SetElement(m.Counters, "_chains", m.Counter(m.G), new[] { m.Counter(m.G), 0, 0 }), S11, "is not its ancestry"),
        // PageStocks (S12)
        ["empty stock slot holds pages"] = (m => SetElement(m.Stocks, "_pages", m.EmptyStockSlot(), 5), S12, "caches no counter but holds 5 pages"),
        ["stock caches a dead counter"] = (m => SetElement(m.Stocks, "_cached", m.EmptyStockSlot(), 400), S12, "caches counter 400, which is not live"),
        ["stock above the batch"] = (m => SetElement(m.Stocks, "_pages", m.StockSlotOfH(), 65), S12, "outside 0..64"),
        ["counter cached twice"] = (m => SetElement(m.Stocks, "_cached", m.StockSlotOfH() == 8 ? 9 : 8, m.Counter(m.H)), S12, "is cached in slots"),
        ["held pages off"] = (m => Corrupt.Get<int[]>(m.Stocks, "_held")[m.Counter(m.H)]++, S12, "HeldPages says"),
        ["cached slots off"] = (m => Corrupt.Get<int[]>(m.Stocks, "_cachedSlots")[m.Counter(m.H)]++, S12, "CachedSlots says"),
        ["total held off"] = (m => SetProperty(m.Stocks, "TotalHeld", m.Stocks.TotalHeld + 1), S12, "TotalHeld says"),
        // ByteStocks (S13)
        ["byte stock negative"] = (m => SetElement(m.Bytes, "_stock", 1, -8), S13, "stock of -8 bytes is negative"),
        ["bytes without an objcg"] = (m => SetElement(m.Bytes, "_stock", 0, 8), S13, "caches no objcg but holds 8 bytes"),
        ["objcg never charged"] = (m => SetElement(m.Bytes, "_cached", 0, 300), S13, "caches objcg 300, which was never charged"),
        ["objcg count negative"] = (m => SetInElement(m.Bytes, "_objcgs", m.Bytes.CachedObjcg(1), "LiveBytes", -1L), S13, "a negative count"),
        ["objcg pages charged negative"] = (m => SetInElement(m.Bytes, "_objcgs", m.Bytes.CachedObjcg(1), "PagesCharged", -1L), S13, "objcg 3: -1 pages charged, 136 live bytes, 0 nr_charged_bytes: a negative count"),
        ["objcg nr_charged_bytes negative"] = (m => SetInElement(m.Bytes, "_objcgs", m.Bytes.CachedObjcg(1), "NrChargedBytes", -8L), S13, "objcg 3: 1 pages charged, 136 live bytes, -8 nr_charged_bytes: a negative count"),
        ["objcg bytes off"] = (m => SetInElement(m.Bytes, "_objcgs", m.Bytes.CachedObjcg(1), "NrChargedBytes", 8L), S13, "objcg 3: 1 pages charged (4096 bytes), but 136 live + 3960 in stock + 8 nr_charged_bytes = 4104"),
        // The kernel-memory records (S16), resident counts (S18) and page tables (S19)
        ["objcg whole pages off"] = (m => Corrupt.Get<long[]>(m.Impl.Memcg, "_objcgWholePages")[m.Objcg()]++, S16, "reclaimable object bytes; its charges hold"),
        ["objcg live bytes off"] = (m => SetInElement(m.Bytes, "_objcgs", m.Objcg(), "LiveBytes", 1L), S16, "the byte stocks count 1 live bytes"),
        ["kmem counter off"] = (m => Corrupt.Get<PageCounters>(m.Impl.Memcg, "_kmem").UsageOf(Corrupt.Get<int[]>(m.Impl.Memcg, "_kmemOf")[(int)m.H]) += 5, S16, "kmem counts"),
        ["kernel charges digest stale"] = (m => Set(m.Impl.Memcg, "_kernelDigest", 1UL), S16, "the kernel charges' digest is stale"),
        ["anonymous pages of a dead task"] = (m => Corrupt.Get<int[]>(m.Impl.Memcg, "_anonHead")[m.FreeTaskSlot] = Corrupt.Get<int[]>(m.Impl.Memcg, "_anonHead")[m.TaskSlot], S18, "anonymous pages but no live task"),
        ["page table of a dead task"] = (m => Corrupt.Get<int[]>(m.Impl.Memcg, "_tableHead")[m.FreeTaskSlot] = Corrupt.Get<int[]>(m.Impl.Memcg, "_tableHead")[m.TaskSlot], S19, "is not a page table of its task"),
        // The user pages (S15)
        ["file page marked anonymous"] = (m => Corrupt.Get<byte[]>(m.Impl.Memcg, "_kind")[Corrupt.Get<int>(m.Impl.Memcg, "_lruHead")] = 1, S15, "is on the page-cache LRU but is not a page-cache page"),
        ["anonymous page marked file"] = (m => Corrupt.Get<byte[]>(m.Impl.Memcg, "_kind")[Corrupt.Get<int[]>(m.Impl.Memcg, "_anonHead")[m.TaskSlot]] = 2, S15, "anonymous list but is not an anonymous page"),
        // A list turned into a cycle: the walks stop one page past the 5 user pages, so the count is 6
        // and the recount of H and G counts one page twice (8 of the 7)
        ["page-cache LRU in a cycle: the count"] = (m => CloseLru(m), S15, "the lists hold 6 pages but 5 user pages are owned"),
        ["page-cache LRU in a cycle: the recount"] = (m => CloseLru(m), S15, "memcg 3 counts 7 pages (raw 63, stocked below 56) but 8 are charged in its subtree"),
        ["page-cache LRU in a cycle and no anonymous list: the count"] = (m => { CloseLru(m); Get<int[]>(m.Impl.Memcg, "_anonHead")[m.TaskSlot] = -1; }, S15, "the lists hold 6 pages but 5 user pages are owned"),
        ["anonymous list in a cycle: the count"] = (m => CloseAnonymousList(m), S15, "the lists hold 6 pages but 5 user pages are owned"),
        ["anonymous list in a cycle: the resident count"] = (m => CloseAnonymousList(m), S18, "task slot 1 counts 3 resident pages but its anonymous list holds 6"),
        ["resident count off"] = (m => Get<long[]>(m.Impl.Memcg, "_anonCount")[m.TaskSlot]--, S18, "task slot 1 counts 2 resident pages but its anonymous list holds 3"),
        ["anonymous list in a cycle: the recount"] = (m => CloseAnonymousList(m), S15, "memcg 3 counts 7 pages (raw 63, stocked below 56) but 8 are charged in its subtree"),
        ["user page count off"] = (m => Set(m.Impl.Memcg, "_userPages", Corrupt.Get<int>(m.Impl.Memcg, "_userPages") + 1), S15, "user pages are owned"),
        ["user pages digest stale"] = (m => Set(m.Impl.Memcg, "_pagesDigest", 1UL), S15, "the user and socket pages' digest is stale"),
        ["page tables digest stale"] = (m => Set(m.Impl.Memcg, "_tablesDigest", 1UL), S19, "the page tables' digest is stale"),
        ["stray page-table mark"] = (m => Corrupt.Get<byte[]>(m.Impl.Memcg, "_kind")[Corrupt.Get<int>(m.Impl.Memcg, "_lruHead")] = 4, S19, "pages are marked as page tables but the stacks hold"),
        ["total bytes off"] = (m => SetProperty(m.Bytes, "TotalBytesHeld", m.Bytes.TotalBytesHeld + 1), S13, "TotalBytesHeld says"),
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
