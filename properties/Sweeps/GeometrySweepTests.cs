using Verify.Impl;
using Verify.Model;
using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Model.Slab;
using Xunit.Abstractions;

namespace Verify.Properties.Sweeps;

/// <summary>
/// Every cache_create the alphabet can express that decides geometry, through IKernel on model and
/// impl: every object size in the size argument's range (0 and the one above the largest fail),
/// every align_log2 (13 fails), on 1, 2, 3, 4, 8, 16 and 64 CPUs; and the same with
/// SLAB_HWCACHE_ALIGN (the only flag geometry reads) for every alignment up to the cache line
/// (above it the explicit alignment wins and the geometry is that of flags 0).
///
/// Each call's outcome is compared with the other side's and the oracle's. A cache's digest holds
/// every field geometry decides (StateDigest.SlabCache), so what the call adds to each side's
/// digest is compared with what the oracle's geometry adds: one subtraction per call instead of a
/// snapshot. Where they differ, the call is repeated on a fresh pair of kernels and their slabinfo
/// lines are compared field by field with the oracle, which names the field. The path from a
/// cache's stored geometry to its slabinfo line is the same for every size; it is checked through
/// snapshots on the setup caches here and on every cache of the recorded real slabinfo.
/// </summary>
public sealed class GeometrySweepTests(ITestOutputHelper output)
{
    public static readonly int[] CpuCounts = [1, 2, 3, 4, 8, 16, 64];

    private const int MachinePages = 64;

    /// <summary>
    /// Sizes one machine takes between resets. The model's caches are objects; resetting before
    /// a few thousand have piled up lets them die young instead of costing full collections.
    /// </summary>
    private const int SizesPerMachine = 4096;

    /// <summary>A sweep that breaks everywhere diagnoses this many calls field by field and only counts the rest.</summary>
    private const int DiagnosedMax = 64;

    private static readonly OpSpec CacheCreate = SweepOps.Spec("cache_create");
    private static readonly OpSpec Kmalloc = SweepOps.Spec("kmalloc");
    private static readonly OpSpec DentryAlloc = SweepOps.Spec("dentry_alloc");

    private static string Seed(MachineConfig machine, Op op) => op.Code == CacheCreate.Code
        ? $"size {op.A0}, align {1L << (int)op.A1} (align_log2 {op.A1}), flags {op.A2}, cpus {machine.Cpus}"
        : $"the setup cache that {op} uses, cpus {machine.Cpus}";

    /// <summary>(flags, align_log2) of each batch: flags 0 with every alignment, HWCACHE_ALIGN with every alignment up to 64.</summary>
    private static IEnumerable<(int Flags, long AlignLog2)> Batches()
    {
        for (long alignLog2 = CacheCreate.Args[1].Min; alignLog2 <= CacheCreate.Args[1].Max; alignLog2++) yield return (0, alignLog2);
        for (long alignLog2 = CacheCreate.Args[1].Min; 1L << (int)alignLog2 <= SlubOracle.CacheLineBytes; alignLog2++) yield return ((int)SlabFlags.HwcacheAlign, alignLog2);
    }

