using Verify.Properties.Support;
using Verify.Impl;
using Verify.Model;
using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Xunit.Abstractions;

namespace Verify.Properties.Sweeps;

/// <summary>
/// kmalloc through IKernel on model and impl, for every flags value of the alphabet (none,
/// ACCOUNT, RECLAIMABLE, both): every size from 0 up to KMALLOC_MAX_CACHE_SIZE (8192), each checked
/// for the cache it came from (name and objsize from the oracle's size classes) and whether the
/// object is accounted; above it, every size around each whole number of pages up to the
/// alphabet's largest, checked for the pages the page allocator hands out (1 &lt;&lt; get_order)
/// and for EINVAL above 4 MiB. Outcomes (addresses included) and digests are compared after every call.
/// The sizes at the edges of the size classes are also swept on their own, for impl/'s mutation run.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class KmallocSweepTests(ITestOutputHelper output)
{
    /// <summary>Holds one live object of every size 1..8192 at once (about 11k pages on 8 CPUs).</summary>
    private const int SlabMachinePages = 16384;

    /// <summary>Exactly one block of MAX_PAGE_ORDER: every large kmalloc on it starts at pfn 0.</summary>
    private const int PageMachinePages = 1024;

    private const int Cpus = 8;

    private static readonly OpSpec Kmalloc = SweepOps.Spec("kmalloc");

    private static string Seed(MachineConfig machine, Op op) => $"bytes {op.A0}, flags {op.A1}, cpus {machine.Cpus}";

    /// <summary>In model/'s mutation run only: in impl/'s, the size-class edges below kill what it killed there (README, "Mutation testing").</summary>
    [Fact]
    [Trait(Profile.MutationOfTrait, Profile.ModelOnly)]
    public void EveryKmallocUpToThePageAllocatorThresholdComesFromItsSizeClassOnBothSides()
    {
        SweepKmallocSizes(Enumerable.Range(0, SlubOracle.KmallocMaxCacheBytes + 1).Select(size => (long)size).ToList());
    }

    /// <summary>
    /// The same checks for the sizes at each edge of a size class only (the last size of a class and
    /// the first of the next, by the oracle, with 0, 1 and 8192): 26 sizes per flags value instead
    /// of 8193, so that impl/'s mutation run, which leaves the whole sweep out, still tries every edge.
    /// </summary>
    [Fact]
    public void EveryKmallocAtTheEdgeOfASizeClassComesFromItsSizeClassOnBothSides()
    {
        var edges = new SortedSet<long> { 0, 1, SlubOracle.KmallocMaxCacheBytes };
        for (long size = 1; size < SlubOracle.KmallocMaxCacheBytes; size++)
            if (SlubOracle.KmallocClassBytes(size) != SlubOracle.KmallocClassBytes(size + 1)) edges.UnionWith([size, size + 1]);
        SweepKmallocSizes(edges.ToList());
    }

    private void SweepKmallocSizes(IReadOnlyList<long> sizes)
    {
        var machine = new MachineConfig(SlabMachinePages, Cpus);
        var model = new ModelKernel(machine);
        var impl = new ImplKernel(machine);
        var failures = new SweepFailures("kmalloc sweep", Seed);
        var clock = SweepClock.Start();
        var allocated = new List<(Op Op, long ModelAddress, long ImplAddress)>();
        long calls = 0;
        for (long flags = Kmalloc.Args[1].Min; flags <= Kmalloc.Args[1].Max; flags++)
        {
            model.Reset(machine);
            impl.Reset(machine);
            failures.CompareSetupDigests(machine, model, impl);
            allocated.Clear();
            // Once the sides place one object differently, every later address and digest differs
            // too: each is reported once per machine, and the size classes are still compared, each
            // side's object looked up in its own slabinfo.
            bool addressesAgreed = true, digestsAgreed = true;
            foreach (long size in sizes)
            {
                var op = new Op(Kmalloc.Code, size, flags);
                ulong modelBefore = model.Digest, implBefore = impl.Digest;
                var modelOutcome = SweepOps.Run(model, op);
                var implOutcome = SweepOps.Run(impl, op);
                calls++;
                if (size == 0)
                {
                    failures.Compare(machine, op, "outcome", modelOutcome, implOutcome, Outcome.Ok(SlubOracle.ZeroSizePtr));
                    failures.Compare(machine, op, "digest change", model.Digest - modelBefore, impl.Digest - implBefore, 0UL);
                    continue;
                }
                if (!modelOutcome.IsOk || !implOutcome.IsOk)
                {
                    failures.Add(machine, op, "outcome", $"model {modelOutcome}, impl {implOutcome}, oracle an object");
                    continue;
                }
                allocated.Add((op, modelOutcome.Value, implOutcome.Value));
                if (addressesAgreed && modelOutcome != implOutcome)
                {
                    addressesAgreed = false;
                    failures.Add(machine, op, "address (first difference of this machine)", $"model {modelOutcome}, impl {implOutcome}");
                }
                if (digestsAgreed && model.Digest - modelBefore != impl.Digest - implBefore)
                {
                    digestsAgreed = false;
                    failures.Add(machine, op, "digest change (first difference of this machine)", $"model {model.Digest - modelBefore:x16}, impl {impl.Digest - implBefore:x16}");
                }
            }
            CompareCaches(failures, machine, allocated, model.TakeSnapshot(), impl.TakeSnapshot());
        }
        failures.AssertNone(output, $"{calls} kmalloc calls per side ({sizes.Count} sizes from {sizes[0]} to {sizes[^1]}, flags {Kmalloc.Args[1].Min}..{Kmalloc.Args[1].Max}) on {Cpus} CPUs", clock);
    }

    private static void CompareCaches(SweepFailures failures, MachineConfig machine, List<(Op Op, long ModelAddress, long ImplAddress)> allocated, Snapshot model, Snapshot impl)
    {
        var modelObjects = model.SlabObjects.ToDictionary(o => o.Address);
        var implObjects = impl.SlabObjects.ToDictionary(o => o.Address);
        var modelCaches = model.SlabCaches.ToDictionary(c => c.Id);
        var implCaches = impl.SlabCaches.ToDictionary(c => c.Id);
        foreach (var (op, modelAddress, implAddress) in allocated)
        {
            if (!modelObjects.TryGetValue(modelAddress, out var m) || !implObjects.TryGetValue(implAddress, out var i))
            {
                failures.Add(machine, op, "object listed", $"model {(modelObjects.ContainsKey(modelAddress) ? "lists" : "does not list")} its object {modelAddress}, impl {(implObjects.ContainsKey(implAddress) ? "lists" : "does not list")} its object {implAddress}");
                continue;
            }
            var modelCache = modelCaches[m.CacheId];
            var implCache = implCaches[i.CacheId];
            int flags = (int)op.A1;
            failures.Compare(machine, op, "cache", modelCache.Name, implCache.Name, SlubOracle.KmallocCacheName(op.A0, flags));
            failures.Compare(machine, op, "objsize (size class)", modelCache.SizeBytes, implCache.SizeBytes, SlubOracle.KmallocClassBytes(op.A0));
            // kmalloc-cg-N is created SLAB_ACCOUNT; RECLAIMABLE wins over ACCOUNT, so only flags 1 is accounted.
            failures.Compare(machine, op, "object accounted", m.Accounted, i.Accounted, flags == 1);
        }
    }

    [Fact]
    public void EveryKmallocAboveTheThresholdTakesPagesOfItsOrderOnBothSides()
    {
        var machine = new MachineConfig(PageMachinePages, Cpus);
        var model = new ModelKernel(machine);
        var impl = new ImplKernel(machine);
        var failures = new SweepFailures("kmalloc page sweep", Seed);
        var clock = SweepClock.Start();
        long calls = 0;
        for (long flags = Kmalloc.Args[1].Min; flags <= Kmalloc.Args[1].Max; flags++)
        {
            model.Reset(machine);
            impl.Reset(machine);
            failures.CompareSetupDigests(machine, model, impl);
            foreach (long size in SizesAroundEachPage())
            {
                var op = new Op(Kmalloc.Code, size, flags);
                ulong modelBefore = model.Digest, implBefore = impl.Digest;
                var modelOutcome = SweepOps.Run(model, op);
                var implOutcome = SweepOps.Run(impl, op);
                ulong modelAdded = model.Digest - modelBefore, implAdded = impl.Digest - implBefore;
                calls++;
                if (size > SlubOracle.KmallocMaxBytes)
                {
                    failures.Compare(machine, op, "outcome", modelOutcome, implOutcome, Outcome.Fail(Errno.EINVAL));
                    failures.Compare(machine, op, "digest change", modelAdded, implAdded, 0UL);
                    continue;
                }
                // The fresh machine's one free block is at pfn 0, and the lowest part is returned.
                failures.Compare(machine, op, "outcome", modelOutcome, implOutcome, Outcome.Ok(0));
                failures.Compare(machine, op, "pages allocated (1 << get_order)", model.AllocatedPageCount, impl.AllocatedPageCount, 1L << SlubOracle.GetOrder(size));
                if (modelAdded != implAdded) failures.Add(machine, op, "digest change", $"model {modelAdded:x16}, impl {implAdded:x16}");
                // Each side frees what it returned (a side that returned nothing has nothing to free).
                var modelFree = modelOutcome.IsOk ? model.Kfree(modelOutcome.Value) : Outcome.Ok(0);
                var implFree = implOutcome.IsOk ? impl.Kfree(implOutcome.Value) : Outcome.Ok(0);
                failures.Compare(machine, op, "kfree of it", modelFree, implFree, Outcome.Ok(0));
                failures.Compare(machine, op, "pages allocated after kfree", model.AllocatedPageCount, impl.AllocatedPageCount, 0L);
            }
        }
        failures.AssertNone(output, $"{calls} kmalloc calls per side above {SlubOracle.KmallocMaxCacheBytes} bytes (each followed by kfree)", clock);
    }

    /// <summary>Every size a page below, at and above each whole number of pages, from just above the threshold to the alphabet's largest.</summary>
    private static IEnumerable<long> SizesAroundEachPage()
    {
        for (long pages = SlubOracle.KmallocMaxCacheBytes / SlubOracle.PageBytes; pages * SlubOracle.PageBytes <= Kmalloc.Args[0].Max + 1; pages++)
        {
            foreach (long size in (long[])[pages * SlubOracle.PageBytes - 1, pages * SlubOracle.PageBytes, pages * SlubOracle.PageBytes + 1])
                if (size > SlubOracle.KmallocMaxCacheBytes && Kmalloc.Args[0].Accepts(size)) yield return size;
        }
    }
}
