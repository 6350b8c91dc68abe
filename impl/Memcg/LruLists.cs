namespace Verify.Impl.Memcg;

/// <summary>
/// Per-group LRU lists of page-cache pages, oldest first, threaded through arrays indexed by a
/// dense page id (no nodes), groups named by dense caller slots. Guarantees:
/// - AddTail puts a page that is on no list at the newest end of a group's list; Remove takes a
///   page out from anywhere; PopOldest takes the oldest: O(1) each, apart from finding the page's
///   group after splices (below). Count(group) is kept by every change.
/// - SpliceToParent(child, parent) appends the child's whole list, in its order, after the
///   parent's newest page and leaves the child empty, in O(1): only the two ends are relinked.
///   No page is touched, so pages keep naming the list they were added to: each group owns a list
///   id, and a spliced list id forwards to the id its pages moved to, while the child gets a
///   fresh id (so its slot may serve a new group at once). GroupOf(page) follows the forwarding
///   from the page's list id to the live one, halving the path as it goes (union-find path
///   halving): amortized near-constant, at worst the number of splices the page went through.
///   Forwarding only ever points at a list that was live, and a spliced id never becomes live
///   again, so the chains have no cycle.
/// - A page is on at most one list; each list is well linked (the oldest's previous and the
///   newest's next are -1, every next's previous points back) and holds exactly the pages whose
///   list id resolves to its group's, as many as Count says (S14).
/// Storage: arrays grow by doubling when a larger page, group or list id appears, and are kept
/// across Reset, which clears only the used pages' list ids; no allocation per operation in steady state.
/// </summary>
public sealed partial class LruLists
{
    private struct Group
    {
        public int List; // the group's live list id; -1 until the group is first used
        public int Oldest, Newest, Count; // the ends are read only while Count > 0
    }

    private int[] _next = Filled(16), _prev = Filled(16), _listOfPage = Filled(16);
    private Group[] _groups = new Group[16];
    private int[] _forward = Filled(16), _groupOfList = Filled(16);
    private int _pagesUsed, _groupsUsed, _listsUsed;

    /// <summary>Page ids 0..PagesUsed-1 have been added since Reset.</summary>
    public int PagesUsed => _pagesUsed;

    public int GroupsUsed => _groupsUsed;

    /// <summary>List ids handed out since Reset: one per group used plus one per non-empty splice.</summary>
    public int ListsUsed => _listsUsed;

    /// <summary>Every list empty, no page on one; the arrays stay.</summary>
    public void Reset()
    {
        Array.Fill(_listOfPage, -1, 0, _pagesUsed);
        // _forward, _groupOfList and _groups need no clearing: NewList and UseGroup write an entry
        // before its list id or group comes into use again.
        _pagesUsed = _groupsUsed = _listsUsed = 0;
    }

    public int Count(int group) => group < _groupsUsed ? _groups[group].Count : 0;

    /// <summary>The group's oldest page, or -1.</summary>
    public int Oldest(int group) => group < _groupsUsed && _groups[group].Count > 0 ? _groups[group].Oldest : -1;

    public int Newest(int group) => group < _groupsUsed && _groups[group].Count > 0 ? _groups[group].Newest : -1;

    /// <summary>The next newer page on the list, or -1 after the newest.</summary>
    public int Next(int page) => _next[page];

    public bool IsOnList(int page) => page < _pagesUsed && _listOfPage[page] >= 0;

    /// <summary>The group whose list holds the page, or -1 (shortens the page's forwarding path).</summary>
    public int GroupOf(int page)
    {
        if (!IsOnList(page)) return -1;
        int list = Resolve(_listOfPage[page]);
        _listOfPage[page] = list;
        return _groupOfList[list];
    }

    /// <summary>Puts a page that is on no list at the newest end of the group's list.</summary>
    public void AddTail(int group, int page)
    {
        if (page >= _pagesUsed) UsePage(page);
        ref var g = ref UseGroup(group);
        _next[page] = -1;
        _prev[page] = g.Count > 0 ? g.Newest : -1;
        if (g.Count > 0) _next[g.Newest] = page;
        else g.Oldest = page;
        g.Newest = page;
        g.Count++;
        _listOfPage[page] = g.List;
    }

    /// <summary>Takes a page off its list, wherever it is.</summary>
    public void Remove(int page) => Unlink(GroupOf(page), page);

    /// <summary>Takes the group's oldest page off its list and returns it, or -1 when the list is empty.</summary>
    public int PopOldest(int group)
    {
        int page = Oldest(group);
        if (page >= 0) Unlink(group, page);
        return page;
    }

    /// <summary>Moves the child's whole list, in order, after the parent's newest page; the child is left empty. O(1).</summary>
    public void SpliceToParent(int child, int parent)
    {
        if (child == parent || Count(child) == 0) return;
        ref var p = ref UseGroup(parent);
        ref var c = ref _groups[child];
        if (p.Count > 0)
        {
            _next[p.Newest] = c.Oldest;
            _prev[c.Oldest] = p.Newest;
        }
        else p.Oldest = c.Oldest;
        p.Newest = c.Newest;
        p.Count += c.Count;
        _forward[c.List] = p.List;
        c.List = NewList(child);
        c.Count = 0; // its ends keep stale values: nothing reads them while Count is 0
    }

    private void Unlink(int group, int page)
    {
        ref var g = ref _groups[group];
        int prev = _prev[page], next = _next[page];
        if (prev >= 0) _next[prev] = next;
        else g.Oldest = next;
        if (next >= 0) _prev[next] = prev;
        else g.Newest = prev;
        g.Count--;
        _listOfPage[page] = -1;
    }

    /// <summary>The live list id a list id forwards to, halving the path on the way.</summary>
    private int Resolve(int list)
    {
        int next;
        while ((next = _forward[list]) >= 0)
        {
            int after = _forward[next];
            if (after < 0) return next;
            _forward[list] = after;
            list = after;
        }
        return list;
    }

    private ref Group UseGroup(int group)
    {
        if (group >= _groupsUsed)
        {
            if (group >= _groups.Length) Array.Resize(ref _groups, ArrayGrowth.SizeFor(_groups.Length, group + 1));
            for (int g = _groupsUsed; g <= group; g++) _groups[g] = new Group { List = -1 };
            _groupsUsed = group + 1;
        }
        ref var entry = ref _groups[group];
        if (entry.List < 0) entry.List = NewList(group);
        return ref entry;
    }

    private int NewList(int group)
    {
        if (_listsUsed == _forward.Length)
        {
            Grow(ref _forward, _listsUsed + 1);
            Grow(ref _groupOfList, _listsUsed + 1);
        }
        _forward[_listsUsed] = -1;
        _groupOfList[_listsUsed] = group;
        return _listsUsed++;
    }

    private void UsePage(int page)
    {
        if (page >= _next.Length)
        {
            Grow(ref _next, page + 1);
            Grow(ref _prev, page + 1);
            Grow(ref _listOfPage, page + 1);
        }
        _pagesUsed = page + 1;
    }

    private static void Grow(ref int[] array, int count)
    {
        int old = array.Length, size = ArrayGrowth.SizeFor(old, count);
        Array.Resize(ref array, size);
        Array.Fill(array, -1, old, size - old);
    }

    private static int[] Filled(int size)
    {
        var array = new int[size];
        Array.Fill(array, -1);
        return array;
    }
}
