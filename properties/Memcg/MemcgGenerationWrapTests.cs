using Verify.Impl;
using Verify.Model.Contract;
using Verify.Model.Slab;
using Verify.Properties.Support;
using static Verify.Properties.Support.Corrupt;

namespace Verify.Properties.Memcg;

/// <summary>
/// The impl's memory cgroups keep their per-pfn arrays from run to run (Reset), and tell this run's
/// entries from older ones by a generation stamp; when the stamp would wrap, Reset clears the
/// arrays. A run of the gate never resets 2^31 times, so these tests move the stamp to its last
/// value by hand and check that nothing of the run before the wrap survives it: no page is owned,
/// the self-check is clean, and the runs after it end exactly as on a fresh kernel.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class MemcgGenerationWrapTests
{
    private static readonly MachineConfig Machine = new(512, 2);

    /// <summary>A run that leaves every kind of page the stamps mark: anonymous, page cache, socket, page table, and accounted slab objects (obj_exts).</summary>
    private static void Fill(ImplKernel k)
    {
        long group = k.CgroupCreate(1).Value;
        long task = k.TaskFork(KernelConstants.InitPid).Value;
        Must(k.TaskAttach(task, group));
        Must(k.RunOn(task, 1));
        Must(k.TaskTouchAnon(task, 3));
        Must(k.TaskTouchFile(task, 2));
        Must(k.SockAlloc(task, 8192));
        for (int i = 0; i < 3; i++) Must(k.Kmalloc(100, KmallocFlags.Account));
        Must(k.AllocPagesAccount(1));
    }

    private static ImplKernel FilledThenWrapped()
    {
        var k = new ImplKernel(Machine);
        Fill(k);
        Assert.Equal(1, Get<int>(k.Memcg, "_generation"));
        // The run above is stamped 1; Reset at the last value wraps round to 1 again.
        Set(k.Memcg, "_generation", int.MaxValue);
        k.Reset(Machine);
        return k;
    }

    [Fact]
    public void AfterTheWrapNoPageOfTheRunBeforeIsOwned()
    {
        var k = FilledThenWrapped();
        var owned = Enumerable.Range(0, Machine.Pages).Where(pfn => k.Memcg.OwnsPage(pfn)).ToList();
        Assert.True(owned.Count == 0, $"pages still owned after the wrap: {string.Join(' ', owned)}");
        Assert.Empty(Violations(k));
        Assert.Equal(new ImplKernel(Machine).Digest, k.Digest);
    }

    [Fact]
    public void RunsAfterTheWrapEndAsOnAFreshKernel()
    {
        var k = FilledThenWrapped();
        for (int run = 0; run < 2; run++)
        {
            var fresh = new ImplKernel(Machine);
            Fill(fresh);
            Fill(k);
            Assert.Empty(Violations(k));
            Assert.Empty(SnapshotDiff.Compare(fresh.TakeSnapshot(), k.TakeSnapshot()));
            Assert.Equal(fresh.Digest, k.Digest);
            k.Reset(Machine);
        }
    }
}
