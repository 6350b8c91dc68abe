using Verify.Impl.Buddy;
using Verify.Model.Contract;
using Verify.Model.Slab;

namespace Verify.Impl.Slab;

/// <summary>
/// vmalloc over order-0 pages. Guarantees: an area's pages form a singly linked list through a
/// page-indexed array (next pfn, -1 at the end) in the order they were taken, so a page's owner
/// test is O(1) and an area costs no allocation beyond one dictionary entry. The dictionary is
/// only looked up by id and listed sorted, so its internal order never shows.
/// An accounted area charges each page as it is taken (IVmallocPageCharger); a page the machine
/// or the charge refuses gives back every page taken so far (the refused one first, then the rest
/// in the order taken, uncharging them), as the model does.
/// CheckConsistency verifies that the chains and the owned flags describe the same pages.
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
        Array.Fill(_nextPageAt, -1, 0, pages); // no chain link of an earlier machine stays readable
        _areas.Clear();
        _nextId = SlabLayout.FirstId;
        Digest = 0;
    }

    public Outcome Vmalloc(long sizeBytes, IVmallocPageCharger? charger = null)
    {
        if (sizeBytes <= 0 || sizeBytes > SlabLayout.VmallocBytesMax) return Outcome.Fail(Errno.EINVAL);
        int pagesWanted = (int)KernelConstants.PagesFor(sizeBytes);
        int first = -1, last = -1;
        for (int taken = 0; taken < pagesWanted; taken++)
        {
            var page = buddy.AllocPages(0);
            if (page.IsOk && charger is not null && !charger.ChargeVmallocPage((int)page.Value))
            {
                buddy.FreePages(page.Value, 0);
                page = Outcome.Fail(Errno.ENOMEM);
            }
            if (!page.IsOk)
            {
                FreeChain(first, charger);
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

    /// <summary>Frees the area; each page is uncharged first through the charger, which ignores pages it never charged.</summary>
    public Outcome Vfree(long id, IVmallocPageCharger? charger = null)
    {
        if (!_areas.Remove(id, out var area)) return Outcome.Fail(Errno.EINVAL);
        FreeChain(area.FirstPfn, charger);
        Digest -= StateDigest.VmallocArea(id, area.Pages);
        return Outcome.Ok(0);
    }

    public bool OwnsPage(long pfn) => (ulong)pfn < (ulong)_ownedAt.Length && _ownedAt[pfn];

    public IReadOnlyList<VmallocAreaInfo> Areas() =>
        _areas.Select(pair => new VmallocAreaInfo(pair.Key, pair.Value.Pages)).OrderBy(a => a.Id).ToList();

    /// <summary>S7: each area's chain has exactly its page count of distinct owned pages, and the owned flags mark nothing else.</summary>
    public void CheckConsistency(SelfCheckReport report, int machinePages)
    {
        const string S7 = StructureInvariant.VmallocChains;
        var seen = new HashSet<int>();
        foreach (var (id, area) in _areas.OrderBy(pair => pair.Key))
        {
            int length = 0;
            for (int pfn = area.FirstPfn; pfn >= 0 && length <= area.Pages; pfn = _nextPageAt[pfn])
            {
                if (pfn >= machinePages || !_ownedAt[pfn] || !seen.Add(pfn))
                {
                    report.Fail(S7, $"area {id}: page {pfn} of its chain is outside the machine, not marked owned, or in another chain");
                    break;
                }
                length++;
            }
            if (length != area.Pages) report.Fail(S7, $"area {id} has {area.Pages} pages but its chain links {length}");
        }
        int owned = _ownedAt.AsSpan(0, Math.Min(machinePages, _ownedAt.Length)).Count(true);
        if (owned != seen.Count) report.Fail(S7, $"{owned} pages are marked owned but the chains link {seen.Count}");
    }

    /// <summary>The owned flags, for planted bugs that emulate a slip (test code only).</summary>
    internal bool[] OwnedFlags => _ownedAt;

    private void FreeChain(int pfn, IVmallocPageCharger? charger)
    {
        while (pfn >= 0)
        {
            int next = _nextPageAt[pfn];
            _ownedAt[pfn] = false;
            charger?.UnchargeVmallocPage(pfn);
            buddy.FreePages(pfn, 0);
            pfn = next;
        }
    }
}