    [Fact]
    public void EveryObjectSizeAndAlignmentHasTheOraclesGeometryOnBothSides()
    {
        var model = new ModelKernel(new MachineConfig(MachinePages, 1));
        var impl = new ImplKernel(new MachineConfig(MachinePages, 1));
        var failures = new SweepFailures("geometry sweep", Seed);
        var diagnose = new Diagnosis(failures);
        var clock = SweepClock.Start();
        long calls = 0, machines = 0;
        foreach (int cpus in CpuCounts)
        {
            var machine = new MachineConfig(MachinePages, cpus);
            var geometryBySize = OracleGeometryBySize(cpus);
            model.Reset(machine);
            impl.Reset(machine);
            CompareSetupCaches(failures, machine, model, impl);
            foreach (var (flags, alignLog2) in Batches())
            {
                int align = 1 << (int)alignLog2;
                bool hwcacheAlign = (flags & (int)SlabFlags.HwcacheAlign) != 0;
                for (long size = CacheCreate.Args[0].Min; size <= CacheCreate.Args[0].Max; size++)
                {
                    if ((size - CacheCreate.Args[0].Min) % SizesPerMachine == 0)
                    {
                        model.Reset(machine);
                        impl.Reset(machine);
                        machines++;
                    }
                    var op = new Op(CacheCreate.Code, size, alignLog2, flags);
                    ulong modelBefore = model.Digest, implBefore = impl.Digest;
                    var modelOutcome = SweepOps.Run(model, op);
                    var implOutcome = SweepOps.Run(impl, op);
                    calls++;
                    ulong modelAdded = model.Digest - modelBefore, implAdded = impl.Digest - implBefore;
                    if (!SlubOracle.CacheCreateSucceeds(size, align))
                    {
                        if (modelOutcome.Errno != Errno.EINVAL || implOutcome.Errno != Errno.EINVAL)
                            failures.Add(machine, op, "outcome", $"model {modelOutcome}, impl {implOutcome}, oracle EINVAL");
                        if (modelAdded != 0 || implAdded != 0)
                            failures.Add(machine, op, "digest after a refused call", $"model changed by {modelAdded:x16}, impl by {implAdded:x16}, oracle unchanged");
                        continue;
                    }
                    if (!modelOutcome.IsOk || modelOutcome != implOutcome)
                    {
                        failures.Add(machine, op, "outcome", $"model {modelOutcome}, impl {implOutcome}, oracle a new cache id");
                        continue;
                    }
                    var oracle = geometryBySize[SlubOracle.SlabSize((int)size, align, hwcacheAlign) / SlubOracle.WordBytes];
                    ulong oracleAdded = OracleDigest(modelOutcome.Value, op, oracle);
                    if (modelAdded != oracleAdded || implAdded != oracleAdded)
                        diagnose.Run(machine, op, oracle, $"model added {modelAdded:x16}, impl {implAdded:x16}, oracle {oracleAdded:x16}");
                }
            }
        }
        failures.AssertNone(output, $"{calls} cache_create calls per side in {machines} machines ({CpuCounts.Length} CPU counts, sizes {CacheCreate.Args[0].Min}..{CacheCreate.Args[0].Max})", clock);
    }

    /// <summary>The oracle's geometry for every s->size (a multiple of 8) on this CPU count, indexed by s->size / 8.</summary>
    private static OracleGeometry[] OracleGeometryBySize(int cpus)
    {
        var bySize = new OracleGeometry[SlubOracle.CacheObjectMaxBytes / SlubOracle.WordBytes + 1];
        for (int index = 1; index < bySize.Length; index++) bySize[index] = SlubOracle.GeometryOfSize(index * SlubOracle.WordBytes, cpus);
        return bySize;
    }

    /// <summary>What a cache with the oracle's geometry adds to a digest: StateDigest.SlabCache is the digest's encoding, not geometry.</summary>
    private static ulong OracleDigest(long cacheId, Op op, OracleGeometry oracle)
    {
        var flags = (SlabFlags)op.A2;
        return StateDigest.SlabCache((int)cacheId, (int)op.A0, flags, new CacheGeometry(oracle.SizeBytes, oracle.Order, oracle.Objects, oracle.MinPartial),
            accounted: (flags & SlabFlags.Account) != 0);
    }

    /// <summary>
    /// Repeats a call whose digest disagreed on a fresh model and impl and compares their slabinfo
    /// lines with the oracle field by field; a disagreement no field shows is reported as "digest".
    /// </summary>
    private sealed class Diagnosis(SweepFailures failures)
    {
        private readonly ModelKernel _model = new(new MachineConfig(MachinePages, 1));
        private readonly ImplKernel _impl = new(new MachineConfig(MachinePages, 1));
        private int _diagnosed;

