using Verify.Model.Contract;
using Verify.Model.Slab;

namespace Verify.Bench.Workloads;

/// <summary>
/// Replays a slab trace against one kernel from a fresh machine: creates the user caches, then
/// runs the trace, keeping live objects in preallocated arrays (a free swap-removes), so the
/// replay itself allocates nothing per operation. The result folds every outcome: two kernels
/// that agree on every call return equal results.
/// </summary>
public sealed class SlabTraceReplayer
{
    /// <summary>The user caches every replay creates first: (object size, align, flags).</summary>
    public static readonly (long Size, long Align, SlabFlags Flags)[] UserCaches =
    [
        (64, 0, SlabFlags.None),
        (192, 0, SlabFlags.HwcacheAlign),
        (256, 0, SlabFlags.Account),
        (700, 8, SlabFlags.ReclaimAccount),
        (3000, 0, SlabFlags.None),
    ];

    private enum LiveKind : byte { CacheObject, KmallocObject, VmallocArea }

    /// <summary>One live object: what freeing it needs, in one array entry so a random free touches one cache line.</summary>
    private readonly record struct Live(LiveKind Kind, long Value, long Cache);

    private readonly Live[] _live;
    private readonly long[] _cacheIds = new long[UserCaches.Length];

    public SlabTraceReplayer(int liveCountMax)
    {
        _live = new Live[liveCountMax];
    }

    public ReplayResult Replay(IKernel kernel, MachineConfig machine, SlabTraceOp[] ops)
    {
        kernel.Reset(machine);
        for (int c = 0; c < UserCaches.Length; c++)
        {
            var (size, align, flags) = UserCaches[c];
            var created = kernel.CacheCreate(size, align, flags);
            Require.That(created.IsOk, $"user cache {c} to be created, got {created}");
            _cacheIds[c] = created.Value;
        }
        int liveCount = 0;
        var fold = new OutcomeFold();
        foreach (var op in ops)
        {
            Outcome outcome;
            switch (op.Kind)
            {
                case SlabTraceOpKind.CacheAlloc:
                    long cache = _cacheIds[op.Arg];
                    outcome = kernel.CacheAlloc(cache);
                    if (outcome.IsOk) Remember(ref liveCount, LiveKind.CacheObject, outcome.Value, cache);
                    break;
                case SlabTraceOpKind.Kmalloc:
                    outcome = kernel.Kmalloc(op.Arg, (KmallocFlags)op.Arg2);
                    if (outcome.IsOk) Remember(ref liveCount, LiveKind.KmallocObject, outcome.Value, 0);
                    break;
                case SlabTraceOpKind.Vmalloc:
                    outcome = kernel.Vmalloc(op.Arg);
                    if (outcome.IsOk) Remember(ref liveCount, LiveKind.VmallocArea, outcome.Value, 0);
                    break;
                case SlabTraceOpKind.DentryAlloc:
                    outcome = kernel.DentryAlloc((int)op.Arg);
                    break;
                case SlabTraceOpKind.Shrink:
                    outcome = kernel.Shrink((int)op.Arg);
                    break;
                default:
                    if (liveCount == 0) continue;
                    int index = (int)((ulong)op.Arg * (uint)liveCount >> 31); // Arg < 2^31: a multiply, not a division
                    var live = _live[index];
                    outcome = live.Kind switch
                    {
                        LiveKind.CacheObject => kernel.CacheFree(live.Cache, live.Value),
                        LiveKind.KmallocObject => kernel.Kfree(live.Value),
                        _ => kernel.Vfree(live.Value),
                    };
                    _live[index] = _live[--liveCount];
                    break;
            }
            fold.Add(outcome);
        }
        return fold.Result(liveCount, kernel.Digest);
    }

    private void Remember(ref int liveCount, LiveKind kind, long value, long cache) => _live[liveCount++] = new Live(kind, value, cache);
}
