using Verify.Model.Contract;
using Verify.Model.Slab;

namespace Verify.Impl.Slab;

/// <summary>
/// Dentries with an LRU for the shrinker. Guarantees: dentry state lives in arrays indexed by
/// id - FirstId (ids only grow, so the arrays only grow); live dentries form a doubly linked list
/// in id order (= age), so Shrink walks from the oldest and skips pinned ones without sorting;
/// name buffers are a hash set, so kfree's "is this a name buffer" test is O(1).
/// Dentries and name buffers are charged through Charger as the model's are (a failed charge frees
/// what was taken; every free uncharges first); ShrinkBelow is the memcg-aware shrink, a walk of
/// the LRU from the oldest that skips pinned dentries and those charged elsewhere.
/// CheckConsistency verifies the list, the tail, the live flags and the name-buffer set against each other.
/// </summary>
public sealed class DentryCache(SlabAllocator slab) : Memcg.IDentryShrinker
{
    /// <summary>Set by the kernel: where dentries are charged (nothing is charged without it).</summary>
    public IDentryCharger? Charger { get; set; }

    private long[] _address = new long[64];
    private long[] _nameAddress = new long[64];
    private int[] _pins = new int[64];
    private int[] _next = new int[64], _prev = new int[64];
    private bool[] _live = new bool[64];
    private readonly HashSet<long> _nameBuffers = [];
    private int _count, _head = -1, _tail = -1;

    public ulong Digest { get; private set; }

    public void Reset()
    {
        Array.Clear(_live, 0, _count);
        _nameBuffers.Clear();
        _count = 0;
        _head = _tail = -1;
        Digest = 0;
    }

    public Outcome Alloc(int nameLengthBytes)
    {
        if (nameLengthBytes < 0 || nameLengthBytes > SlabLayout.DentryNameBytesMax) return Outcome.Fail(Errno.EINVAL);
        var dentry = slab.AllocDentryObject();
        if (!dentry.IsOk) return dentry;
        if (Charger is { } charger && !charger.ChargeObject(dentry.Value))
        {
            slab.FreeDentryObject(dentry.Value);
            return Outcome.Fail(Errno.ENOMEM);
        }
        long name = Verify.Model.Slab.DentryCache.NoName;
        if (nameLengthBytes > SlabLayout.DentryInlineNameBytes)
        {
            var buffer = slab.Kmalloc(nameLengthBytes + 1, KmallocFlags.Reclaimable);
            if (buffer.IsOk && Charger is { } nameCharger && !nameCharger.ChargeObject(buffer.Value))
            {
                slab.Kfree(buffer.Value);
                buffer = Outcome.Fail(Errno.ENOMEM);
            }
            if (!buffer.IsOk)
            {
                Charger?.UnchargeObject(dentry.Value);
                slab.FreeDentryObject(dentry.Value);
                return buffer;
            }
            name = buffer.Value;
            _nameBuffers.Add(name);
        }
        if (_count == _live.Length) Grow();
        int index = _count++;
        (_address[index], _nameAddress[index], _pins[index], _live[index]) = (dentry.Value, name, 0, true);
        _prev[index] = _tail;
        _next[index] = -1;
        if (_tail >= 0) _next[_tail] = index;
        else _head = index;
        _tail = index;
        long id = index + SlabLayout.FirstId;
        Digest += StateDigest.Dentry(id, dentry.Value, name, 0);
        return Outcome.Ok(id);
    }

    public Outcome Pin(long id) => ChangePins(id, +1);

    public Outcome Unpin(long id) => ChangePins(id, -1);

    public Outcome Shrink(int count) => count < 0 ? Outcome.Fail(Errno.EINVAL) : Outcome.Ok(ShrinkWhere(count, group: -1));

    public long ShrinkBelow(long group, long count) => ShrinkWhere(count, group);

    public long ShrinkAny(long count) => ShrinkWhere(count, group: -1);

