using Verify.Impl;
using Verify.Model.Contract;
using Verify.Properties.Support;
using static Verify.Properties.Support.Corrupt;

namespace Verify.Properties.Memcg;

/// <summary>
/// The hooks MemoryCgroups exposes to the memcg planted bugs (fuzz/Planted/MemcgPlantedBugs.cs):
/// ChargedCounters, AnonPages, TcpPressureOf and ForceTcpPressure. A planted bug is only as good
/// as the hook it is built on, and the planted-bug tests are too slow for the mutation profile, so
/// each hook's stated contract is checked here against what the snapshot says.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class MemcgPlantedHookTests
{
    [Fact]
    public void ChargedCountersWalkFromTheGroupUpToBelowTheRoot()
    {
        var k = new ImplKernel(new MachineConfig(64, 1));
        long g = k.CgroupCreate(1).Value, h = k.CgroupCreate(g).Value;
        Assert.Equal([k.Memcg.CounterOf(h), k.Memcg.CounterOf(g)], k.Memcg.ChargedCounters(h));
        Assert.Equal([k.Memcg.CounterOf(g)], k.Memcg.ChargedCounters(g));
        Assert.Empty(k.Memcg.ChargedCounters(1));
        Assert.Equal(3, new[] { k.Memcg.CounterOf(1), k.Memcg.CounterOf(g), k.Memcg.CounterOf(h) }.Distinct().Count());
    }

    [Fact]
    public void AnonPagesListsTheSlotsPagesNewestFirstWithTheGroupEachIsChargedTo()
    {
        var k = new ImplKernel(new MachineConfig(64, 1));
        long g = k.CgroupCreate(1).Value, h = k.CgroupCreate(g).Value;
        long task = k.TaskFork(KernelConstants.InitPid).Value;
        Must(k.TaskAttach(task, h));
        var expected = new List<(int, long)>();
        foreach (long group in new[] { h, h, g, g })
        {
            Must(k.TaskAttach(task, group));
            var before = AnonPfns(k);
            Must(k.TaskTouchAnon(task, 1));
            expected.Insert(0, ((int)AnonPfns(k).Except(before).Single(), group));
        }
        int slot = k.Containers.TaskSlotOf(task);
        Assert.Equal(expected, k.Memcg.AnonPages(slot));
        Assert.Empty(k.Memcg.AnonPages(slot + 100));
    }

    /// <summary>A page at pfn 0 is listed (a link of 0 is a page, not the end); the first slot past those in use lists nothing (the seed memcg-exit-at-pfn-0's steps).</summary>
    [Fact]
    public void AnonPagesListsAPageAtPfnZeroAndNothingForTheFirstUnusedSlot()
    {
        var k = new ImplKernel(new MachineConfig(64, 1));
        long held = k.AllocPages(0).Value; // pfn 0 while the task takes its page table and first page
        Assert.Equal(0, held);
        long task = k.TaskFork(KernelConstants.InitPid).Value;
        Must(k.TaskTouchAnon(task, 1));
        Must(k.FreePages(held, 0));
        Must(k.TaskTouchAnon(task, 1));
        int slot = k.Containers.TaskSlotOf(task);
        var pages = k.Memcg.AnonPages(slot);
        Assert.Equal(2, pages.Count);
        Assert.Equal((0, 1L), pages[0]);
        Assert.Empty(k.Memcg.AnonPages(slot + 1)); // the task's slot is the highest that touched a page
    }

    private static List<long> AnonPfns(ImplKernel k) => k.TakeSnapshot().UserPages.Where(p => !p.File).Select(p => p.Pfn).ToList();

    /// <summary>v1: forcing the flag leaves the group as a tcp charge that did not fit leaves it: pressure set, the digest term along.</summary>
    [Fact]
    public void ForcedTcpPressureLeavesTheStateThatAFailedTcpChargeLeaves()
    {
        var (failed, failedGroup, failedTask) = V1GroupWithTcpLimitOfOnePage();
        var (forced, forcedGroup, _) = V1GroupWithTcpLimitOfOnePage();
        Assert.False(forced.Memcg.TcpPressureOf(forcedGroup));
        ulong before = forced.Digest;
        Assert.Equal(Outcome.Fail(Errno.ENOMEM), failed.SockAlloc(failedTask, 2 * KernelConstants.PageSizeBytes));
        forced.Memcg.ForceTcpPressure(forcedGroup);
        Assert.True(failed.Memcg.TcpPressureOf(failedGroup));
        Assert.True(forced.Memcg.TcpPressureOf(forcedGroup));
        Assert.NotEqual(before, forced.Digest);
        Assert.Equal(failed.Digest, forced.Digest);
        Assert.Empty(SnapshotDiff.Compare(failed.TakeSnapshot(), forced.TakeSnapshot()));
        Assert.Empty(Violations(forced));
    }

    private static (ImplKernel Kernel, long Group, long Task) V1GroupWithTcpLimitOfOnePage()
    {
        var k = new ImplKernel(new MachineConfig(64, 1, CgroupLayout.V1));
        long group = k.CgroupCreate(1).Value;
        long task = k.TaskFork(KernelConstants.InitPid).Value;
        Must(k.TaskAttach(task, group));
        Must(k.CgroupSetLimit(group, MemcgCounter.Tcp, 1));
        return (k, group, task);
    }
}
