using Verify.Model.Contract;

namespace Verify.Impl.Memcg;

/// <summary>
/// LruLists' self-check (S14), O(lists x forwarding depth + pages): walks every group's list,
/// resolving each page's list id without shortening anything, and counts the pages that claim a
/// list. Reads only; allocates nothing.
/// </summary>
public sealed partial class LruLists
{
    /// <summary>
    /// Every forwarding chain ends at a live list within ListsUsed steps, and a live list id names
    /// its group back. Every used group's list is well linked from Oldest to Newest, its pages
    /// resolve to its list id, and its length is its Count. No other page claims to be on a list.
    /// </summary>
    public void CheckConsistency(SelfCheckReport report)
    {
        const string S14 = StructureInvariant.LruLists;
        for (int list = 0; list < _listsUsed && !report.IsFull; list++)
        {
            int live = ResolveWithoutHalving(list);
            if (live < 0) report.Fail(S14, $"list id {list}: its forwarding does not reach a live list within {_listsUsed} steps");
            else if ((uint)_groupOfList[live] >= (uint)_groupsUsed || _groups[_groupOfList[live]].List != live)
                report.Fail(S14, $"list id {list}: forwards to {live}, which is not the live list of group {_groupOfList[live]}");
        }
        long onLists = 0;
        for (int group = 0; group < _groupsUsed && !report.IsFull; group++)
        {
            ref var g = ref _groups[group];
            if (g.List < 0)
            {
                if (g.Count != 0) report.Fail(S14, $"group {group}: has no list but counts {g.Count} pages");
                continue;
            }
            int length = 0, previous = -1;
            for (int page = g.Count > 0 ? g.Oldest : -1; page >= 0; page = _next[page])
            {
                if (page >= _pagesUsed || length >= _pagesUsed)
                {
                    report.Fail(S14, $"group {group}: after page {previous} the list reaches {page}, past the {_pagesUsed} pages or in a cycle");
                    break;
                }
                if (_prev[page] != previous) report.Fail(S14, $"group {group}: page {page} links back to {_prev[page]}, but {previous} comes before it");
                if (_listOfPage[page] < 0 || ResolveWithoutHalving(_listOfPage[page]) != g.List)
                    report.Fail(S14, $"group {group}: page {page} on its list names list id {_listOfPage[page]}, which does not resolve to the group's {g.List}");
                previous = page;
                length++;
            }
            if (length != g.Count) report.Fail(S14, $"group {group}: counts {g.Count} pages, its list holds {length}");
            if (g.Count > 0 && previous != g.Newest) report.Fail(S14, $"group {group}: its newest is {g.Newest}, the walk ends at {previous}");
            onLists += length;
        }
        long claiming = 0;
        for (int page = 0; page < _pagesUsed; page++)
            if (_listOfPage[page] >= 0) claiming++;
        if (!report.IsFull && claiming != onLists) report.Fail(S14, $"{claiming} pages name a list, but the lists hold {onLists}");
    }

    /// <summary>The live list id at the end of a forwarding chain, or -1 past ListsUsed steps.</summary>
    private int ResolveWithoutHalving(int list)
    {
        for (int steps = 0; steps <= _listsUsed; steps++)
        {
            if ((uint)list >= (uint)_listsUsed) return -1;
            if (_forward[list] < 0) return list;
            list = _forward[list];
        }
        return -1;
    }
}
