using Verify.Model.Buddy;
using Verify.Model.Contract;

namespace Verify.Model.Slab;

/// <summary>
/// The reference vmalloc: an area is a list of order-0 pages taken one at a time. An accounted
/// area charges each page as it is taken (chargePage); a page the machine or the charge refuses
/// gives back every page taken so far, in the order taken, uncharging those charged.
/// </summary>
public sealed class VmallocAllocator(BuddyAllocator buddy)
{
    private readonly SortedDictionary<long, List<long>> _areas = new();
    private readonly HashSet<long> _ownedPages = [];
    private long _nextId = SlabLayout.FirstId;

    public ulong Digest { get; private set; }

    public Outcome Vmalloc(long sizeBytes, Func<long, Outcome>? chargePage = null, Action<long>? unchargePage = null)
    {
        if (sizeBytes <= 0 || sizeBytes > SlabLayout.VmallocBytesMax) return Outcome.Fail(Errno.EINVAL);
        long pagesWanted = KernelConstants.PagesFor(sizeBytes);
        var pfns = new List<long>();
        while (pfns.Count < pagesWanted)
        {
            var page = buddy.AllocPages(0);
            if (page.IsOk && chargePage is not null)
            {
                var charged = chargePage(page.Value);
                if (!charged.IsOk)
                {
                    buddy.FreePages(page.Value, 0);
                    page = charged;
                }
            }
            if (!page.IsOk)
            {
                GiveBack(pfns, unchargePage);
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

    /// <summary>Frees the area; each page is uncharged first when it was charged (unchargePage).</summary>
    public Outcome Vfree(long id, Action<long>? unchargePage = null)
    {
        if (!_areas.Remove(id, out var pfns)) return Outcome.Fail(Errno.EINVAL);
        foreach (long pfn in pfns)
        {
            unchargePage?.Invoke(pfn);
            buddy.FreePages(pfn, 0);
        }
        _ownedPages.ExceptWith(pfns);
        Digest -= StateDigest.VmallocArea(id, pfns.Count);
        return Outcome.Ok(0);
    }

    /// <summary>A partial failure gives back every page it took, in the order it took them, each uncharged first when charged.</summary>
    private void GiveBack(List<long> pfns, Action<long>? unchargePage)
    {
        foreach (long pfn in pfns)
        {
            unchargePage?.Invoke(pfn);
            buddy.FreePages(pfn, 0);
        }
    }

    public bool OwnsPage(long pfn) => _ownedPages.Contains(pfn);

    public IReadOnlyList<VmallocAreaInfo> Areas() => _areas.Select(pair => new VmallocAreaInfo(pair.Key, pair.Value.Count)).ToList();
}
