using Verify.Properties.Support;
using Verify.Impl;
using Verify.Model;
using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Model.Slab;
using Xunit.Abstractions;

namespace Verify.Properties.Sweeps;

/// <summary>
/// cache_create_min_order against the oracle on both sides: every min order of the argument's
/// range (10 fails), flags 0 and SLAB_HWCACHE_ALIGN, on 1, 2, 8 and 64 CPUs, for every s->size up
/// to a page and, above it, every multiple of a page up to 2 MiB with the sizes 8 below and 8 and
/// 1000 above it (0 and one past 2 MiB fail). A call is judged, as in GeometrySweepTests, by what
/// it adds to each side's digest against what the oracle's geometry adds; where they differ, the
/// slabinfo lines of a fresh pair name the field.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class MinOrderGeometrySweepTests(ITestOutputHelper output)
{
    private static readonly int[] CpuCounts = [1, 2, 8, 64];
    private const int MachinePages = 64;
    private const int SizesPerMachine = 4096;

    private static readonly OpSpec Create = SweepOps.Spec("cache_create_min_order");

    private static string Seed(MachineConfig machine, Op op) => $"size {op.A0}, flags {op.A1}, min order {op.A2}, cpus {machine.Cpus}";

    private static IEnumerable<long> Sizes()
    {
        yield return Create.Args[0].Min;
        for (long size = 8; size <= SlubOracle.PageBytes; size += 8) yield return size;
        for (long page = SlubOracle.PageBytes; page <= Create.Args[0].Max; page += SlubOracle.PageBytes)
        {
            yield return page - 8;
            yield return page;
            yield return page + 8;
            yield return page + 1000;
        }
        yield return Create.Args[0].Max;
    }

    [Fact]
    public void EveryMinOrderHasTheOraclesGeometryOnBothSides()
    {
        var model = new ModelKernel(new MachineConfig(MachinePages, 1));
        var impl = new ImplKernel(new MachineConfig(MachinePages, 1));
        var failures = new SweepFailures("min-order geometry sweep", Seed);
        var clock = SweepClock.Start();
        var sizes = Sizes().Distinct().ToList();
        long calls = 0;
        int diagnosed = 0;
        foreach (int cpus in CpuCounts)
        {
            var machine = new MachineConfig(MachinePages, cpus);
            foreach (long flags in new[] { 0L, (long)SlabFlags.HwcacheAlign })
            {
                for (long minOrder = Create.Args[2].Min; minOrder <= Create.Args[2].Max; minOrder++)
                {
                    for (int i = 0; i < sizes.Count; i++)
                    {
                        if (i % SizesPerMachine == 0)
                        {
                            model.Reset(machine);
                            impl.Reset(machine);
                        }
                        var op = new Op(Create.Code, sizes[i], flags, minOrder);
                        ulong modelBefore = model.Digest, implBefore = impl.Digest;
                        var modelOutcome = SweepOps.Run(model, op);
                        var implOutcome = SweepOps.Run(impl, op);
                        calls++;
                        ulong modelAdded = model.Digest - modelBefore, implAdded = impl.Digest - implBefore;
                        if (!SlubOracle.CacheCreateMinOrderSucceeds(sizes[i], minOrder))
                        {
                            if (modelOutcome.Errno != Errno.EINVAL || implOutcome.Errno != Errno.EINVAL || modelAdded != 0 || implAdded != 0)
                                failures.Add(machine, op, "refused call", $"model {modelOutcome} (digest +{modelAdded:x16}), impl {implOutcome} (+{implAdded:x16}), oracle EINVAL and no change");
                            continue;
                        }
                        if (!modelOutcome.IsOk || modelOutcome != implOutcome)
                        {
                            failures.Add(machine, op, "outcome", $"model {modelOutcome}, impl {implOutcome}, oracle a new cache id");
                            continue;
                        }
                        bool hwcacheAlign = (flags & (long)SlabFlags.HwcacheAlign) != 0;
                        var oracle = SlubOracle.GeometryOfSize(SlubOracle.SlabSize((int)sizes[i], 0, hwcacheAlign), cpus, (int)minOrder);
                        ulong oracleAdded = StateDigest.SlabCache((int)modelOutcome.Value, (int)sizes[i], (SlabFlags)flags,
                            new CacheGeometry(oracle.SizeBytes, oracle.Order, oracle.Objects, oracle.MinPartial, (int)minOrder), accounted: false);
                        if (modelAdded == oracleAdded && implAdded == oracleAdded) continue;
                        if (diagnosed++ < 64) Diagnose(failures, machine, op, oracle);
                        else failures.Add(machine, op, "digest (not diagnosed)", $"model +{modelAdded:x16}, impl +{implAdded:x16}, oracle +{oracleAdded:x16}");
                    }
                }
            }
        }
        failures.AssertNone(output, $"{calls} cache_create_min_order calls per side ({sizes.Count} sizes, min orders 0..10, {CpuCounts.Length} CPU counts)", clock);
    }

    /// <summary>The call again on a fresh pair: slabinfo field by field against the oracle.</summary>
    private static void Diagnose(SweepFailures failures, MachineConfig machine, Op op, OracleGeometry oracle)
    {
        var model = new ModelKernel(machine);
        var impl = new ImplKernel(machine);
        long modelId = SweepOps.Run(model, op).Value, implId = SweepOps.Run(impl, op).Value;
        var m = model.TakeSnapshot().SlabCaches.Single(c => c.Id == modelId);
        var i = impl.TakeSnapshot().SlabCaches.Single(c => c.Id == implId);
        int before = failures.Count;
        failures.Compare(machine, op, "objsize (s->size)", m.SizeBytes, i.SizeBytes, oracle.SizeBytes);
        failures.Compare(machine, op, "objperslab", m.ObjectsPerSlab, i.ObjectsPerSlab, oracle.Objects);
        failures.Compare(machine, op, "pagesperslab", m.PagesPerSlab, i.PagesPerSlab, oracle.PagesPerSlab);
        failures.Compare(machine, op, "waste bytes per slab", m.WasteBytesPerSlab, i.WasteBytesPerSlab, oracle.WasteBytes);
        failures.Compare(machine, op, "min_partial", m.MinPartial, i.MinPartial, oracle.MinPartial);
        failures.Compare(machine, op, "min order", m.MinOrder, i.MinOrder, (int)op.A2);
        if (failures.Count == before) failures.Add(machine, op, "digest (every slabinfo field agrees)", "");
    }
}
