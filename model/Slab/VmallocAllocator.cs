using Verify.Model.Buddy;
using Verify.Model.Contract;

namespace Verify.Model.Slab;

/// <summary>The reference vmalloc: an area is a list of order-0 pages taken one at a time.</summary>
public sealed class VmallocAllocator(BuddyAllocator buddy)
{
    private readonly SortedDictionary<long, List<long>> _areas = new();
    private readonly HashSet<long> _ownedPages = [];
    private long _nextId = SlabLayout.FirstId;

    public ulong Digest { get; private set; }

    public Outcome Vmalloc(long sizeBytes)
    {
        if (sizeBytes <= 0 || sizeBytes > SlabLayout.VmallocBytesMax) return Outcome.Fail(Errno.EINVAL);
        long pagesWanted = KernelConstants.PagesFor(sizeBytes);
        var pfns = new List<long>();
        while (pfns.Count < pagesWanted)
        {
            var page = buddy.AllocPages(0);
            if (!page.IsOk)
            {
                // A partial failure gives back every page it took, in the order it took them.
                foreach (long pfn in pfns) buddy.FreePages(pfn, 0);
                return page;
            }
            pfns.Add(page.Value);
        }
        long id = _nextId++;
        _areas.Add(id, pfns);
        _ownedPages.UnionWith(pfns);
        Digest += StateDigest.VmallocArea(id, pfns.Count);
        return Outcome.Ok(id);
    }

    public Outcome Vfree(long id)
    {
        if (!_areas.Remove(id, out var pfns)) return Outcome.Fail(Errno.EINVAL);
        foreach (long pfn in pfns) buddy.FreePages(pfn, 0);
        _ownedPages.ExceptWith(pfns);
        Digest -= StateDigest.VmallocArea(id, pfns.Count);
        return Outcome.Ok(0);
    }

    public bool OwnsPage(long pfn) => _ownedPages.Contains(pfn);

    public IReadOnlyList<VmallocAreaInfo> Areas() => _areas.Select(pair => new VmallocAreaInfo(pair.Key, pair.Value.Count)).ToList();
}
