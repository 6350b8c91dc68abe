using Verify.Model.Contract;
using Verify.Model.Slab;
using Verify.Properties.Support;

namespace Verify.Properties.Slab;

/// <summary>
/// Edges of the slab API that the alphabet's argument ranges never reach (a bulk count outside
/// 1..16, a negative kmalloc size) or reach too rarely for the gate (the slot just past a slab's
/// last object, in its tail waste; kfree of a dentry, an object of the first cache after the
/// kmalloc caches; an address inside an object), run on the model and on the impl alike: each is EINVAL and changes nothing.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class SlabEdgesOnBothSidesTests
{
    private static readonly MachineConfig Machine = new(256, 2);

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void TheSlotPastASlabsLastObjectIsNoObject(string side)
    {
        var kernel = SideBySide.Kernel(side, Machine);
        long cache = kernel.CacheCreate(3000, 8, SlabFlags.None).Value;
        long first = kernel.CacheAlloc(cache).Value; // a new slab's first object: the slab's start
        var info = kernel.TakeSnapshot().SlabCaches.Single(c => c.Id == cache);
        Assert.True(info.WasteBytesPerSlab > 0, "the cache must leave tail waste");
        long pastLast = first + (long)info.ObjectsPerSlab * info.SizeBytes;
        SideBySide.AssertRefusedAndNothingChanged(kernel, k => k.CacheFree(cache, pastLast));
        SideBySide.AssertRefusedAndNothingChanged(kernel, k => k.CacheFreeBulk(cache, pastLast, 1));
    }

    /// <summary>An address inside a live object, not at its start, names no object for cache_free nor cache_free_bulk.</summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void AnAddressInsideAnObjectIsNoObject(string side)
    {
        var kernel = SideBySide.Kernel(side, Machine);
        long cache = kernel.CacheCreate(64, 8, SlabFlags.None).Value;
        long first = kernel.CacheAlloc(cache).Value;
        Assert.True(kernel.CacheAlloc(cache).IsOk);
        SideBySide.AssertRefusedAndNothingChanged(kernel, k => k.CacheFree(cache, first + 8));
        SideBySide.AssertRefusedAndNothingChanged(kernel, k => k.CacheFreeBulk(cache, first + 8, 2));
    }

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void ABulkCountOutsideOneToSixteenIsRefused(string side)
    {
        var kernel = SideBySide.Kernel(side, Machine);
        long cache = kernel.CacheCreate(64, 8, SlabFlags.None).Value;
        long first = kernel.CacheAlloc(cache).Value;
        SideBySide.AssertRefusedAndNothingChanged(kernel, k => k.CacheFreeBulk(cache, first, 0));
        SideBySide.AssertRefusedAndNothingChanged(kernel, k => k.CacheFreeBulk(cache, first, Model.Alphabet.Alphabet.BulkFreeCountMax + 1));
        Assert.True(kernel.CacheFreeBulk(cache, first, Model.Alphabet.Alphabet.BulkFreeCountMax).IsOk);
    }

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void ANegativeKmallocSizeIsRefused(string side) =>
        SideBySide.AssertRefusedAndNothingChanged(SideBySide.Kernel(side, Machine), k => k.Kmalloc(-1, KmallocFlags.None));

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void KfreeOfADentryIsRefused(string side)
    {
        var kernel = SideBySide.Kernel(side, Machine);
        long dentry = kernel.DentryAlloc(8).Value;
        long address = kernel.TakeSnapshot().Dentries.Single(d => d.Id == dentry).Address;
        SideBySide.AssertRefusedAndNothingChanged(kernel, k => k.Kfree(address));
    }
}
