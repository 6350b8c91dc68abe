using Verify.Model.Contract;
using Verify.Model.Slab;

namespace Verify.Bench.Workloads;

/// <summary>
/// A 256-byte cache made by CacheCreate on a 2^16-page machine, holding LiveCount objects spread
/// over twice as many slots: 2 * LiveCount objects are allocated, then every other one is freed
/// (by a seeded coin per pair). So every slab of the cache is partial and the lowest free object
/// sits in the first slab; an alloc+free pair takes it and gives it back, leaving the state as it
/// found it. Deterministic for a given seed.
/// </summary>
public static class SlabCacheWithLiveObjects
{
    public const int PagesCount = 1 << 16;
    public const int ObjectSizeBytes = 256;
    public const int LiveCount = 10_000;
    public const int SeedDefault = 0x5EED_0004;

    public static MachineConfig Machine { get; } = MachineConfig.Default with { Pages = PagesCount };

    /// <summary>Resets the kernel to the prepared state; returns the cache id.</summary>
    public static long Prepare(IKernel kernel, int seed = SeedDefault)
    {
        kernel.Reset(Machine);
        var created = kernel.CacheCreate(ObjectSizeBytes, 0, SlabFlags.None);
        Require.That(created.IsOk, $"the 256-byte cache to be created, got {created}");
        long cache = created.Value;
        var addresses = new long[2 * LiveCount];
        for (int i = 0; i < addresses.Length; i++)
        {
            var outcome = kernel.CacheAlloc(cache);
            Require.That(outcome.IsOk, $"object {i} to be allocated, got {outcome}");
            addresses[i] = outcome.Value;
        }
        var coin = new Random(seed);
        for (int pair = 0; pair < addresses.Length; pair += 2)
        {
            var outcome = kernel.CacheFree(cache, addresses[pair + coin.Next(2)]);
            Require.That(outcome.IsOk, $"freeing one object of pair {pair} to succeed, got {outcome}");
        }
        return cache;
    }
}
