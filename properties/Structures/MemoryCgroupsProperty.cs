using Verify.Fuzz.Engine;
using Verify.Fuzz.Harness;
using Verify.Impl;
using Verify.Model;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Structures;

/// <summary>
/// The impl's memory cgroups (the generation-stamped page table, the page-cache LRU and the
/// per-task anonymous lists, page counters behind per-CPU stocks, socket chains, the incremental
/// digest) against the model, called directly through IKernel with memory-heavy random streams on
/// a small machine with 4 CPUs (stocks on several CPUs for one group), small limits and tcp and kmem
/// limits, and kernel memory (accounted kmallocs small and large, objects of an accounted cache,
/// accounted blocks and vmalloc areas, forks' task_structs and stacks, removals under live
/// objects): after every step the same outcome, the same memory groups, user pages, sockets, kernel
/// charges and dying groups, watermarks within the stock bound, the same digest, and S11 to S13,
/// S15 and S16 clean. Resets in the stream run on the same impl, so nothing of an earlier stream
/// may be readable after one.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class MemoryCgroupsProperty(ITestOutputHelper output)
{
    public enum Kind { TouchAnon, TouchFile, Unmap, SetLimit, SockAlloc, SockFree, Fork, Exit, Attach, Create, Remove, RunOn, Reset, Kmalloc, Kfree, CacheAlloc, CacheFree, AllocPages, FreePages, Vmalloc, Vfree }

    public readonly record struct MemoryOp(Kind Kind, long A, long B)
    {
        public override string ToString() => $"{Kind} {A} {B}";
    }

    private static readonly long[] Limits = [-2, LimitMaxWord, 0, 1, 2, 4, 8, 16, 40, 64, 100];

    [Fact]
    public void AgreesWithTheModelOnEveryStep() =>
        StructureProperty.Check(output, nameof(AgreesWithTheModelOnEveryStep), 3_000, Generate, Run, StructureScope.WholeKernel);

    private static MemoryOp Generate(SplitMix64 random)
    {
        var kind = random.Range(0, 1299) switch
        {
            < 180 => Kind.TouchAnon,
            < 330 => Kind.TouchFile,
            < 450 => Kind.Unmap,
            < 560 => Kind.SetLimit,
            < 650 => Kind.SockAlloc,
            < 720 => Kind.SockFree,
            < 780 => Kind.Fork,
            < 820 => Kind.Exit,
            < 890 => Kind.Attach,
            < 930 => Kind.Create,
            < 955 => Kind.Remove,
            < 995 => Kind.RunOn,
            < 1000 => Kind.Reset,
            < 1080 => Kind.Kmalloc,
            < 1140 => Kind.Kfree,
            < 1190 => Kind.CacheAlloc,
            < 1220 => Kind.CacheFree,
            < 1245 => Kind.AllocPages,
            < 1260 => Kind.FreePages,
            < 1285 => Kind.Vmalloc,
            _ => Kind.Vfree,
        };
        return new MemoryOp(kind, random.Range(0, 1 << 20), random.Range(0, 1 << 20));
    }

    private static string? Run(IReadOnlyList<MemoryOp> ops)
    {
        var machine = new MachineConfig(256, 4, CgroupLayout.V2);
        var model = new ModelKernel(machine);
        var impl = new ImplKernel(machine);
        var tasks = new List<long> { InitPid };
        var groups = new List<long> { 1 };
        var sockets = new List<long>();
        // Kernel memory the stream made: kmalloc and cache objects by address, blocks (pfn, order), vmalloc areas.
        var kmallocs = new List<long>();
        var objects = new List<long>();
        var blocks = new List<(long Pfn, int Order)>();
        var areas = new List<long>();
        long cache = AccountedCache(model, impl);
        for (int step = 0; step < ops.Count; step++)
        {
            var op = ops[step];
            long task = tasks[(int)(op.A % tasks.Count)];
            long group = groups[(int)(op.B % groups.Count)];
            int pages = 1 + (int)(op.B % 12);
            Outcome m, i;
            switch (op.Kind)
            {
                case Kind.TouchAnon:
                    (m, i) = (model.TaskTouchAnon(task, pages), impl.TaskTouchAnon(task, pages));
                    break;
                case Kind.TouchFile:
                    (m, i) = (model.TaskTouchFile(task, pages), impl.TaskTouchFile(task, pages));
                    break;
                case Kind.Unmap:
                    (m, i) = (model.TaskUnmap(task, pages), impl.TaskUnmap(task, pages));
                    break;
                case Kind.SetLimit:
                    var counter = (MemcgCounter)(op.A % 4);
                    long limit = Limits[op.A / 4 % Limits.Length];
                    (m, i) = (model.CgroupSetLimit(group, counter, limit), impl.CgroupSetLimit(group, counter, limit));
                    break;
                case Kind.SockAlloc:
                    long bytes = 1 + op.B % (6 * PageSizeBytes);
                    (m, i) = (model.SockAlloc(task, bytes), impl.SockAlloc(task, bytes));
                    if (m.IsOk) sockets.Add(m.Value);
                    break;
                case Kind.SockFree:
                    long socket = sockets.Count > 0 && op.A % 5 != 0 ? sockets[(int)(op.A % sockets.Count)] : 900 + op.A % 7;
                    (m, i) = (model.SockFree(socket), impl.SockFree(socket));
                    if (m.IsOk) sockets.Remove(socket);
                    break;
                case Kind.Fork:
                    (m, i) = (model.TaskFork(task), impl.TaskFork(task));
                    if (m.IsOk) tasks.Add(m.Value);
                    break;
                case Kind.Exit:
                    (m, i) = (model.TaskExit(task), impl.TaskExit(task));
                    if (m.IsOk) tasks.Remove(task);
                    break;
                case Kind.Attach:
                    (m, i) = (model.TaskAttach(task, group), impl.TaskAttach(task, group));
                    break;
                case Kind.Create:
                    (m, i) = (model.CgroupCreate(group), impl.CgroupCreate(group));
                    if (m.IsOk) groups.Add(m.Value);
                    break;
                case Kind.Remove:
                    (m, i) = (model.CgroupRemove(group), impl.CgroupRemove(group));
                    if (m.IsOk) groups.Remove(group);
                    break;
                case Kind.RunOn:
                    (m, i) = (model.RunOn(task, (int)(op.B % 4)), impl.RunOn(task, (int)(op.B % 4)));
                    break;
                default:
                    machine = new MachineConfig(96 + (int)(op.A % 256), 1 + (int)(op.A % 4), op.B % 2 == 0 ? CgroupLayout.V1 : CgroupLayout.V2);
                    model.Reset(machine);
                    impl.Reset(machine);
                    (m, i) = (Outcome.Ok(0), Outcome.Ok(0));
                    tasks = [InitPid];
                    groups = machine.Layout == CgroupLayout.V1 ? [1, 2] : [1];
                    sockets.Clear();
                    kmallocs.Clear();
                    objects.Clear();
                    blocks.Clear();
                    areas.Clear();
                    cache = AccountedCache(model, impl);
                    break;
                case Kind.Kmalloc:
                    long size = op.B % 10 == 0 ? 8193 + op.A % 20000 : 1 + op.A % 2048;
                    var flags = op.B % 3 == 0 ? Verify.Model.Slab.KmallocFlags.Account | Verify.Model.Slab.KmallocFlags.Reclaimable : Verify.Model.Slab.KmallocFlags.Account;
                    (m, i) = (model.Kmalloc(size, flags), impl.Kmalloc(size, flags));
                    if (m.IsOk) kmallocs.Add(m.Value);
                    break;
                case Kind.Kfree when kmallocs.Count > 0:
                    long address = kmallocs[(int)(op.A % kmallocs.Count)];
                    (m, i) = (model.Kfree(address), impl.Kfree(address));
                    if (m.IsOk) kmallocs.Remove(address);
                    break;
                case Kind.CacheAlloc:
                    (m, i) = (model.CacheAlloc(cache), impl.CacheAlloc(cache));
                    if (m.IsOk) objects.Add(m.Value);
                    break;
                case Kind.CacheFree when objects.Count > 0:
                    long obj = objects[(int)(op.A % objects.Count)];
                    (m, i) = (model.CacheFree(cache, obj), impl.CacheFree(cache, obj));
                    if (m.IsOk) objects.Remove(obj);
                    break;
                case Kind.AllocPages:
                    int order = (int)(op.A % 4);
                    (m, i) = (model.AllocPagesAccount(order), impl.AllocPagesAccount(order));
                    if (m.IsOk) blocks.Add((m.Value, order));
                    break;
                case Kind.FreePages when blocks.Count > 0:
                    var block = blocks[(int)(op.A % blocks.Count)];
                    (m, i) = (model.FreePages(block.Pfn, block.Order), impl.FreePages(block.Pfn, block.Order));
                    if (m.IsOk) blocks.Remove(block);
                    break;
                case Kind.Vmalloc:
                    long areaBytes = 1 + op.B % (10 * PageSizeBytes);
                    (m, i) = (model.VmallocAccount(areaBytes), impl.VmallocAccount(areaBytes));
                    if (m.IsOk) areas.Add(m.Value);
                    break;
                case Kind.Vfree when areas.Count > 0:
                    long area = areas[(int)(op.A % areas.Count)];
                    (m, i) = (model.Vfree(area), impl.Vfree(area));
                    if (m.IsOk) areas.Remove(area);
                    break;
                case Kind.Kfree or Kind.CacheFree or Kind.FreePages or Kind.Vfree:
                    (m, i) = (Outcome.Ok(0), Outcome.Ok(0)); // nothing of the kind is live
                    break;
            }
            if (m != i) return $"step {step + 1} ({op}): model {m}, impl {i}";
            model.Effects.Clear();
            impl.Effects.Clear();
            if (Compare(model, impl) is { } differs) return $"step {step + 1} ({op}): {differs}";
        }
        return null;
    }

    /// <summary>A user cache of 200-byte objects created with the account flag, on both sides.</summary>
    private static long AccountedCache(ModelKernel model, ImplKernel impl)
    {
        long id = model.CacheCreate(200, 0, Verify.Model.Slab.SlabFlags.Account).Value;
        Assert.Equal(id, impl.CacheCreate(200, 0, Verify.Model.Slab.SlabFlags.Account).Value);
        return id;
    }

    /// <summary>The impl's self-check first (a broken structure is named by its invariant), then the memory lists, the watermarks and the digest.</summary>
    private static string? Compare(ModelKernel model, ImplKernel impl)
    {
        if (StructureProperty.Violation(impl.CheckConsistency) is { } broken) return broken;
        var expected = model.TakeSnapshot();
        var actual = impl.TakeSnapshot();
        if (!expected.Memory.SequenceEqual(actual.Memory))
            return $"memory groups differ:\n  model {string.Join(' ', expected.Memory)}\n  impl  {string.Join(' ', actual.Memory)}";
        if (!expected.UserPages.SequenceEqual(actual.UserPages)) return $"user pages differ: model {expected.UserPages.Count}, impl {actual.UserPages.Count}";
        if (!expected.Sockets.SequenceEqual(actual.Sockets)) return $"sockets differ:\n  model {string.Join(' ', expected.Sockets)}\n  impl  {string.Join(' ', actual.Sockets)}";
        if (!expected.KernelCharges.SequenceEqual(actual.KernelCharges))
            return $"kernel charges differ:\n  model {string.Join(' ', expected.KernelCharges)}\n  impl  {string.Join(' ', actual.KernelCharges)}";
        if (!expected.DyingMemcgs.SequenceEqual(actual.DyingMemcgs)) return $"dying groups differ:\n  model {string.Join(' ', expected.DyingMemcgs)}\n  impl  {string.Join(' ', actual.DyingMemcgs)}";
        if (MemcgInvariants.CompareWatermarks(expected, actual) is { Count: > 0 } watermarks) return string.Join("; ", watermarks);
        return model.Digest != impl.Digest ? $"digests differ: model {model.Digest:x16}, impl {impl.Digest:x16}" : null;
    }
}
