using System.Runtime.CompilerServices;

namespace Verify.Impl.Memcg;

/// <summary>
/// The per-CPU byte stocks of sub-page kernel objects charged through an obj_cgroup (obj_stock_pcp
/// of mm/memcontrol.c, 6.18), objcgs named by dense caller-chosen ids. Per CPU: one cached objcg
/// and its stock bytes; per objcg: pages charged (through byte accounting), live object bytes and
/// nr_charged_bytes. Guarantees, mirroring the kernel (PAGE = 4096):
/// - Charging is two calls, because the kernel charges the pages (page stock, counters) before it
///   touches the byte stock: TryConsume(cpu, g, size) (consume_obj_stock) takes size bytes when this
///   CPU caches g with at least size bytes; otherwise the caller charges PagesFor(size) pages and,
///   only if that succeeded, calls Charged(cpu, g, size, slab), which refills the stock with the
///   rest of the last page, PAGE - size % PAGE (0 when size is whole pages; a slab object's refill
///   runs even then and so caches g, a plain obj_cgroup_charge's does not), without releasing whole
///   pages unless the refill switched objcg: a stock may so hold more than a page for a while.
/// - Free(cpu, g, size) (obj_cgroup_uncharge) refills size bytes and may release whole pages.
/// - A refill for g on a CPU caching another objcg first drains that one: its whole pages go to
///   IObjcgPageSink.UnchargePages (straight to the counters), its sub-page rest is added to that
///   objcg's nr_charged_bytes; then the CPU caches g and its stock starts at all of g's
///   nr_charged_bytes (taken, g's becomes 0), and whole pages may be released.
/// - After a refill that may release, a stock above one page (strictly: exactly PAGE stays) gives
///   its whole pages to IObjcgPageSink.RefillPages (the page stock of this CPU) and keeps the rest.
/// - nr_charged_bytes that reach PAGE or more stay as they are, whole pages included, exactly as
///   in the kernel: the next CPU that caches the objcg takes them all into its stock and releases
///   what is above a page; Release (obj_cgroup_release, the objcg's last reference gone: no live
///   object, cached nowhere) gives its whole pages to UnchargePages.
/// - Always, per objcg: PAGE x PagesCharged = LiveBytes + its stock bytes + NrChargedBytes
///   (checked by S13). A Free of bytes not live is a bug: LiveBytes goes negative, S13 reports it.
/// - TotalBytesHeld (stock bytes and nr_charged_bytes of every objcg) is kept by every change.
/// Storage: per-CPU arrays and one per-objcg array of structs grown by doubling on a charge of a
/// new id, all kept across Reset (which clears the ids used); no allocation per operation.
/// </summary>
public sealed partial class ByteStocks(IObjcgPageSink sink)
{
    public const int PageBytes = 4096;

    private struct Objcg
    {
        public long PagesCharged, LiveBytes, NrChargedBytes;
    }

    private int[] _cached = [], _stock = [];
    private Objcg[] _objcgs = new Objcg[16];
    private int _objcgsUsed;

    public int Cpus { get; private set; }

    /// <summary>Stock bytes of every CPU plus nr_charged_bytes of every objcg.</summary>
    public long TotalBytesHeld { get; private set; }

    /// <summary>Objcg ids 0..ObjcgsUsed-1 were charged since Reset.</summary>
    public int ObjcgsUsed => _objcgsUsed;

    public void Reset(int cpus)
    {
        if (_cached.Length < cpus)
        {
            _cached = new int[cpus];
            _stock = new int[cpus];
        }
        Array.Fill(_cached, -1, 0, cpus);
        Array.Clear(_stock, 0, cpus);
        Array.Clear(_objcgs, 0, _objcgsUsed);
        _objcgsUsed = 0;
        Cpus = cpus;
        TotalBytesHeld = 0;
    }

    /// <summary>The objcg this CPU caches, or -1.</summary>
    public int CachedObjcg(int cpu) => _cached[cpu];

    public int StockBytes(int cpu) => _stock[cpu];

    public long PagesCharged(int objcg) => objcg < _objcgsUsed ? _objcgs[objcg].PagesCharged : 0;

