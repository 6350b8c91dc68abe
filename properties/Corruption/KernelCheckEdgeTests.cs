using Verify.Impl;
using Verify.Impl.Memcg;
using Verify.Model.Contract;
using Verify.Properties.Support;
using static Verify.Properties.Support.Corrupt;

namespace Verify.Properties.Corruption;

/// <summary>
/// S16 (the kernel charges' recount) at its edges, each after one hand-made break of a small v2
/// machine (group A = 2 with a task current on CPU 0 that allocated a kmalloc-128 object and forked
/// a child, whose stack and task_struct A pays; group B = 3 holds nothing), with the exact list of
/// what the self-check reports: per-obj_cgroup arrays that end before the last id read as 0 past
/// their end; a whole-page charge naming obj_cgroup 0 names no group; live bytes off name the
/// charged objects' sum; and a kmem counter broken on its own is reported by the kmem tree's check.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class KernelCheckEdgeTests
{
    private const string S11 = StructureInvariant.PageCounters, S13 = StructureInvariant.ByteStocks, S15 = StructureInvariant.MemcgPages, S16 = StructureInvariant.MemcgKernel;

    private sealed class Machine
    {
        public readonly ImplKernel Impl = new(new MachineConfig(512, 1));
        public readonly long A, B;

        public Machine()
        {
            A = Impl.CgroupCreate(1).Value;
            long task = Impl.TaskFork(KernelConstants.InitPid).Value;
            Must(Impl.TaskAttach(task, A));
            Must(Impl.RunOn(task, 0));
            Must(Impl.Kmalloc(100, Verify.Model.Slab.KmallocFlags.Account));
            Must(Impl.TaskFork(task));
            B = Impl.CgroupCreate(1).Value;
            Assert.Equal((2L, 3L), (A, B));
            Assert.Empty(Violations(Impl));
        }

        public MemoryCgroups Memcg => Impl.Memcg;

        public ByteStocks Bytes => Get<ByteStocks>(Memcg, "_bytesField");

        public KernelChargeInfo Stack => Impl.TakeSnapshot().KernelCharges.Single(c => c.Kind == KernelChargeKind.KernelStack);

        /// <summary>The per-obj_cgroup array field cut to its first length entries.</summary>
        public void Shorten(string field, int length) => Set(Memcg, field, Get<long[]>(Memcg, field)[..length]);
    }

    /// <summary>Whole pages recorded per obj_cgroup cut before A's id: the stats and the recount read A's as 0 (S15 misses its 6 pages, S16 its 4 stack pages) and never index past the array.</summary>
    [Fact]
    public void AWholePagesArrayEndingBeforeAnIdReadsAsZeroThere()
    {
        var m = new Machine();
        m.Shorten("_objcgWholePages", 2);
        Assert.Equal(
        [
            $"{S15}: memcg 2 counts 6 pages (raw 64, stocked below 58) but 0 are charged in its subtree",
            $"{S16}: objcg 2 counts 0 whole pages and 0 reclaimable object bytes; its charges hold 4 and 0",
        ], Violations(m.Impl));
    }

    /// <summary>Reclaimable bytes recorded per obj_cgroup cut before B's id: B, which holds nothing, reads as 0 there and nothing is reported.</summary>
    [Fact]
    public void AReclaimableArrayEndingBeforeAnEmptyGroupsIdReportsNothing()
    {
        var m = new Machine();
        m.Shorten("_objcgReclaimable", (int)m.B);
        Assert.Empty(Violations(m.Impl));
    }

    /// <summary>A's stack page marked as charged through obj_cgroup 0: that charge names no group, and A's whole pages and kmem no longer match its charges.</summary>
    [Fact]
    public void AWholePageChargeThroughObjcgZeroNamesNoGroup()
    {
        var m = new Machine();
        long pfn = m.Stack.Key;
        Get<int[]>(m.Memcg, "_pageObjcg")[pfn] = 0;
        Assert.Equal(
        [
            $"{S16}: [kernelstack at pfn {pfn} x4 objcg 0] names no group",
            $"{S16}: the kernel charges' digest is stale",
            $"{S16}: objcg 2 counts 4 whole pages and 0 reclaimable object bytes; its charges hold 0 and 0",
            $"{S16}: memcg 2: kmem counts 6 pages, its subtree's obj_cgroups hold 2",
        ], Violations(m.Impl));
    }

    /// <summary>A's live bytes one above its objects' (the kmalloc-128 object and the task_struct, all unreclaimable): S16 names both counts, the objects' as their sum.</summary>
    [Fact]
    public void LiveBytesOffAreComparedWithTheChargedObjectsSum()
    {
        var m = new Machine();
        long live = m.Bytes.LiveBytes((int)m.A);
        SetInElement(m.Bytes, "_objcgs", (int)m.A, "LiveBytes", live + 1);
        Assert.Equal(
        [
            $"{S16}: objcg 2: the byte stocks count {live + 1} live bytes, its charged objects {live}",
            $"{S13}: objcg 2: 3 pages charged (12288 bytes), but {live + 1} live + 6256 in stock + 0 nr_charged_bytes = 12289",
        ], Violations(m.Impl));
    }

    /// <summary>A's kmem counter with a negative failcnt, which only the kmem tree's own check (S11) sees.</summary>
    [Fact]
    public void TheKmemTreesOwnCheckRuns()
    {
        var m = new Machine();
        int slot = Get<int[]>(m.Memcg, "_kmemOf")[(int)m.A];
        SetInElement(Get<PageCounters>(m.Memcg, "_kmem"), "_nodes", slot, "Failcnt", -1L);
        Assert.Equal([$"{S11}: page counter {slot}: failcnt -1 (tracked: False)"], Violations(m.Impl));
    }
}
