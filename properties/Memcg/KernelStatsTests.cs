using Verify.Impl;
using Verify.Model.Contract;
using Verify.Model.Slab;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;

using static Verify.Properties.Support.SideBySide;

namespace Verify.Properties.Memcg;

/// <summary>
/// memory.stat's kernel figures and the logical usage beside them, on model and impl side by side
/// (every step's outcome and effects, then the snapshots, equal) with the exact facts asserted:
/// each obj_cgroup's charges count on its group and every ancestor; a byte stock holding exactly a
/// page is not usage; a removed group's kernel charges move to its nearest live ancestor; and on
/// v1, whose second hierarchy's root is an id with no memory group (walking its parents from it
/// would never end), the same stats, recounts and removal skip every id that holds nothing.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class KernelStatsTests
{
    /// <summary>Model and impl of the machine, each with group G, group H in G and a task of H current on CPU 0; returns the kernels, G, H and the task.</summary>
    private static (IKernel[] Kernels, long G, long H, long Task) WithTaskInNestedGroup(CgroupLayout layout = CgroupLayout.V2)
    {
        var machine = new MachineConfig(1024, 1, layout);
        var kernels = Pair(machine);
        long g = 0, h = 0, task = 0;
        foreach (var k in kernels)
        {
            g = k.CgroupCreate(1).Value;
            h = k.CgroupCreate(g).Value;
            task = k.TaskFork(InitPid).Value;
            Assert.True(k.TaskAttach(task, h).IsOk);
            Assert.True(k.RunOn(task, 0).IsOk);
        }
        return (kernels, g, h, task);
    }

    private static CgroupMemoryInfo Info(IKernel k, long group) => k.TakeSnapshot().Memory.Single(m => m.Id == group);

    /// <summary>The snapshots are equal and the impl passes its self-check.</summary>
    private static void AssertSameAndConsistent(IKernel[] kernels)
    {
        Assert.Empty(SnapshotDiff.Compare(kernels[0].TakeSnapshot(), kernels[1].TakeSnapshot()));
        Assert.Empty(Corrupt.Violations((ImplKernel)kernels[1]));
    }

    /// <summary>An unreclaimable and a reclaimable object, a forked child's stack and a page table, all charged in H, count in memory.stat of H and of G alike.</summary>
    [Fact]
    public void EachChargeCountsOnItsGroupAndEveryAncestor()
    {
        var (kernels, g, h, task) = WithTaskInNestedGroup();
        Both(kernels, k => k.Kmalloc(100, KmallocFlags.Account)); // kmalloc-128: 136 bytes
        Both(kernels, k => k.Kmalloc(200, KmallocFlags.Account | KmallocFlags.Reclaimable)); // kmalloc-rcl-256: 264 bytes
        Both(kernels, k => k.TaskFork(task)); // a 4-page stack and a task_struct
        Both(kernels, k => k.TaskTouchAnon(task, 1)); // the page tables of one fault
        foreach (var k in kernels)
        {
            var (hi, gi) = (Info(k, h), Info(k, g));
            Assert.Equal(264, hi.SlabReclaimable);
            Assert.True(hi.SlabUnreclaimable > 136, $"{hi}"); // the kmalloc object and the task_struct
            Assert.Equal(4 * PageSizeBytes, hi.KernelStack);
            Assert.True(hi.PageTables > 0, $"{hi}");
            Assert.Equal(4 + (hi.SlabReclaimable + hi.SlabUnreclaimable + PageSizeBytes - 1) / PageSizeBytes + hi.PageTables / PageSizeBytes, hi.Kernel);
            Assert.Equal((hi.Kernel, hi.SlabReclaimable, hi.SlabUnreclaimable, hi.KernelStack, hi.PageTables), (gi.Kernel, gi.SlabReclaimable, gi.SlabUnreclaimable, gi.KernelStack, gi.PageTables));
        }
        AssertSameAndConsistent(kernels);
    }

    /// <summary>A 96-byte object charged and freed leaves its page's 4096 bytes in the CPU's byte stock: the group's usage is back to 0 all the same.</summary>
    [Fact]
    public void AByteStockHoldingExactlyAPageIsNotUsage()
    {
        var (kernels, g, h, _) = WithTaskInNestedGroup();
        long address = Both(kernels, k => k.Kmalloc(96, KmallocFlags.Account)).Value; // 104 bytes: 3992 stocked
        Assert.All(kernels, k => Assert.Equal(1, Info(k, h).Current));
        Assert.True(Both(kernels, k => k.Kfree(address)).IsOk); // 3992 + 104 = 4096 stocked
        Assert.All(kernels, k => Assert.Equal((0L, 0L, 0L), (Info(k, h).Current, Info(k, g).Current, Info(k, h).Kernel)));
        AssertSameAndConsistent(kernels);
    }

    /// <summary>H removed while its objects and its stack stay charged: they count on G from then on, and freeing them uncharges G.</summary>
    [Fact]
    public void ARemovedGroupsKernelChargesCountOnItsParent()
    {
        var (kernels, g, h, task) = WithTaskInNestedGroup();
        long address = Both(kernels, k => k.Kmalloc(100, KmallocFlags.Account)).Value;
        long child = Both(kernels, k => k.TaskFork(task)).Value;
        long kernel = Info(kernels[0], h).Kernel;
        Both(kernels, k => k.TaskAttach(task, g));
        Both(kernels, k => k.TaskAttach(child, g));
        Assert.True(Both(kernels, k => k.CgroupRemove(h)).IsOk);
        Assert.All(kernels, k => Assert.Equal(kernel, Info(k, g).Kernel));
        Assert.All(kernels, k => Assert.All(k.TakeSnapshot().KernelCharges, c => Assert.Equal((h, g), (c.Objcg, c.Memcg))));
        AssertSameAndConsistent(kernels);
        Both(kernels, k => k.Kfree(address));
        Both(kernels, k => k.TaskExit(child));
        Assert.All(kernels, k => Assert.Equal((0L, 0L), (Info(k, g).Kernel, Info(k, g).Current)));
        AssertSameAndConsistent(kernels);
    }

    /// <summary>On v1 (id 2 is the pids hierarchy's root, no memory group): the kernel stats, the stocks' held pages, the self-check's recount and a removal's drain all run over every id and end.</summary>
    [Fact]
    public void OnV1TheKernelRecountsSkipIdsThatHoldNothing()
    {
        var (kernels, g, h, task) = WithTaskInNestedGroup(CgroupLayout.V1);
        long address = Both(kernels, k => k.Kmalloc(100, KmallocFlags.Account)).Value;
        long child = Both(kernels, k => k.TaskFork(task)).Value;
        Assert.All(kernels, k => Assert.True(Info(k, h).Kernel > 0));
        AssertSameAndConsistent(kernels);
        Both(kernels, k => k.TaskAttach(task, g));
        Both(kernels, k => k.TaskAttach(child, g));
        Assert.True(Both(kernels, k => k.CgroupRemove(h)).IsOk);
        Both(kernels, k => k.Kfree(address));
        AssertSameAndConsistent(kernels);
    }
}
