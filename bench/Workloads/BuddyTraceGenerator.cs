using System.Numerics;
using Verify.Model.Contract;

namespace Verify.Bench.Workloads;

/// <summary>
/// A deterministic trace of buddy operations that depends only on its seed, length and machine.
/// Mix: 10% exact allocations (sizes log-uniform up to ExactBytesMax); the rest allocations of
/// order o with probability 2^-(o+1) (order 10 takes the tail) or frees of a random live
/// allocation. The generator mirrors the replayer's live list assuming every allocation succeeds
/// and steers memory towards half full: below half it allocates 60% of the time, above 40%. So
/// after a fill-up phase of about 15k operations the trace churns around 50% full, with frees
/// scattered over the whole live set: fragmented, with splits and merges at every order.
/// </summary>
public static class BuddyTraceGenerator
{
    public const int SeedDefault = 0x5EED_0002;
    public const int ExactPercent = 10;
    public const double FillTarget = 0.5;
    public const int AllocPercentBelowTarget = 60, AllocPercentAboveTarget = 40;

    public static TraceOp[] Generate(int opsCount, int machinePages, int seed = SeedDefault)
    {
        var random = new Random(seed);
        var ops = new TraceOp[opsCount];
        var livePages = new long[opsCount];
        int liveCount = 0;
        long allocatedPages = 0;
        for (int i = 0; i < opsCount; i++)
        {
            if (random.Next(100) < ExactPercent)
            {
                long sizeBytes = ExactSizeBytes(random);
                ops[i] = new TraceOp(TraceOpKind.AllocPagesExact, sizeBytes);
                livePages[liveCount++] = KernelConstants.PagesFor(sizeBytes);
                allocatedPages += KernelConstants.PagesFor(sizeBytes);
                continue;
            }
            bool belowTarget = allocatedPages < FillTarget * machinePages;
            int allocPercent = belowTarget ? AllocPercentBelowTarget : AllocPercentAboveTarget;
            if (random.Next(100) < allocPercent)
            {
                int order = GeometricOrder(random);
                ops[i] = new TraceOp(TraceOpKind.AllocPages, order);
                livePages[liveCount++] = 1L << order;
                allocatedPages += 1L << order;
            }
            else
            {
                int k = random.Next(int.MaxValue);
                ops[i] = new TraceOp(TraceOpKind.FreeLive, k);
                if (liveCount == 0) continue;
                int index = k % liveCount;
                allocatedPages -= livePages[index];
                livePages[index] = livePages[--liveCount]; // the replayer's swap-remove
            }
        }
        return ops;
    }

    /// <summary>Order o with probability 2^-(o+1) for o below MaxPageOrder; MaxPageOrder takes the remaining 2^-10.</summary>
    private static int GeometricOrder(Random random) =>
        BitOperations.TrailingZeroCount(random.Next() | (1 << KernelConstants.MaxPageOrder));

    /// <summary>A size up to a random power-of-two number of pages, so each order of the block it needs is about as likely.</summary>
    private static long ExactSizeBytes(Random random)
    {
        long limitBytes = (long)KernelConstants.PageSizeBytes << random.Next(KernelConstants.MaxPageOrder + 1);
        return random.NextInt64(1, limitBytes + 1);
    }
}
