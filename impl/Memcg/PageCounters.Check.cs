using Verify.Model.Contract;

namespace Verify.Impl.Memcg;

/// <summary>
/// PageCounters' self-check (S11), O(slots x depth): the children's usages and counts are summed
/// in one pass over the live slots into scratch arrays the table owns (a clean check allocates
/// nothing), then every live counter is checked against them and its chain against its parents.
/// </summary>
public sealed partial class PageCounters
{
    private long[] _childUsageScratch = [];
    private int[] _childCountScratch = [];

    /// <summary>
    /// The slot pool; per live counter: its parent live and not itself, its chain its ancestry up
    /// to a root, usage = Own + the live children's usages, usage never negative nor above the
    /// watermark, failcnt never negative and 0 where not tracked, max never negative, and the
    /// live-children count a recount.
    /// </summary>
    public void CheckConsistency(SelfCheckReport report)
    {
        const string S11 = StructureInvariant.PageCounters;
        _pool.CheckConsistency(report, S11, "page counter slots");
        int slots = _pool.HighWater;
        if (_childUsageScratch.Length < slots)
        {
            _childUsageScratch = new long[_nodes.Length];
            _childCountScratch = new int[_nodes.Length];
        }
        Array.Clear(_childUsageScratch, 0, slots);
        Array.Clear(_childCountScratch, 0, slots);
        for (int slot = 0; slot < slots; slot++)
        {
            if (!_pool.IsLive(slot)) continue;
            int parent = _nodes[slot].Parent;
            if (parent < 0) continue;
            if (parent == slot || !_pool.IsLive(parent))
            {
                report.Fail(S11, $"page counter {slot}: its parent {parent} is not another live counter");
                continue;
            }
            _childUsageScratch[parent] += _nodes[slot].Usage;
            _childCountScratch[parent]++;
        }
        for (int slot = 0; slot < slots && !report.IsFull; slot++)
        {
            if (!_pool.IsLive(slot)) continue;
            ref var n = ref _nodes[slot];
            if (n.Usage < 0) report.Fail(S11, $"page counter {slot}: usage {n.Usage} is negative (an uncharge of pages it did not hold)");
            if (n.Usage != n.Own + _childUsageScratch[slot])
                report.Fail(S11, $"page counter {slot}: usage {n.Usage}, but its own charges {n.Own} and its children's usages {_childUsageScratch[slot]} sum to {n.Own + _childUsageScratch[slot]}");
            if (n.Watermark < n.Usage) report.Fail(S11, $"page counter {slot}: watermark {n.Watermark} is below usage {n.Usage}");
            if (n.Failcnt < 0 || (!n.TracksFailcnt && n.Failcnt != 0)) report.Fail(S11, $"page counter {slot}: failcnt {n.Failcnt} (tracked: {n.TracksFailcnt})");
            if (n.Max < 0) report.Fail(S11, $"page counter {slot}: max {n.Max} is negative");
            if (n.LiveChildren != _childCountScratch[slot]) report.Fail(S11, $"page counter {slot}: counts {n.LiveChildren} live children, a recount {_childCountScratch[slot]}");
            if (!ChainIsAncestry(slot, slots)) report.Fail(S11, $"page counter {slot}: its chain [{string.Join(' ', _chains[slot] ?? [])}] is not its ancestry");
        }
    }

    /// <summary>The chain lists the slot, then its parents in order, and ends at a root.</summary>
    private bool ChainIsAncestry(int slot, int slots)
    {
        var chain = _chains[slot];
        if (chain is null) return false;
        int i = 0;
        for (int level = slot; level >= 0; level = _nodes[level].Parent, i++)
        {
            if (i >= chain.Length || i > slots || chain[i] != level || !_pool.IsLive(level)) return false;
        }
        return i == chain.Length;
    }
}
