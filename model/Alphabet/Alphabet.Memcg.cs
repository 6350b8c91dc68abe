using Verify.Model.Contract;

namespace Verify.Model.Alphabet;

/// <summary>
/// Memory-cgroup accounting: tasks touch anonymous memory and page cache and unmap it, limits are
/// written (cgroup_set_limit), and sockets are made and closed (sock_alloc, sock_free), appended
/// after the container operations; then the accounted forms of alloc_pages and vmalloc, whose
/// handles are freed by free_pages and vfree, and a bulk free of slab objects (the memcg free hook
/// over a batch). The other objects a bulk free takes keep their handles, whose frees are then EINVAL.
/// </summary>
public static partial class Alphabet
{
    /// <summary>How many pages one touch or unmap names at most.</summary>
    public const int TouchPagesMax = 64;

    /// <summary>The largest batch cache_free_bulk names.</summary>
    public const int BulkFreeCountMax = 16;

    /// <summary>cgroup_set_limit's counter: the four MemcgCounter values and 4 (no such counter: EINVAL).</summary>
    public const int LimitCounterArgMax = 4;

    /// <summary>cgroup_set_limit's pages: -2 (EINVAL), -1 (the word "max"), 0..LimitPagesMax, LimitPagesMax + 1 (EINVAL).</summary>
    public const long LimitPagesArgMin = -2, LimitPagesArgMax = KernelConstants.LimitPagesMax + 1;

    private static readonly HashSet<string> MemcgKeywords = new(StringComparer.Ordinal)
    {
        "task_touch_anon", "task_touch_file", "task_unmap", "cgroup_set_limit", "sock_alloc", "sock_free", "sock_free_stale",
        "alloc_pages_account", "vmalloc_account", "cgroup_set_oom_group",
    };

    /// <summary>True for the operations of memory-cgroup accounting.</summary>
    public static bool IsMemcgOp(OpSpec spec) => MemcgKeywords.Contains(spec.Keyword);

    private static IEnumerable<OpSpec> MemcgOps()
    {
        yield return new OpSpec(
            "task_touch_anon",
            [ArgSpec.Ref("task", HandleKind.Task), ArgSpec.Int("pages", 1, TouchPagesMax, Spread.Logarithmic)],
            static (IKernel k, in OpArgs a) => k.TaskTouchAnon(a.Ref(0).Value, (int)a.Int(1)),
            Weight: 8,
            ChargesKernel: KernelCharger.TaskArgument); // its page tables
        yield return new OpSpec(
            "task_touch_file",
            [ArgSpec.Ref("task", HandleKind.Task), ArgSpec.Int("pages", 1, TouchPagesMax, Spread.Logarithmic)],
            static (IKernel k, in OpArgs a) => k.TaskTouchFile(a.Ref(0).Value, (int)a.Int(1)),
            Weight: 8);
        yield return new OpSpec(
            "task_unmap",
            [ArgSpec.Ref("task", HandleKind.Task), ArgSpec.Int("pages", 1, TouchPagesMax, Spread.Logarithmic)],
            static (IKernel k, in OpArgs a) => k.TaskUnmap(a.Ref(0).Value, (int)a.Int(1)),
            Weight: 6);
        yield return new OpSpec(
            "cgroup_set_limit",
            [ArgSpec.Ref("cgroup", HandleKind.Cgroup), ArgSpec.Int("counter", 0, LimitCounterArgMax), ArgSpec.Int("pages", LimitPagesArgMin, LimitPagesArgMax, Spread.Logarithmic)],
            static (IKernel k, in OpArgs a) => k.CgroupSetLimit(a.Ref(0).Value, (MemcgCounter)a.Int(1), a.Int(2)),
            Weight: 5);
        yield return new OpSpec(
            "sock_alloc",
            [ArgSpec.Ref("task", HandleKind.Task), ArgSpec.Int("bytes", 1, KernelConstants.SockBytesMax, Spread.Logarithmic)],
            static (IKernel k, in OpArgs a) => k.SockAlloc(a.Ref(0).Value, a.Int(1)),
            Produces: static (in OpArgs a, Outcome o) => new Handle(HandleKind.Socket, o.Value, 0, 0),
            Weight: 5);
        yield return new OpSpec(
            "sock_free",
            [ArgSpec.Ref("sock", HandleKind.Socket)],
            static (IKernel k, in OpArgs a) => k.SockFree(a.Ref(0).Value),
            ConsumesArg: 0,
            Weight: 4);
        yield return new OpSpec(
            "sock_free_stale",
            [ArgSpec.StaleRef("sock", HandleKind.Socket)],
            static (IKernel k, in OpArgs a) => k.SockFree(a.Ref(0).Value),
            Weight: 1);
        yield return new OpSpec(
            "alloc_pages_account",
            [ArgSpec.Int("order", 0, AllocOrderMax)],
            static (IKernel k, in OpArgs a) => k.AllocPagesAccount((int)a.Int(0)),
            Produces: static (in OpArgs a, Outcome o) => new Handle(HandleKind.PageRun, o.Value, a.Int(0), PageRunBlock),
            Weight: 4,
            ChargesKernel: KernelCharger.CurrentTask);
        yield return new OpSpec(
            "vmalloc_account",
            [ArgSpec.Int("bytes", 0, Slab.SlabLayout.VmallocBytesMax + KernelConstants.PageSizeBytes, Spread.Logarithmic)],
            static (IKernel k, in OpArgs a) => k.VmallocAccount(a.Int(0)),
            Produces: static (in OpArgs a, Outcome o) => new Handle(HandleKind.VmallocArea, o.Value, 0, 0),
            Weight: 3,
            ChargesKernel: KernelCharger.CurrentTask);
        yield return new OpSpec(
            "cache_free_bulk",
            [ArgSpec.Ref("obj", HandleKind.SlabObject), ArgSpec.Int("count", 1, BulkFreeCountMax)],
            static (IKernel k, in OpArgs a) => k.CacheFreeBulk(a.Ref(0).Aux, a.Ref(0).Value, (int)a.Int(1)),
            ConsumesArg: 0,
            Weight: 3);
    }
}
