using Verify.Fuzz.Engine;
using Verify.Fuzz.Harness;
using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Model.Slab;
using Verify.Properties.Support;
using Xunit.Abstractions;
using Xunit.Sdk;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Slab;

/// <summary>
/// Caches with their own min order for objects larger than a page (the LSFMM 2018 topic): the
/// hand-worked geometry of the summit's example, and a metamorphic property holding the pages N
/// live objects take in such a cache against N kmalloc calls and N alloc_pages_exact calls of the
/// same size, each run through the differential runner on its own fresh machine.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class LargeObjectCacheTests(ITestOutputHelper output)
{
    private const int MachinePages = 16384;

    /// <summary>A 640 KiB object: 1 MiB of its own at min order 0 (get_order), three per 2 MiB slab at min order 9.</summary>
    [Fact]
    public void ASixHundredFortyKibObjectCostsItsShareOfATwoMibSlabAtMinOrderNine()
    {
        const int size = 640 << 10;
        var plain = SlabGeometry.For(size, 0, SlabFlags.None, cpus: 2);
        Assert.Equal((8, 1, 384 << 10), (plain.Order, plain.ObjectsPerSlab, plain.WasteBytesPerSlab));
        var large = SlabGeometry.For(size, 0, SlabFlags.None, cpus: 2, minOrder: 9);
        Assert.Equal((9, 3, 128 << 10), (large.Order, large.ObjectsPerSlab, large.WasteBytesPerSlab));
    }

    /// <summary>
    /// Worked by hand from calculate_order with the cache's min order: 5000-byte objects (s->size 5000)
    /// on 2 CPUs (min_objects 12) at min order 4: slab_max_order 4, 13 objects fit, order 4 wastes
    /// 65536 - 13 * 5000 = 536 &lt;= 65536 / 16. 8-byte objects at min order 9 would be 262144 per
    /// slab, above MAX_OBJS_PER_PAGE: order get_order(8 * 32767) - 1 = 5, 16384 objects.
    /// </summary>
    [Fact]
    public void MinOrderGeometryFollowsCalculateOrderWithTheObjectCap()
    {
        var five = SlabGeometry.For(5000, 0, SlabFlags.None, cpus: 2, minOrder: 4);
        Assert.Equal((4, 13, 536), (five.Order, five.ObjectsPerSlab, five.WasteBytesPerSlab));
        var tiny = SlabGeometry.For(8, 0, SlabFlags.None, cpus: 2, minOrder: 9);
        Assert.Equal((5, 16384), (tiny.Order, tiny.ObjectsPerSlab));
        var model = new Verify.Model.ModelKernel(new MachineConfig(64, 2));
        Assert.Equal(Errno.EINVAL, model.CacheCreateMinOrder(640 << 10, 0, SlabFlags.None, SlabGeometry.MinOrderMax + 1).Errno);
        Assert.Equal(Errno.EINVAL, model.CacheCreateMinOrder(SlabGeometry.LargeObjectSizeMax + 1, 0, SlabFlags.None, 9).Errno);
        Assert.True(model.CacheCreateMinOrder(SlabGeometry.LargeObjectSizeMax, 0, SlabFlags.None, 0).IsOk);
    }

    /// <summary>
    /// For an object size above a page, a min order and k whole slabs of objects (N = k x objperslab):
    /// the cache holds at most the pages N kmalloc calls of that size hold, and at most (in bytes)
    /// what N alloc_pages_exact calls hold plus each slab's waste. For N drawn below that, the same
    /// with one slab's pages of slack (the last slab is partly empty). Checked on model and impl,
    /// each sequence run through the differential runner.
    /// </summary>
    [Fact]
    public void ALargeObjectCacheHoldsNoMoreThanKmallocAndNoMoreThanExactPlusWaste()
    {
        const string name = nameof(ALargeObjectCacheHoldsNoMoreThanKmallocAndNoMoreThanExactPlusWaste);
        ulong seed = Profile.SeedFor(name);
        int cases = Profile.Scale(40);
        output.WriteLine($"{name}: seed {seed}, {cases} cases (replay with VERIFY_SEED={seed})");
        var random = new SplitMix64(seed);
        var runner = new Runner();
        int[] cpuCounts = [1, 2, 4, 8];
        for (int i = 0; i < cases; i++)
        {
            var machine = new MachineConfig(MachinePages, cpuCounts[random.Range(0, cpuCounts.Length - 1)]);
            long size = (long)Math.Round(Math.Exp(Math.Log(PageSizeBytes + 1) + random.Range(0, 1 << 20) / (double)(1 << 20) * Math.Log(SlabGeometry.LargeObjectSizeMax / (double)(PageSizeBytes + 1))));
            int minOrder = (int)random.Range(0, SlabGeometry.MinOrderMax);
            var geometry = SlabGeometry.For((int)size, 0, SlabFlags.None, machine.Cpus, minOrder);
            int slabs = (int)Math.Min(random.Range(1, 3), (Scenario.OpsMax - 1) / geometry.ObjectsPerSlab);
            long whole = (long)slabs * geometry.ObjectsPerSlab;
            if (Check(runner, machine, size, minOrder, (int)whole, slack: false) is { } wholeFailure) throw new XunitException(Describe(seed, i, wholeFailure));
            if (Check(runner, machine, size, minOrder, (int)random.Range(1, whole), slack: true) is { } partFailure) throw new XunitException(Describe(seed, i, partFailure));
        }
    }

    private static string Describe(ulong seed, int index, string failure) => $"seed {seed} (VERIFY_SEED={seed}), case {index + 1}: {failure}";

    /// <summary>The relation for n objects of size at minOrder; the failure text with the traces written, or null.</summary>
    private static string? Check(Runner runner, MachineConfig machine, long size, int minOrder, int n, bool slack)
    {
        var cache = new Scenario(machine, [Op.Of("cache_create_min_order", size, 0, minOrder), .. Enumerable.Repeat(Op.Of("cache_alloc", 0), n)]);
        var kmalloc = new Scenario(machine, [.. Enumerable.Repeat(Op.Of("kmalloc", size, 0), n)]);
        var exact = new Scenario(machine, [.. Enumerable.Repeat(Op.Of("alloc_pages_exact", size), n)]);
        long baseline = Used(runner, new Scenario(machine, []), out _, out _)!.Value.Model;
        var held = new Dictionary<string, (long Model, long Impl)>();
        SlabCacheInfo info = default;
        foreach (var (label, scenario) in new[] { ("cache", cache), ("kmalloc", kmalloc), ("exact", exact) })
        {
            if (Used(runner, scenario, out var failure, out var caches) is not { } used)
                return $"{label} sequence failed: {failure}\n{Written(label, scenario, failure!)}";
            held[label] = (used.Model - baseline, used.Impl - baseline);
            if (label == "cache") info = caches.Single(c => c.Id >= SlabLayout.FirstUserCacheId);
        }
        long slabPages = info.PagesPerSlab, slabsHeld = info.Slabs;
        foreach (var (side, pick) in new (string, Func<(long Model, long Impl), long>)[] { ("model", h => h.Model), ("impl", h => h.Impl) })
        {
            long cachePages = pick(held["cache"]), kmallocPages = pick(held["kmalloc"]), exactPages = pick(held["exact"]);
            long kmallocBound = kmallocPages + (slack ? slabPages : 0);
            long exactBoundBytes = exactPages * PageSizeBytes + slabsHeld * info.WasteBytesPerSlab + (slack ? slabPages * PageSizeBytes : 0);
            string relation = $"{side}: {n} objects of {size} bytes at min order {minOrder} ({info}) hold {cachePages} pages; {n} kmallocs hold {kmallocPages}, "
                + $"{n} alloc_pages_exact {exactPages} (+ {slabsHeld} x {info.WasteBytesPerSlab} bytes of waste{(slack ? $", + one slab of {slabPages} pages" : "")})";
            if (cachePages > kmallocBound || cachePages * PageSizeBytes > exactBoundBytes)
                return $"{relation}\n{Written("cache", cache, null)}\n{Written("kmalloc", kmalloc, null)}\n{Written("exact", exact, null)}";
        }
        return null;
    }

    /// <summary>Pages allocated on each side after a run that passed; null with the failure otherwise.</summary>
    private static (long Model, long Impl)? Used(Runner runner, Scenario scenario, out Failure? failure, out IReadOnlyList<SlabCacheInfo> caches)
    {
        failure = runner.Run(scenario).Failure;
        caches = failure is null ? runner.Model.TakeSnapshot().SlabCaches : [];
        return failure is null ? (runner.Model.AllocatedPageCount, runner.Impl.AllocatedPageCount) : null;
    }

    private static string Written(string label, Scenario scenario, Failure? failure)
    {
        string path = Report.WriteTrace(PropertyCheck.FailuresDirectory, $"large-object-cache-{label}", scenario,
            [failure is null ? $"large-object cache relation: the {label} side of a failing case" : $"large-object cache relation: {failure}"]);
        return $"  {label} trace: {path} (replay: dotnet run --project fuzz -- replay {path})";
    }
}
