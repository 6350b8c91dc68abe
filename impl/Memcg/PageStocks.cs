using System.Runtime.CompilerServices;

namespace Verify.Impl.Memcg;

/// <summary>
/// The per-CPU page stocks of 6.16+ (memcg_stock_pcp): per CPU SlotsPerCpu slots of (counter slot
/// of a PageCounters, up to ChargeBatch pages charged to it but not yet used), uncharging through
/// that PageCounters. Guarantees, mirroring mm/memcontrol.c on 6.18:
/// - Consume(cpu, c, n): succeeds, taking n pages, only when n &lt;= 64 and the slot of this CPU
///   that caches c holds at least n; it never evicts and never changes another slot.
/// - Refill(cpu, c, n): n &gt; 64 uncharges n from c directly. Else, if a slot caches c, n is added
///   to it and, when that makes it exceed 64, the slot is drained (all its pages uncharged, the
///   slot emptied). Else c takes the first empty slot with n pages, or, with none empty, evicts
///   the slot chosen by the draw below (uncharging what it held) and takes it.
/// - The draw (get_random_u32_below(7)) is deterministic: one SplitMix64 stream seeded at Reset
///   (state += 0x9E3779B97F4A7C15, then the standard SplitMix64 mix), one value per eviction,
///   slot = (int)(((value &gt;&gt; 32) * 7) &gt;&gt; 32). A model that steps the same stream the same way
///   evicts the same slots.
/// - DrainCpu (drain_stock_fully) empties every slot of a CPU, uncharging slot by slot in order;
///   DrainAll does it for every CPU in order; DrainSubtree(root) (drain_all_stock, done at once)
///   drains fully exactly the CPUs that hold a slot with pages of a counter in root's subtree.
///   A slot drained by any path is empty afterwards; a slot can cache a counter with 0 pages.
/// - A counter is cached in at most one slot per CPU. HeldPages(c) (pages stocked for c over all
///   CPUs), CachedSlots(c) (slots naming c: a counter must not be removed while it is non-zero)
///   and TotalHeld are kept by every change, O(1) to read; the S12 self-check recounts them.
/// Storage: two int arrays of Cpus x 8 (slot 7 of each CPU unused, so a CPU's slots share a
/// stride) and two per-counter arrays grown by doubling when a counter is first cached; all kept
/// across Reset. No allocation per operation in steady state.
/// </summary>
public sealed partial class PageStocks(PageCounters counters)
{
    public const int ChargeBatch = 64;
    public const int SlotsPerCpu = 7;
    private const int Stride = 8;

    private int[] _cached = [], _pages = [];
    private int[] _held = new int[16], _cachedSlots = new int[16];
    private ulong _draw;

    public int Cpus { get; private set; }

    public long TotalHeld { get; private set; }

    /// <summary>Empty stocks for cpus CPUs and a new draw stream; the counters are the caller's to reset.</summary>
    public void Reset(int cpus, ulong seed)
    {
        if (_cached.Length < cpus * Stride)
        {
            _cached = new int[cpus * Stride];
            _pages = new int[cpus * Stride];
        }
        Array.Fill(_cached, -1, 0, cpus * Stride);
        Array.Clear(_pages, 0, cpus * Stride);
        Array.Clear(_held);
        Array.Clear(_cachedSlots);
        Cpus = cpus;
        TotalHeld = 0;
        _draw = seed;
    }

    /// <summary>The counter slot i of a CPU caches, or -1.</summary>
    public int CachedCounter(int cpu, int i) => _cached[cpu * Stride + i];

    public int CachedPages(int cpu, int i) => _pages[cpu * Stride + i];

    /// <summary>Pages stocked for a counter over all CPUs.</summary>
    public int HeldPages(int counter) => counter < _held.Length ? _held[counter] : 0;

    /// <summary>Slots naming the counter over all CPUs (with or without pages).</summary>
    public int CachedSlots(int counter) => counter < _cachedSlots.Length ? _cachedSlots[counter] : 0;

    /// <summary>consume_stock: takes the pages from this CPU's slot of the counter; false (nothing changed) when it cannot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Consume(int cpu, int counter, int pages)
    {
        if ((uint)pages > ChargeBatch) return false;
        var cached = _cached;
        int base_ = cpu * Stride;
        for (int i = base_; i < base_ + SlotsPerCpu; i++)
        {
            if (cached[i] != counter) continue;
            if (_pages[i] < pages) return false;
            _pages[i] -= pages;
            _held[counter] -= pages;
            TotalHeld -= pages;
            return true;
        }
        return false;
    }

    /// <summary>refill_stock: stocks pages charged to the counter on this CPU (see the guarantees).</summary>
    public void Refill(int cpu, int counter, int pages)
    {
        if (pages > ChargeBatch)
        {
            counters.Uncharge(counter, pages);
            return;
        }
        var cached = _cached;
        int base_ = cpu * Stride, empty = -1;
        for (int i = base_; i < base_ + SlotsPerCpu; i++)
        {
            int c = cached[i];
            if (c < 0 && empty < 0) empty = i;
            if (c != counter) continue;
            _held[counter] += pages;
            TotalHeld += pages;
            if ((_pages[i] += pages) > ChargeBatch) Drain(i);
            return;
        }
        if (empty < 0)
        {
            empty = base_ + NextSlotDraw();
            Drain(empty);
        }
        if (counter >= _held.Length) Grow(counter);
        cached[empty] = counter;
        _pages[empty] = pages;
        _held[counter] += pages;
        _cachedSlots[counter]++;
        TotalHeld += pages;
    }

    /// <summary>drain_stock_fully: every slot of the CPU, in order.</summary>
    public void DrainCpu(int cpu)
    {
        for (int i = cpu * Stride; i < cpu * Stride + SlotsPerCpu; i++) Drain(i);
    }

    /// <summary>Every CPU drained fully, in CPU order.</summary>
    public void DrainAll()
    {
        for (int cpu = 0; cpu < Cpus; cpu++) DrainCpu(cpu);
    }

    /// <summary>drain_all_stock(root), synchronously: each CPU holding pages of a counter in root's subtree is drained fully.</summary>
    public void DrainSubtree(int root)
    {
        for (int cpu = 0; cpu < Cpus; cpu++)
        {
            for (int i = cpu * Stride; i < cpu * Stride + SlotsPerCpu; i++)
            {
                if (_cached[i] < 0 || _pages[i] == 0 || !counters.IsDescendant(_cached[i], root)) continue;
                DrainCpu(cpu);
                break;
            }
        }
    }

    /// <summary>drain_stock: uncharges what the slot holds and empties it.</summary>
    private void Drain(int i)
    {
        int counter = _cached[i];
        if (counter < 0) return;
        int pages = _pages[i];
        if (pages > 0)
        {
            counters.Uncharge(counter, pages);
            _held[counter] -= pages;
            TotalHeld -= pages;
            _pages[i] = 0;
        }
        _cachedSlots[counter]--;
        _cached[i] = -1;
    }

    /// <summary>The next eviction draw, in 0..SlotsPerCpu-1.</summary>
    private int NextSlotDraw()
    {
        ulong z = _draw += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(((z >> 32) * SlotsPerCpu) >> 32);
    }

    private void Grow(int counter)
    {
        int size = ArrayGrowth.SizeFor(_held.Length, counter + 1);
        Array.Resize(ref _held, size);
        Array.Resize(ref _cachedSlots, size);
    }
}
