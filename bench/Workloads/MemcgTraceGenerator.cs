using Verify.Model.Contract;

namespace Verify.Bench.Workloads;

/// <summary>
/// A deterministic memcg-heavy trace that depends only on its seed and length: 35% anonymous
/// touches and 25% page-cache touches of 1 to 8 pages, 25% unmaps of 1 to 8 pages, 8% limit
/// writes (memory or high, 100 to 300 pages or "max"), 5% run_on over 8 CPUs, 2% attach. The
/// replayer's groups and limits keep usage near the limits, so charges reclaim page cache and
/// some fail.
/// </summary>
public static class MemcgTraceGenerator
{
    public const int SeedDefault = 0x5EED_3E3C;
    public const int PagesPerCallMax = 8, LimitMin = 100, LimitMax = 300, Cpus = 8;

    public static MemcgTraceOp[] Generate(int opsCount, int seed = SeedDefault)
    {
        var random = new Random(seed);
        var ops = new MemcgTraceOp[opsCount];
        for (int i = 0; i < opsCount; i++)
        {
            int roll = random.Next(100);
            var kind = roll switch
            {
                < 35 => MemcgTraceOpKind.TouchAnon,
                < 60 => MemcgTraceOpKind.TouchFile,
                < 85 => MemcgTraceOpKind.Unmap,
                < 93 => MemcgTraceOpKind.SetLimit,
                < 98 => MemcgTraceOpKind.RunOn,
                _ => MemcgTraceOpKind.Attach,
            };
            long arg = random.Next(int.MaxValue);
            long arg2 = kind switch
            {
                MemcgTraceOpKind.SetLimit => random.Next(4) == 0 ? KernelConstants.LimitMaxWord * 2 - random.Next(2) : random.Next(LimitMin, LimitMax + 1) * 2L + random.Next(2),
                MemcgTraceOpKind.RunOn => random.Next(Cpus),
                MemcgTraceOpKind.Attach => random.Next(int.MaxValue),
                _ => random.Next(1, PagesPerCallMax + 1),
            };
            ops[i] = new MemcgTraceOp(kind, arg, arg2);
        }
        return ops;
    }
}
