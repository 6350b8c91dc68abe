using Verify.Properties.Support;
using Verify.Impl;
using Verify.Model;
using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Properties.Slab;
using Xunit.Abstractions;

namespace Verify.Properties.Sweeps;

/// <summary>
/// Every cache of the recorded real /proc/slabinfo (properties/Slab/Data, 2 CPUs), created through
/// IKernel on model and impl with its objsize (s->size, already a multiple of 8) on a 2-CPU
/// machine: objsize, objperslab and pagesperslab must be the real kernel's. The oracle is held
/// against every line too, those our kernels refuse (objsize above 32768) included, so the
/// oracle the other sweeps trust is itself checked against a real kernel.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class RecordedSlabinfoSweepTests(ITestOutputHelper output)
{
    private const int MachinePages = 64;

    private static readonly OpSpec CacheCreate = SweepOps.Spec("cache_create");

    private static string Seed(MachineConfig machine, Op op) => $"objsize {op.A0}, cpus {machine.Cpus}";

    [Fact]
    public void EveryRecordedCacheHasTheRealGeometryOnBothSidesAndInTheOracle()
    {
        var lines = GeometryTests.Parse(File.ReadAllText(GeometryTests.RecordedPath));
        var machine = new MachineConfig(MachinePages, GeometryTests.RecordedCpus);
        var model = new ModelKernel(machine);
        var impl = new ImplKernel(machine);
        var failures = new SweepFailures("recorded slabinfo sweep", Seed);
        var clock = SweepClock.Start();
        var created = new List<(GeometryTests.Line Line, Op Op, long ModelId, long ImplId)>();
        int refused = 0;
        foreach (var line in lines)
        {
            var op = new Op(CacheCreate.Code, line.SizeBytes, 0, 0);
            string seed = $"recorded cache {line.Name} (objsize {line.SizeBytes}), cpus {machine.Cpus}";
            var oracle = SlubOracle.GeometryOfSize(line.SizeBytes, machine.Cpus);
            if (oracle.Objects != line.ObjectsPerSlab || oracle.PagesPerSlab != line.PagesPerSlab)
                failures.Add(machine, op, "oracle geometry", $"oracle {oracle.Objects} objects in {oracle.PagesPerSlab} pages, real {line.ObjectsPerSlab} in {line.PagesPerSlab}", seed);
            if (!CacheCreate.Args[0].Accepts(line.SizeBytes)) { refused++; continue; }
            var modelOutcome = SweepOps.Run(model, op);
            var implOutcome = SweepOps.Run(impl, op);
            bool succeeds = SlubOracle.CacheCreateSucceeds(line.SizeBytes, 1);
            if (modelOutcome.IsOk != succeeds || modelOutcome != implOutcome)
                failures.Add(machine, op, "outcome", $"model {modelOutcome}, impl {implOutcome}, oracle {(succeeds ? "a new cache id" : "EINVAL")}", seed);
            else if (succeeds) created.Add((line, op, modelOutcome.Value, implOutcome.Value));
            else refused++;
        }
        var modelCaches = model.TakeSnapshot().SlabCaches.ToDictionary(c => (long)c.Id);
        var implCaches = impl.TakeSnapshot().SlabCaches.ToDictionary(c => (long)c.Id);
        foreach (var (line, op, modelId, implId) in created)
        {
            string seed = $"recorded cache {line.Name} (objsize {line.SizeBytes}), cpus {machine.Cpus}";
            var m = modelCaches[modelId];
            var i = implCaches[implId];
            failures.Compare(machine, op, "objsize", m.SizeBytes, i.SizeBytes, line.SizeBytes, "real", seed);
            failures.Compare(machine, op, "objperslab", m.ObjectsPerSlab, i.ObjectsPerSlab, line.ObjectsPerSlab, "real", seed);
            failures.Compare(machine, op, "pagesperslab", m.PagesPerSlab, i.PagesPerSlab, line.PagesPerSlab, "real", seed);
        }
        Assert.True(created.Count > 200, $"only {created.Count} of {lines.Count} recorded caches could be created");
        failures.AssertNone(output, $"{lines.Count} recorded caches ({created.Count} created on both sides, {refused} above the largest object size: oracle only)", clock);
    }
}