    public long LiveBytes(int objcg) => objcg < _objcgsUsed ? _objcgs[objcg].LiveBytes : 0;

    public long NrChargedBytes(int objcg) => objcg < _objcgsUsed ? _objcgs[objcg].NrChargedBytes : 0;

    /// <summary>The objcg's charged bytes not in a live object: its stocks on every CPU plus nr_charged_bytes. O(Cpus).</summary>
    public long BytesHeld(int objcg)
    {
        long held = NrChargedBytes(objcg);
        for (int cpu = 0; cpu < Cpus; cpu++)
            if (_cached[cpu] == objcg) held += _stock[cpu];
        return held;
    }

    /// <summary>Whole pages that hold size bytes: what a charge that TryConsume could not serve costs.</summary>
    public static int PagesFor(int size) => (size + PageBytes - 1) >> 12;

    /// <summary>
    /// After DrainAll and TrimRemainder (no stock, less than a page of nr_charged_bytes): the pages a
    /// charge of size bytes still needs once it has taken what nr_charged_bytes holds, i.e. exactly
    /// ceil((live + size) / PAGE) - ceil(live / PAGE). ChargedFromRemainder then records the charge.
    /// </summary>
    public int PagesNeededFromRemainder(int objcg, int size)
    {
        long remainder = NrChargedBytes(objcg);
        return size <= remainder ? 0 : PagesFor((int)(size - remainder));
    }

    /// <summary>The caller charged pages = PagesNeededFromRemainder(objcg, size): the object is live and nr_charged_bytes keeps the rest (below a page). No stock is touched.</summary>
    public void ChargedFromRemainder(int objcg, int size, int pages)
    {
        if (objcg >= _objcgsUsed) Use(objcg);
        ref var g = ref _objcgs[objcg];
        long rest = (long)pages * PageBytes - size;
        g.PagesCharged += pages;
        g.LiveBytes += size;
        g.NrChargedBytes += rest;
        TotalBytesHeld += rest;
    }

    /// <summary>A free that must not fill a stock (a limit of the objcg's group is below its usage): the bytes go to nr_charged_bytes, whose whole pages go to UnchargePages.</summary>
    public void FreeToRemainder(int objcg, int size)
    {
        if (objcg >= _objcgsUsed) Use(objcg);
        ref var g = ref _objcgs[objcg];
        g.LiveBytes -= size;
        g.NrChargedBytes += size;
        TotalBytesHeld += size;
        TrimRemainder(objcg);
    }

    /// <summary>Forgets the objcg's nr_charged_bytes as a slip would, the pages that held them still charged (planted bugs only).</summary>
    internal void DropRemainder(int objcg)
    {
        if (objcg >= _objcgsUsed) return;
        TotalBytesHeld -= _objcgs[objcg].NrChargedBytes;
        _objcgs[objcg].NrChargedBytes = 0;
    }

    /// <summary>Whether TryConsume would take size bytes now (this CPU caches the objcg with enough bytes); changes nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool CanConsume(int cpu, int objcg, int size) => _cached[cpu] == objcg && _stock[cpu] >= size;

    /// <summary>consume_obj_stock: the object is charged from this CPU's stock, or false and nothing changed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryConsume(int cpu, int objcg, int size)
    {
        if (_cached[cpu] != objcg || _stock[cpu] < size) return false;
        _stock[cpu] -= size;
        _objcgs[objcg].LiveBytes += size;
        TotalBytesHeld -= size;
        return true;
    }

    /// <summary>After the caller charged PagesFor(size) pages: the object is live and the last page's rest is stocked (see the guarantees).</summary>
    public void Charged(int cpu, int objcg, int size, bool slabObject)
    {
        if (objcg >= _objcgsUsed) Use(objcg);
        ref var g = ref _objcgs[objcg];
        g.PagesCharged += PagesFor(size);
        g.LiveBytes += size;
        int rest = size & (PageBytes - 1);
        if (rest != 0 || slabObject) Refill(cpu, objcg, rest != 0 ? PageBytes - rest : 0, allowRelease: false);
    }