        public void Run(MachineConfig machine, Op op, OracleGeometry oracle, string digests)
        {
            if (_diagnosed++ >= DiagnosedMax)
            {
                failures.Add(machine, op, $"digest (not diagnosed: over {DiagnosedMax})", digests);
                return;
            }
            int before = failures.Count;
            _model.Reset(machine);
            _impl.Reset(machine);
            long modelId = SweepOps.Run(_model, op).Value, implId = SweepOps.Run(_impl, op).Value;
            var m = _model.TakeSnapshot().SlabCaches.Single(c => c.Id == modelId);
            var i = _impl.TakeSnapshot().SlabCaches.Single(c => c.Id == implId);
            var flags = (SlabFlags)op.A2;
            failures.Compare(machine, op, "objsize (s->size)", m.SizeBytes, i.SizeBytes, oracle.SizeBytes);
            failures.Compare(machine, op, "objperslab", m.ObjectsPerSlab, i.ObjectsPerSlab, oracle.Objects);
            failures.Compare(machine, op, "pagesperslab", m.PagesPerSlab, i.PagesPerSlab, oracle.PagesPerSlab);
            failures.Compare(machine, op, "waste bytes per slab", Waste(m), Waste(i), oracle.WasteBytes);
            failures.Compare(machine, op, "min_partial", m.MinPartial, i.MinPartial, oracle.MinPartial);
            failures.Compare(machine, op, "object size", m.ObjectSizeBytes, i.ObjectSizeBytes, (int)op.A0);
            failures.Compare(machine, op, "flags", m.Flags, i.Flags, flags);
            failures.Compare(machine, op, "accounted", m.Accounted, i.Accounted, (flags & SlabFlags.Account) != 0);
            if (failures.Count == before) failures.Add(machine, op, "digest (every slabinfo field agrees)", digests);
        }

        private static int Waste(SlabCacheInfo cache) => SlubOracle.PageBytes * cache.PagesPerSlab - cache.ObjectsPerSlab * cache.SizeBytes;
    }

    /// <summary>
    /// The caches every machine starts with, against the oracle's geometry for what each was
    /// created with. A failure's trace is an operation that takes an object from that cache.
    /// </summary>
    private static void CompareSetupCaches(SweepFailures failures, MachineConfig machine, IKernel model, IKernel impl)
    {
        var modelSetup = model.TakeSnapshot().SlabCaches.Where(c => c.Id < SlabLayout.FirstUserCacheId).ToList();
        var implSetup = impl.TakeSnapshot().SlabCaches.Where(c => c.Id < SlabLayout.FirstUserCacheId).ToList();
        failures.CompareSetupDigests(machine, model, impl);
        if (modelSetup.Count != implSetup.Count || modelSetup.Count != SlabLayout.FirstUserCacheId)
        {
            failures.Add(machine, null, "setup caches", $"model {modelSetup.Count}, impl {implSetup.Count}, expected {SlabLayout.FirstUserCacheId}", $"machine setup, cpus {machine.Cpus}");
            return;
        }
        for (int index = 0; index < modelSetup.Count; index++)
        {
            SlabCacheInfo m = modelSetup[index], i = implSetup[index];
            bool isDentry = m.Id == SlabLayout.DentryCacheId, isTaskStruct = m.Id == SlabLayout.TaskStructCacheId;
            var op = isDentry ? new Op(DentryAlloc.Code, 0) : isTaskStruct ? Op.Of("task_fork", 0) : new Op(Kmalloc.Code, m.ObjectSizeBytes, m.Id / SlabLayout.KmallocClassCount);
            var oracle = SlubOracle.Geometry(m.ObjectSizeBytes, isTaskStruct ? SlabLayout.TaskStructAlignBytes : 0, (m.Flags & SlabFlags.HwcacheAlign) != 0, machine.Cpus);
            failures.Compare(machine, op, "name", m.Name, i.Name, isDentry ? "dentry" : isTaskStruct ? "task_struct" : SlubOracle.KmallocCacheName(m.ObjectSizeBytes, (int)op.A1));
            failures.Compare(machine, op, "object size", m.ObjectSizeBytes, i.ObjectSizeBytes, m.ObjectSizeBytes, expectedName: "model");
            failures.Compare(machine, op, "objsize (s->size)", m.SizeBytes, i.SizeBytes, oracle.SizeBytes);
            failures.Compare(machine, op, "objperslab", m.ObjectsPerSlab, i.ObjectsPerSlab, oracle.Objects);
            failures.Compare(machine, op, "pagesperslab", m.PagesPerSlab, i.PagesPerSlab, oracle.PagesPerSlab);
            failures.Compare(machine, op, "min_partial", m.MinPartial, i.MinPartial, oracle.MinPartial);
        }
    }
}