    /// <summary>Frees up to count unpinned dentries, oldest first, those charged to the group's subtree only when group is not -1.</summary>
    private long ShrinkWhere(long count, long group)
    {
        long freed = 0;
        int index = _head;
        while (index >= 0 && freed < count)
        {
            int next = _next[index];
            if (_pins[index] == 0 && (group < 0 || Charger is { } charger && charger.ChargedBelow(_address[index], group)))
            {
                Free(index);
                freed++;
            }
            index = next;
        }
        return freed;
    }

    public bool IsNameBuffer(long address) => _nameBuffers.Contains(address);

    public IReadOnlyList<DentryInfo> Dentries()
    {
        var list = new List<DentryInfo>();
        for (int index = _head; index >= 0; index = _next[index])
            list.Add(new DentryInfo(index + SlabLayout.FirstId, _address[index], _nameAddress[index], _pins[index]));
        return list;
    }

    /// <summary>S6: from the head, next links visit exactly the live dentries in increasing index, each prev link names the one before, the tail is the last; names match the set.</summary>
    public void CheckConsistency(SelfCheckReport report)
    {
        const string S6 = StructureInvariant.DentryLru;
        int visited = 0, names = 0, previous = -1;
        for (int index = _head; index >= 0 && !report.IsFull; index = _next[index])
        {
            if (index >= _count || !_live[index] || index <= previous)
            {
                report.Fail(S6, $"after dentry index {previous} the list reaches index {index}, which is not the next live dentry in id order");
                return;
            }
            if (_prev[index] != previous) report.Fail(S6, $"dentry index {index} links back to {_prev[index]}, but {previous} comes before it");
            if (_pins[index] < 0) report.Fail(S6, $"dentry index {index} has {_pins[index]} pins");
            if (_nameAddress[index] != Verify.Model.Slab.DentryCache.NoName)
            {
                names++;
                if (!_nameBuffers.Contains(_nameAddress[index])) report.Fail(S6, $"dentry index {index}'s name buffer {_nameAddress[index]} is not in the name-buffer set");
            }
            visited++;
            previous = index;
        }
        if (_tail != previous) report.Fail(S6, $"the tail is index {_tail} but the list ends at {previous}");
        int live = 0;
        for (int index = 0; index < _count; index++) if (_live[index]) live++;
        if (live != visited) report.Fail(S6, $"{live} dentries are live but the list links {visited}");
        if (_nameBuffers.Count != names) report.Fail(S6, $"the name-buffer set holds {_nameBuffers.Count} addresses, the live dentries {names} external names");
    }

    /// <summary>The name-buffer set, for planted bugs that emulate a slip (test code only).</summary>
    internal HashSet<long> NameBuffers => _nameBuffers;

    private void Free(int index)
    {
        long name = _nameAddress[index];
        if (name != Verify.Model.Slab.DentryCache.NoName)
        {
            _nameBuffers.Remove(name);
            Charger?.UnchargeObject(name);
            slab.Kfree(name);
        }
        Charger?.UnchargeObject(_address[index]);
        slab.FreeDentryObject(_address[index]);
        Digest -= StateDigest.Dentry(index + SlabLayout.FirstId, _address[index], name, 0);
        _live[index] = false;
        int prev = _prev[index], next = _next[index];
        if (prev >= 0) _next[prev] = next;
        else _head = next;
        if (next >= 0) _prev[next] = prev;
        else _tail = prev;
    }

    private Outcome ChangePins(long id, int delta)
    {
        long index = id - SlabLayout.FirstId;
        if (index < 0 || index >= _count || !_live[index] || _pins[index] + delta < 0) return Outcome.Fail(Errno.EINVAL);
        Digest -= StateDigest.Dentry(id, _address[index], _nameAddress[index], _pins[index]);
        _pins[index] += delta;
        Digest += StateDigest.Dentry(id, _address[index], _nameAddress[index], _pins[index]);
        return Outcome.Ok(_pins[index]);
    }

    private void Grow()
    {
        int size = _live.Length * 2;
        Array.Resize(ref _address, size);
        Array.Resize(ref _nameAddress, size);
        Array.Resize(ref _pins, size);
        Array.Resize(ref _next, size);
        Array.Resize(ref _prev, size);
        Array.Resize(ref _live, size);
    }
}
