using Verify.Model.Contract;

namespace Verify.Bench.Workloads;

/// <summary>
/// Folds a replay's outcomes in order into one checksum and a count of failed calls, so two
/// kernels that agree on every call end with equal folds. No allocation.
/// </summary>
public struct OutcomeFold
{
    public ulong Checksum { get; private set; }

    public int FailedCount { get; private set; }

    public void Add(Outcome outcome)
    {
        if (!outcome.IsOk) FailedCount++;
        Checksum = (Checksum * 0x100000001B3UL) ^ (ulong)outcome.Value ^ ((ulong)outcome.Errno << 56);
    }

    public readonly ReplayResult Result(int liveCount, ulong digest) => new(Checksum, FailedCount, liveCount, digest);
}
