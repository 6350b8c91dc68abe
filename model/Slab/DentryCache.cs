using Verify.Model.Contract;

namespace Verify.Model.Slab;

/// <summary>
/// The reference dentry example of reclaimable objects: each dentry is an object of the dentry
/// cache and, for a long name, a kmalloc-rcl buffer freed with it. Kept in a list by id (= age).
/// Both are charged as __d_alloc charges them (the dentry cache is SLAB_ACCOUNT, the name buffer
/// is GFP_KERNEL_ACCOUNT) through the kernel's callbacks: ChargeObject after each allocation (a
/// failure frees what was taken), UnchargeObject before each free.
/// </summary>
public sealed class DentryCache(SlabAllocator slab)
{
    /// <summary>Charges the object just allocated at an address; set by the kernel (nothing is charged without it).</summary>
    public Func<long, Outcome>? ChargeObject { get; set; }

    /// <summary>The object at an address is about to be freed: its charge, if any, goes.</summary>
    public Action<long>? UnchargeObject { get; set; }

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
        var dentry = Charged(slab.AllocDentryObject(), slab.FreeDentryObject);
        if (!dentry.IsOk) return dentry;
        long name = NoName;
        if (nameLengthBytes > SlabLayout.DentryInlineNameBytes)
        {
            var buffer = Charged(slab.Kmalloc(nameLengthBytes + 1, KmallocFlags.Reclaimable), address => slab.Kfree(address));
            if (!buffer.IsOk)
            {
                FreeObject(dentry.Value, slab.FreeDentryObject);
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
    public Outcome Shrink(int count) => count < 0 ? Outcome.Fail(Errno.EINVAL) : Outcome.Ok(ShrinkWhere(count, _ => true));

    /// <summary>Frees up to count unpinned dentries whose object address passes the test, oldest first (a memcg-aware shrink); returns how many.</summary>
    public long ShrinkWhere(long count, Func<long, bool> objectTest)
    {
        var victims = _dentries.Where(pair => pair.Value.Pins == 0 && objectTest(pair.Value.Address)).Take((int)Math.Min(count, int.MaxValue)).ToList();
        foreach (var (id, dentry) in victims)
        {
            if (dentry.NameAddress != NoName) FreeObject(dentry.NameAddress, address => slab.Kfree(address));
            FreeObject(dentry.Address, slab.FreeDentryObject);
            _dentries.Remove(id);
            Digest -= StateDigest.Dentry(id, dentry.Address, dentry.NameAddress, 0);
        }
        return victims.Count;
    }

    /// <summary>The allocation, charged; a charge that fails frees it again and is the outcome.</summary>
    private Outcome Charged(Outcome allocated, Func<long, Outcome> free)
    {
        var charged = allocated.IsOk && ChargeObject is { } charge ? charge(allocated.Value) : allocated;
        if (charged.IsOk) return allocated;
        if (allocated.IsOk) free(allocated.Value);
        return charged;
    }

    private void FreeObject(long address, Func<long, Outcome> free)
    {
        UnchargeObject?.Invoke(address);
        free(address);
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
