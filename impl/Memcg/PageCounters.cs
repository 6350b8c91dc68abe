using Verify.Impl.Cgroups;

namespace Verify.Impl.Memcg;

/// <summary>
/// A forest of hierarchical page counters (mm/page_counter.c) in dense slots: a memory cgroup's
/// memory counter, and as separate instances the v1 kmem and tcp counters. Each slot keeps its
/// chain, the slots from itself up to its root inclusive (built at Create), so a charge walks one
/// small array of independent loads instead of chasing parent links, and IsDescendant is O(1).
/// Guarantees, per operation (n >= 0 pages):
/// - TryCharge(s, n): adds n level by level from s up to its root; at the first level whose new
///   usage would exceed its max (usage == max is allowed) that level is left as it was, the levels
///   below it get n back, the levels above are untouched, failcnt of that level grows by one when
///   this counter tracks failcnt, and the level's slot is returned; -1 when every level took n.
///   Watermarks raised below the failing level stay raised (the kernel does not roll them back).
/// - Charge(s, n) forced: adds n everywhere ignoring max, raises watermarks, never failcnt.
/// - Uncharge(s, n): subtracts n at every level up to the root. Going below zero is always a bug
///   for us: the value is NOT clamped (the kernel warns and clamps); it stays negative, so the S11
///   self-check reports it at that step. Uncharge never throws.
/// - SetMax(s, max): false, changing nothing, iff usage > max (the caller decides EBUSY/reclaim).
/// Unlimited, the initial max, is PAGE_COUNTER_MAX = long.MaxValue / 4096 (LONG_MAX / PAGE_SIZE).
/// The root is a counter like any other: its usage sums every charge below it; callers that must
/// not charge it directly (the root memcg) simply never pass its slot.
/// Each slot also keeps Own, the net of the charges made at it (n of every successful TryCharge and
/// Charge, minus every Uncharge), so usage = Own + the usages of the live children is an identity
/// the self-check recounts; Remove folds a counter's usage into its parent's Own, so a removed
/// child's pages stay counted above it (as the kernel's dead memcg keeps its parent charged).
/// Storage (nodes, chains, slot pool) grows by doubling and is kept across Remove and Reset; a
/// chain array is reused when its slot is created again at the same depth; CheckConsistency uses
/// scratch arrays the table owns: no allocation per operation in steady state.
/// </summary>
public sealed partial class PageCounters
{
    /// <summary>PAGE_COUNTER_MAX: the max of a new counter, "unlimited".</summary>
    public const long Unlimited = long.MaxValue / 4096;

    private struct Node
    {
        public int Parent; // slot; -1 for a root
        public int LiveChildren;
        public bool TracksFailcnt;
        public long Usage, Max, Watermark, Failcnt;
        public long Own; // the net of the charges made at this counter itself
    }

    private readonly SlotPool _pool = new();
    private Node[] _nodes = new Node[16];
    private int[][] _chains = new int[16][];

    public int LiveCount => _pool.LiveCount;

    /// <summary>Forgets every counter; the arrays (chains included) stay for reuse.</summary>
    public void Reset()
    {
        Array.Clear(_nodes, 0, _pool.HighWater);
        _pool.Reset();
    }

    /// <summary>A new counter with usage 0, max Unlimited, below a live parent (or a root when parent is -1).</summary>
    public int Create(int parent, bool tracksFailcnt)
    {
        int slot = _pool.Allocate();
        if (slot >= _nodes.Length)
        {
            Array.Resize(ref _nodes, _nodes.Length * 2);
            Array.Resize(ref _chains, _chains.Length * 2);
        }
        _nodes[slot] = new Node { Parent = parent, TracksFailcnt = tracksFailcnt, Max = Unlimited };
        int length = parent < 0 ? 1 : _chains[parent].Length + 1;
        var chain = _chains[slot];
        if (chain is null || chain.Length != length) _chains[slot] = chain = new int[length];
        chain[0] = slot;
        if (parent >= 0)
        {
            _chains[parent].CopyTo(chain, 1);
            _nodes[parent].LiveChildren++;
        }
        return slot;
    }

