using System.Runtime.CompilerServices;
using Verify.Model.Contract;

namespace Verify.Impl.Cgroups;

/// <summary>
/// Many doubly linked lists threaded through one set of members, without nodes: member m's links
/// and its list's owner live in arrays indexed by m, each owner's first member in an array indexed
/// by the owner (the tasks of each cgroup of one hierarchy; the children of each task).
/// Guarantees: a member is on at most one list, that of Owner(m) (-1: on none); Add puts it
/// first and Remove takes it out from anywhere, both O(1); each list is well linked (the head's
/// previous is -1, every next's previous points back). A removed member's links are stale and
/// never read. Arrays grow by doubling when asked (EnsureOwners, EnsureMembers) and are kept across
/// ResetOwners, which empties only the owners used. CheckList verifies one list's links and owners.
/// </summary>
public sealed class IntrusiveLists
{
    private int[] _head = Filled(16);
    private int[] _next = new int[16], _prev = new int[16], _owner = Filled(16);

    /// <summary>Makes room for owners 0..count-1; new owners have empty lists.</summary>
    public void EnsureOwners(int count)
    {
        if (count <= _head.Length) return;
        int old = _head.Length, size = ArrayGrowth.SizeFor(old, count);
        Array.Resize(ref _head, size);
        Array.Fill(_head, -1, old, size - old);
    }

    /// <summary>Makes room for members 0..count-1; new members are on no list.</summary>
    public void EnsureMembers(int count)
    {
        if (count <= _next.Length) return;
        int old = _next.Length, size = ArrayGrowth.SizeFor(old, count);
        Array.Resize(ref _next, size);
        Array.Resize(ref _prev, size);
        Array.Resize(ref _owner, size);
        Array.Fill(_owner, -1, old, size - old);
    }

    /// <summary>Empties the lists of owners 0..ownersUsed-1 and takes members 0..membersUsed-1 off every list.</summary>
    public void Reset(int ownersUsed, int membersUsed)
    {
        Array.Fill(_head, -1, 0, Math.Min(ownersUsed, _head.Length));
        Array.Fill(_owner, -1, 0, Math.Min(membersUsed, _owner.Length));
    }

    public int Head(int owner) => _head[owner];

    public int Next(int member) => _next[member];

    public int Owner(int member) => _owner[member];

    public bool IsEmpty(int owner) => _head[owner] < 0;

    /// <summary>Puts a member that is on no list first on owner's list.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int owner, int member)
    {
        int head = _head[owner];
        _next[member] = head;
        _prev[member] = -1;
        if (head >= 0) _prev[head] = member;
        _head[owner] = member;
        _owner[member] = owner;
    }

    /// <summary>Takes a member off its list.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Remove(int member)
    {
        int prev = _prev[member], next = _next[member];
        if (prev >= 0) _next[prev] = next;
        else _head[_owner[member]] = next;
        if (next >= 0) _prev[next] = prev;
        _owner[member] = -1;
    }

    /// <summary>
    /// Walks owner's list: every member is below memberLimit and names owner as its owner, every
    /// previous link points back, the walk ends within memberLimit steps. Returns the list's length
    /// (-1 when it is broken; the report says how).
    /// </summary>
    public int CheckList(SelfCheckReport report, string invariant, string name, int owner, int memberLimit)
    {
        int length = 0, previous = -1;
        for (int member = _head[owner]; member >= 0; member = _next[member])
        {
            if (member >= memberLimit || length >= memberLimit)
            {
                report.Fail(invariant, $"{name} {owner}: after member {previous} the list reaches {member}, past its {memberLimit} members or in a cycle");
                return -1;
            }
            if (_owner[member] != owner)
            {
                report.Fail(invariant, $"{name} {owner}: member {member} on its list names owner {_owner[member]}");
                return -1;
            }
            if (_prev[member] != previous)
            {
                report.Fail(invariant, $"{name} {owner}: member {member} links back to {_prev[member]}, but {previous} comes before it");
                return -1;
            }
            previous = member;
            length++;
        }
        return length;
    }

    /// <summary>The previous links, for planted bugs that emulate a slip (test code only).</summary>
    internal int[] PrevLinks => _prev;

    private static int[] Filled(int size)
    {
        var array = new int[size];
        Array.Fill(array, -1);
        return array;
    }
}
