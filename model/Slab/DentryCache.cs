using Verify.Model.Contract;

namespace Verify.Model.Slab;

/// <summary>
/// The reference dentry example of reclaimable objects: each dentry is an object of the dentry
/// cache and, for a long name, a kmalloc-rcl buffer freed with it. Kept in a list by id (= age).
/// </summary>
public sealed class DentryCache(SlabAllocator slab)
{
    private sealed class Dentry(long address, long nameAddress)
    {
        public long Address { get; } = address;
        public long NameAddress { get; } = nameAddress;
        public int Pins { get; set; }
    }

    /// <summary>NameAddress of a dentry whose name is inline (0 is a valid address).</summary>
    public const long NoName = -1;

    private readonly SortedDictionary<long, Dentry> _dentries = new();
    private long _nextId = SlabLayout.FirstId;

    public ulong Digest { get; private set; }

    public Outcome Alloc(int nameLengthBytes)
    {
        if (nameLengthBytes < 0 || nameLengthBytes > SlabLayout.DentryNameBytesMax) return Outcome.Fail(Errno.EINVAL);
        var dentry = slab.AllocDentryObject();
        if (!dentry.IsOk) return dentry;
        long name = NoName;
        if (nameLengthBytes > SlabLayout.DentryInlineNameBytes)
        {
            var buffer = slab.Kmalloc(nameLengthBytes + 1, KmallocFlags.Reclaimable);
            if (!buffer.IsOk)
            {
                slab.FreeDentryObject(dentry.Value);
                return buffer;
            }
            name = buffer.Value;
        }
        long id = _nextId++;
        _dentries.Add(id, new Dentry(dentry.Value, name));
        Digest += StateDigest.Dentry(id, dentry.Value, name, 0);
        return Outcome.Ok(id);
    }

    public Outcome Pin(long id) => ChangePins(id, +1);

    public Outcome Unpin(long id) => ChangePins(id, -1);

    /// <summary>Frees up to count unpinned dentries, oldest (lowest id) first; returns how many.</summary>
    public Outcome Shrink(int count)
    {
        if (count < 0) return Outcome.Fail(Errno.EINVAL);
        var victims = _dentries.Where(pair => pair.Value.Pins == 0).Take(count).ToList();
        foreach (var (id, dentry) in victims)
        {
            if (dentry.NameAddress != NoName) slab.Kfree(dentry.NameAddress);
            slab.FreeDentryObject(dentry.Address);
            _dentries.Remove(id);
            Digest -= StateDigest.Dentry(id, dentry.Address, dentry.NameAddress, 0);
        }
        return Outcome.Ok(victims.Count);
    }

    public bool IsNameBuffer(long address) => address != NoName && _dentries.Values.Any(d => d.NameAddress == address);

    public IReadOnlyList<DentryInfo> Dentries() =>
        _dentries.Select(pair => new DentryInfo(pair.Key, pair.Value.Address, pair.Value.NameAddress, pair.Value.Pins)).ToList();

    private Outcome ChangePins(long id, int delta)
    {
        if (!_dentries.TryGetValue(id, out var dentry) || dentry.Pins + delta < 0) return Outcome.Fail(Errno.EINVAL);
        Digest -= StateDigest.Dentry(id, dentry.Address, dentry.NameAddress, dentry.Pins);
        dentry.Pins += delta;
        Digest += StateDigest.Dentry(id, dentry.Address, dentry.NameAddress, dentry.Pins);
        return Outcome.Ok(dentry.Pins);
    }
}
