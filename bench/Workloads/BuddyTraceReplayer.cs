using Verify.Model.Contract;

namespace Verify.Bench.Workloads;

/// <summary>
/// Replays a trace against one kernel from a fresh machine, keeping the live allocations in
/// preallocated arrays (a free swap-removes), so the replay itself allocates nothing and costs a
/// few array accesses per operation. The result folds every outcome: two kernels that agree on
/// every call return equal results.
/// </summary>
public sealed class BuddyTraceReplayer
{
    private readonly long[] _livePfn;
    private readonly long[] _liveArg;
    private readonly TraceOpKind[] _liveKind;

    public BuddyTraceReplayer(int liveCountMax)
    {
        _livePfn = new long[liveCountMax];
        _liveArg = new long[liveCountMax];
        _liveKind = new TraceOpKind[liveCountMax];
    }

    public ReplayResult Replay(IKernel kernel, MachineConfig machine, TraceOp[] ops)
    {
        kernel.Reset(machine);
        int liveCount = 0;
        var fold = new OutcomeFold();
        foreach (var op in ops)
        {
            Outcome outcome;
            switch (op.Kind)
            {
                case TraceOpKind.AllocPages:
                    outcome = kernel.AllocPages((int)op.Arg);
                    if (outcome.IsOk) Remember(ref liveCount, outcome.Value, op);
                    break;
                case TraceOpKind.AllocPagesExact:
                    outcome = kernel.AllocPagesExact(op.Arg);
                    if (outcome.IsOk) Remember(ref liveCount, outcome.Value, op);
                    break;
                default:
                    if (liveCount == 0) continue;
                    int index = (int)(op.Arg % liveCount);
                    outcome = _liveKind[index] == TraceOpKind.AllocPages
                        ? kernel.FreePages(_livePfn[index], (int)_liveArg[index])
                        : kernel.FreePagesExact(_livePfn[index], _liveArg[index]);
                    liveCount--;
                    _livePfn[index] = _livePfn[liveCount];
                    _liveArg[index] = _liveArg[liveCount];
                    _liveKind[index] = _liveKind[liveCount];
                    break;
            }
            fold.Add(outcome);
        }
        return fold.Result(liveCount, kernel.Digest);
    }

    private void Remember(ref int liveCount, long pfn, TraceOp op)
    {
        _livePfn[liveCount] = pfn;
        _liveArg[liveCount] = op.Arg;
        _liveKind[liveCount] = op.Kind;
        liveCount++;
    }
}

/// <summary>What a replay observed: a fold of all outcomes, how many calls failed, what stayed live, the final digest.</summary>
public readonly record struct ReplayResult(ulong Checksum, int FailedCount, int LiveCount, ulong Digest);