    /// <summary>
    /// Frees a live counter without live children; its usage moves into its parent's Own, so no
    /// ancestor's usage changes. The caller makes sure nothing (a stock) still names the slot.
    /// </summary>
    public void Remove(int slot)
    {
        ref var node = ref _nodes[slot];
        if (node.Parent >= 0)
        {
            ref var parent = ref _nodes[node.Parent];
            parent.Own += node.Usage;
            parent.LiveChildren--;
        }
        node = default;
        _pool.Free(slot);
    }

    public bool IsLive(int slot) => _pool.IsLive(slot);

    public int ParentOf(int slot) => _nodes[slot].Parent;

    /// <summary>0 for a root.</summary>
    public int DepthOf(int slot) => _chains[slot].Length - 1;

    public long Usage(int slot) => _nodes[slot].Usage;

    public long Max(int slot) => _nodes[slot].Max;

    public long Watermark(int slot) => _nodes[slot].Watermark;

    public long Failcnt(int slot) => _nodes[slot].Failcnt;

    public bool TracksFailcnt(int slot) => _nodes[slot].TracksFailcnt;

    /// <summary>mem_cgroup_is_descendant: true when ancestor is the slot itself or on its chain. O(1).</summary>
    public bool IsDescendant(int slot, int ancestor)
    {
        var chain = _chains[slot];
        int up = chain.Length - _chains[ancestor].Length;
        return up >= 0 && chain[up] == ancestor;
    }

    /// <summary>page_counter_try_charge: -1 when every level took the pages, else the slot of the first level over its max.</summary>
    public int TryCharge(int slot, long pages)
    {
        var nodes = _nodes;
        var chain = _chains[slot];
        for (int i = 0; i < chain.Length; i++)
        {
            ref var n = ref nodes[chain[i]];
            long usage = n.Usage + pages;
            if (usage > n.Max)
            {
                if (n.TracksFailcnt) n.Failcnt++;
                for (int below = 0; below < i; below++) nodes[chain[below]].Usage -= pages;
                return chain[i];
            }
            n.Usage = usage;
            if (usage > n.Watermark) n.Watermark = usage;
        }
        nodes[slot].Own += pages;
        return -1;
    }

    /// <summary>page_counter_charge: adds the pages at every level whatever the max.</summary>
    public void Charge(int slot, long pages)
    {
        var nodes = _nodes;
        foreach (int level in _chains[slot])
        {
            ref var n = ref nodes[level];
            long usage = n.Usage += pages;
            if (usage > n.Watermark) n.Watermark = usage;
        }
        nodes[slot].Own += pages;
    }

    /// <summary>page_counter_uncharge: subtracts the pages at every level, without clamping (see the guarantees).</summary>
    public void Uncharge(int slot, long pages)
    {
        var nodes = _nodes;
        foreach (int level in _chains[slot]) nodes[level].Usage -= pages;
        nodes[slot].Own -= pages;
    }

    /// <summary>page_counter_set_max: false, changing nothing, iff the usage is above the new max.</summary>
    public bool SetMax(int slot, long max)
    {
        ref var n = ref _nodes[slot];
        if (n.Usage > max) return false;
        n.Max = max;
        return true;
    }

    /// <summary>One counter's usage alone, as a slip would leave it (planted bugs only).</summary>
    internal ref long UsageOf(int slot) => ref _nodes[slot].Usage;

    /// <summary>The v2 memory.max write: xchg of the max whatever the usage (reclaim follows).</summary>
    public void ForceMax(int slot, long max) => _nodes[slot].Max = max;

    /// <summary>page_counter_reset_watermark: the watermark becomes the usage now.</summary>
    public void ResetWatermark(int slot) => _nodes[slot].Watermark = _nodes[slot].Usage;

    /// <summary>A write to v1 memory.failcnt and its kmem/tcp variants.</summary>
    public void ResetFailcnt(int slot) => _nodes[slot].Failcnt = 0;
}
