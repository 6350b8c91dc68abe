using Verify.Impl.Buddy;
using Verify.Model.Contract;
using Verify.Model.Slab;

namespace Verify.Impl.Slab;

/// <summary>
/// vmalloc over order-0 pages. Guarantees: an area's pages form a singly linked list through a
/// page-indexed array (next pfn, -1 at the end) in the order they were taken, so a page's owner
/// test is O(1) and an area costs no allocation beyond one dictionary entry.
/// </summary>
public sealed class VmallocAllocator(BuddyAllocator buddy)
{
    private readonly Dictionary<long, (int FirstPfn, int Pages)> _areas = [];
    private int[] _nextPageAt = [];
    private bool[] _ownedAt = [];
    private long _nextId;

    public ulong Digest { get; private set; }

    public void Reset(int pages)
    {
        if (_ownedAt.Length < pages)
        {
            _nextPageAt = new int[pages];
            _ownedAt = new bool[pages];
        }
        else
        {
            Array.Clear(_ownedAt, 0, pages);
        }
        _areas.Clear();
        _nextId = SlabLayout.FirstId;
        Digest = 0;
    }

    public Outcome Vmalloc(long sizeBytes)
    {
        if (sizeBytes <= 0 || sizeBytes > SlabLayout.VmallocBytesMax) return Outcome.Fail(Errno.EINVAL);
        int pagesWanted = (int)KernelConstants.PagesFor(sizeBytes);
        int first = -1, last = -1;
        for (int taken = 0; taken < pagesWanted; taken++)
        {
            var page = buddy.AllocPages(0);
            if (!page.IsOk)
            {
                FreeChain(first);
                return page;
            }
            int pfn = (int)page.Value;
            _ownedAt[pfn] = true;
            _nextPageAt[pfn] = -1;
            if (last < 0) first = pfn;
            else _nextPageAt[last] = pfn;
            last = pfn;
        }
        long id = _nextId++;
        _areas.Add(id, (first, pagesWanted));
        Digest += StateDigest.VmallocArea(id, pagesWanted);
        return Outcome.Ok(id);
    }

    public Outcome Vfree(long id)
    {
        if (!_areas.Remove(id, out var area)) return Outcome.Fail(Errno.EINVAL);
        FreeChain(area.FirstPfn);
        Digest -= StateDigest.VmallocArea(id, area.Pages);
        return Outcome.Ok(0);
    }

    public bool OwnsPage(long pfn) => (ulong)pfn < (ulong)_ownedAt.Length && _ownedAt[pfn];

    public IReadOnlyList<VmallocAreaInfo> Areas() =>
        _areas.Select(pair => new VmallocAreaInfo(pair.Key, pair.Value.Pages)).OrderBy(a => a.Id).ToList();

    private void FreeChain(int pfn)
    {
        while (pfn >= 0)
        {
            int next = _nextPageAt[pfn];
            _ownedAt[pfn] = false;
            buddy.FreePages(pfn, 0);
            pfn = next;
        }
    }
}
