using Verify.Model.Contract;

namespace Verify.Bench.Workloads;

/// <summary>
/// A machine of 2^16 pages, half allocated and fragmented as badly as a buddy allocator can be:
/// every page is allocated at order 0, then of each buddy pair of pages exactly one, chosen by a
/// seeded coin, is freed. No two free pages are buddies, so nothing merges: the free memory is
/// 32768 order-0 blocks and half the pages stay allocated. Deterministic for a given seed.
/// </summary>
public static class FragmentedMachine
{
    public const int PagesCount = 1 << 16;
    public const int SeedDefault = 0x5EED_0001;

    public static MachineConfig Machine { get; } = MachineConfig.Default with { Pages = PagesCount };

    public static void Prepare(IKernel kernel, int seed = SeedDefault)
    {
        kernel.Reset(Machine);
        for (long pfn = 0; pfn < PagesCount; pfn++)
        {
            var outcome = kernel.AllocPages(0);
            Require.That(outcome == Outcome.Ok(pfn), $"order-0 allocation {pfn} to return pfn {pfn}, got {outcome}");
        }
        var coin = new Random(seed);
        for (long pair = 0; pair < PagesCount; pair += 2)
        {
            var outcome = kernel.FreePages(pair + coin.Next(2), 0);
            Require.That(outcome.IsOk, $"freeing one page of pair {pair} to succeed, got {outcome}");
        }
        Require.That(kernel.FreePageCount == PagesCount / 2, $"{PagesCount / 2} free pages, got {kernel.FreePageCount}");
        Require.That(kernel.FreeBlockCount(0) == PagesCount / 2, $"{PagesCount / 2} free order-0 blocks, got {kernel.FreeBlockCount(0)}");
    }
}
