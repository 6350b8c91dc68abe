using Verify.Model.Slab;

namespace Verify.Bench.Workloads;

/// <summary>
/// A deterministic slab-heavy trace that depends only on its seed and length: many objects in a
/// few caches, as dentry and inode caches hold them. Allocations: 70% CacheAlloc on one of the
/// replay's five user caches, 20% Kmalloc (sizes log-uniform up to 512 bytes, one in 32 up to
/// 64 KiB so the page path is taken too; each family equally likely), 8% DentryAlloc (name
/// lengths 0..63, so about half need a name buffer), 2% Vmalloc (up to 64 KiB). Besides
/// allocations: frees of a random live object and, one step in 64, a Shrink of up to 64 dentries.
/// The generator counts live objects assuming every allocation succeeds: below LiveTarget it only
/// allocates (a fill-up phase of about 60k operations), then it allocates 40% of the time, so the
/// rest of the trace churns around LiveTarget with frees scattered over every cache's slabs.
/// </summary>
public static class SlabTraceGenerator
{
    public const int SeedDefault = 0x5EED_0005;
    public const int LiveTarget = 60_000;
    public const int AllocPercentBelowTarget = 100, AllocPercentAboveTarget = 40;
    public const int ShrinkOneIn = 64, ShrinkCountMax = 64;
    public const int KmallocSmallBytesMax = 512, KmallocLargeBytesMax = 65536, KmallocLargeOneIn = 32;
    public const int VmallocBytesMax = 65536, DentryNameLengthMax = 63;

    public static SlabTraceOp[] Generate(int opsCount, int seed = SeedDefault)
    {
        var random = new Random(seed);
        var ops = new SlabTraceOp[opsCount];
        int liveCount = 0;
        for (int i = 0; i < opsCount; i++)
        {
            if (random.Next(ShrinkOneIn) == 0)
            {
                ops[i] = new SlabTraceOp(SlabTraceOpKind.Shrink, random.Next(1, ShrinkCountMax + 1));
                continue;
            }
            int allocPercent = liveCount < LiveTarget ? AllocPercentBelowTarget : AllocPercentAboveTarget;
            if (random.Next(100) < allocPercent)
            {
                ops[i] = RandomAllocation(random);
                if (ops[i].Kind != SlabTraceOpKind.DentryAlloc) liveCount++;
            }
            else
            {
                ops[i] = new SlabTraceOp(SlabTraceOpKind.FreeLive, random.Next(int.MaxValue));
                if (liveCount > 0) liveCount--;
            }
        }
        return ops;
    }

    private static SlabTraceOp RandomAllocation(Random random)
    {
        int pick = random.Next(100);
        if (pick < 70) return new SlabTraceOp(SlabTraceOpKind.CacheAlloc, random.Next(SlabTraceReplayer.UserCaches.Length));
        if (pick < 90)
        {
            long limit = random.Next(KmallocLargeOneIn) == 0 ? KmallocLargeBytesMax : KmallocSmallBytesMax;
            var flags = (KmallocFlags)random.Next(3);
            return new SlabTraceOp(SlabTraceOpKind.Kmalloc, LogUniform(random, limit), (long)flags);
        }
        if (pick < 98) return new SlabTraceOp(SlabTraceOpKind.DentryAlloc, random.Next(DentryNameLengthMax + 1));
        return new SlabTraceOp(SlabTraceOpKind.Vmalloc, LogUniform(random, VmallocBytesMax));
    }

    /// <summary>1..limit, below a random power of two first, so small and large sizes are both common.</summary>
    private static long LogUniform(Random random, long limit)
    {
        int bits = 64 - (int)ulong.LeadingZeroCount((ulong)limit);
        long bound = Math.Min(limit, 1L << random.Next(1, bits + 1));
        return random.NextInt64(1, bound + 1);
    }
}
