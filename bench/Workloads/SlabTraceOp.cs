namespace Verify.Bench.Workloads;

public enum SlabTraceOpKind : byte
{
    /// <summary>CacheAlloc on the replay's user cache number Arg (SlabTraceReplayer.UserCaches).</summary>
    CacheAlloc,

    /// <summary>Kmalloc(size = Arg, flags = Arg2).</summary>
    Kmalloc,

    /// <summary>Vmalloc(size = Arg).</summary>
    Vmalloc,

    /// <summary>DentryAlloc(name length = Arg); dentries are freed only by Shrink.</summary>
    DentryAlloc,

    /// <summary>Shrink(count = Arg).</summary>
    Shrink,

    /// <summary>Free the live object at index Arg modulo the live count with the call that matches how it was made (CacheFree, Kfree or Vfree); nothing when none is live.</summary>
    FreeLive,
}

/// <summary>One step of a slab-heavy trace, replayed directly against IKernel by SlabTraceReplayer.</summary>
public readonly record struct SlabTraceOp(SlabTraceOpKind Kind, long Arg, long Arg2 = 0);