    /// <summary>obj_cgroup_uncharge of a live object's bytes: refilled to this CPU's stock, whole pages released above a page.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free(int cpu, int objcg, int size)
    {
        if (objcg >= _objcgsUsed) Use(objcg); // a bug of the caller, which S13 then reports as negative live bytes
        _objcgs[objcg].LiveBytes -= size;
        if (_cached[cpu] == objcg && _stock[cpu] + size <= PageBytes)
        {
            _stock[cpu] += size;
            TotalBytesHeld += size;
            return;
        }
        Refill(cpu, objcg, size, allowRelease: true);
    }

    /// <summary>drain_obj_stock: the CPU's stock goes back (whole pages uncharged, the rest to nr_charged_bytes) and it caches nothing.</summary>
    public void DrainCpu(int cpu)
    {
        int old = _cached[cpu];
        if (old < 0) return;
        int bytes = _stock[cpu];
        if (bytes != 0)
        {
            int pages = (int)PageBits.PageOf(bytes);
            ref var g = ref _objcgs[old];
            if (pages != 0)
            {
                g.PagesCharged -= pages;
                TotalBytesHeld -= (long)pages * PageBytes;
                sink.UnchargePages(old, pages);
            }
            g.NrChargedBytes += bytes & (PageBytes - 1);
            _stock[cpu] = 0;
        }
        _cached[cpu] = -1;
    }

    /// <summary>Every CPU's stock drained, in CPU order.</summary>
    public void DrainAll()
    {
        for (int cpu = 0; cpu < Cpus; cpu++) DrainCpu(cpu);
    }

    /// <summary>
    /// obj_cgroup_release, for an objcg with no live object that no CPU caches: its nr_charged_bytes'
    /// whole pages go to UnchargePages, which leaves its entry all zero (the id may be used again);
    /// returns those pages. Anything left over means a broken precondition, and S13 reports it.
    /// </summary>
    public int Release(int objcg) => TrimRemainder(objcg);

    /// <summary>
    /// Our merge of remainders (not the kernel's; see MemoryCgroups.DrainEverything): the whole pages
    /// of the objcg's nr_charged_bytes go to UnchargePages, so it keeps less than a page. Called for
    /// every objcg after DrainAll, it leaves each with PAGE x pages charged = live bytes + a remainder
    /// below a page, i.e. exactly ceil(live bytes / PAGE) pages. Returns the pages uncharged.
    /// </summary>
    public int TrimRemainder(int objcg)
    {
        if (objcg >= _objcgsUsed) return 0;
        ref var g = ref _objcgs[objcg];
        int pages = (int)PageBits.PageOf(g.NrChargedBytes);
        if (pages != 0)
        {
            g.PagesCharged -= pages;
            g.NrChargedBytes -= (long)pages * PageBytes;
            TotalBytesHeld -= (long)pages * PageBytes;
            sink.UnchargePages(objcg, pages);
        }
        return pages;
    }

    /// <summary>refill_obj_stock (see the guarantees).</summary>
    private void Refill(int cpu, int objcg, int bytes, bool allowRelease)
    {
        if (_cached[cpu] != objcg)
        {
            DrainCpu(cpu);
            ref var g = ref _objcgs[objcg];
            _stock[cpu] = (int)g.NrChargedBytes;
            g.NrChargedBytes = 0;
            _cached[cpu] = objcg;
            allowRelease = true;
        }
        int stock = _stock[cpu] += bytes;
        TotalBytesHeld += bytes;
        if (!allowRelease || stock <= PageBytes) return;
        int pages = (int)PageBits.PageOf(stock);
        _stock[cpu] = stock & (PageBytes - 1);
        _objcgs[objcg].PagesCharged -= pages;
        TotalBytesHeld -= (long)pages * PageBytes;
        sink.RefillPages(cpu, objcg, pages);
    }

    private void Use(int objcg)
    {
        if (objcg >= _objcgs.Length) Array.Resize(ref _objcgs, ArrayGrowth.SizeFor(_objcgs.Length, objcg + 1));
        _objcgsUsed = objcg + 1;
    }
}
