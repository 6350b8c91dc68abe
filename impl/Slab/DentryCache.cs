using Verify.Model.Contract;
using Verify.Model.Slab;

namespace Verify.Impl.Slab;

/// <summary>
/// Dentries with an LRU for the shrinker. Guarantees: dentry state lives in arrays indexed by
/// id - FirstId (ids only grow, so the arrays only grow); live dentries form a doubly linked list
/// in id order (= age), so Shrink walks from the oldest and skips pinned ones without sorting;
/// name buffers are a hash set, so kfree's "is this a name buffer" test is O(1).
/// </summary>
public sealed class DentryCache(SlabAllocator slab)
{
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
        long name = Verify.Model.Slab.DentryCache.NoName;
        if (nameLengthBytes > SlabLayout.DentryInlineNameBytes)
        {
            var buffer = slab.Kmalloc(nameLengthBytes + 1, KmallocFlags.Reclaimable);
            if (!buffer.IsOk)
            {
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

    public Outcome Shrink(int count)
    {
        if (count < 0) return Outcome.Fail(Errno.EINVAL);
        int freed = 0;
        int index = _head;
        while (index >= 0 && freed < count)
        {
            int next = _next[index];
            if (_pins[index] == 0)
            {
                Free(index);
                freed++;
            }
            index = next;
        }
        return Outcome.Ok(freed);
    }

    public bool IsNameBuffer(long address) => _nameBuffers.Contains(address);

    public IReadOnlyList<DentryInfo> Dentries()
    {
        var list = new List<DentryInfo>();
        for (int index = _head; index >= 0; index = _next[index])
            list.Add(new DentryInfo(index + SlabLayout.FirstId, _address[index], _nameAddress[index], _pins[index]));
        return list;
    }

    private void Free(int index)
    {
        long name = _nameAddress[index];
        if (name != Verify.Model.Slab.DentryCache.NoName)
        {
            _nameBuffers.Remove(name);
            slab.Kfree(name);
        }
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
