using Verify.Impl;
using Verify.Model;
using Verify.Model.Contract;
using Verify.Model.Slab;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;
using static Verify.Properties.Support.Corrupt;

namespace Verify.Properties.Memcg;

/// <summary>
/// The edges of the memcg interface that random sequences rarely reach, on both sides: the largest
/// limit a write accepts, removed groups listed as dying in id order, and socket ids just outside the range of the live ones (the impl sizes its
/// socket arrays to 16 first, so 15 sockets make the last id the array's end).
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class MemcgBoundaryTests
{

    private static IKernel Kernel(string side, MachineConfig machine) => SideBySide.Kernel(side, machine);

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void ALimitOfLimitPagesMaxIsAcceptedAndOneMoreIsNot(string side)
    {
        var k = Kernel(side, new MachineConfig(64, 1));
        long group = k.CgroupCreate(1).Value;
        Assert.Equal(Outcome.Ok(0), k.CgroupSetLimit(group, MemcgCounter.Memory, LimitPagesMax));
        Assert.Equal(Outcome.Fail(Errno.EINVAL), k.CgroupSetLimit(group, MemcgCounter.Memory, LimitPagesMax + 1));
        Assert.Equal(LimitPagesMax, k.TakeSnapshot().Memory.Single(m => m.Id == group).Max);
    }

    /// <summary>Two removed groups whose page-cache pages stay charged are listed as dying in id order, each with its parent and usage.</summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void DyingGroupsAreListedInIdOrder(string side)
    {
        var k = Kernel(side, new MachineConfig(64, 1, CgroupLayout.V2));
        var groups = new List<long>();
        foreach (int pages in new[] { 2, 1 })
        {
            var (group, task) = SideBySide.TaskInANewGroup(k);
            Assert.True(k.TaskTouchFile(task, pages).IsOk);
            Assert.True(k.TaskExit(task).IsOk);
            groups.Add(group);
        }
        foreach (long group in groups) Assert.True(k.CgroupRemove(group).IsOk);
        Assert.Equal([new DyingMemcgInfo(groups[0], 1, 2), new DyingMemcgInfo(groups[1], 1, 1)], k.TakeSnapshot().DyingMemcgs);
    }

    /// <summary>
    /// A removed group keeps counting the kernel pages it counted when removed: its page-cache page
    /// and the page of its 64-byte accounted kmalloc stay in its usage after the object is freed
    /// (the obj_cgroup's uncharges go to the parent from then on).
    /// </summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void ARemovedGroupKeepsTheKernelPagesItCountedWhenRemoved(string side)
    {
        var k = Kernel(side, new MachineConfig(64, 1, CgroupLayout.V2));
        var (group, task) = SideBySide.TaskInANewGroup(k);
        Assert.True(k.RunOn(task, 0).IsOk);
        Assert.True(k.TaskTouchFile(task, 1).IsOk);
        long address = k.Kmalloc(64, KmallocFlags.Account).Value;
        Assert.True(k.RunOn(InitPid, 0).IsOk);
        Assert.True(k.TaskExit(task).IsOk);
        Assert.True(k.CgroupRemove(group).IsOk);
        Assert.Equal([new DyingMemcgInfo(group, 1, 2)], k.TakeSnapshot().DyingMemcgs);
        Assert.True(k.Kfree(address).IsOk);
        Assert.Equal([new DyingMemcgInfo(group, 1, 2)], k.TakeSnapshot().DyingMemcgs);
    }

    /// <summary>v1 memory.kmem.tcp.limit_in_bytes is a plain set_max: a limit equal to the tcp usage is taken, one page less is EBUSY.</summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void ATcpLimitEqualToTheTcpUsageIsTakenAndOneLessIsBusy(string side)
    {
        var k = Kernel(side, new MachineConfig(64, 1, CgroupLayout.V1));
        var (group, task) = SideBySide.TaskInANewGroup(k);
        Assert.True(k.CgroupSetLimit(group, MemcgCounter.Tcp, 100).IsOk);
        Assert.True(k.SockAlloc(task, 3 * PageSizeBytes).IsOk);
        Assert.Equal(3, k.TakeSnapshot().Memory.Single(m => m.Id == group).TcpUsage);
        Assert.Equal(Outcome.Fail(Errno.EBUSY), k.CgroupSetLimit(group, MemcgCounter.Tcp, 2));
        Assert.Equal(Outcome.Ok(0), k.CgroupSetLimit(group, MemcgCounter.Tcp, 3));
    }

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void SocketIdsOutsideTheLiveOnesAreRefused(string side)
    {
        var k = Kernel(side, new MachineConfig(64, 1));
        long task = k.TaskFork(InitPid).Value;
        var ids = Enumerable.Range(0, 15).Select(_ => k.SockAlloc(task, 100).Value).ToList();
        Assert.Equal(Enumerable.Range(1, 15).Select(i => (long)i), ids);
        foreach (long id in new long[] { -1, 0, 16, 17, long.MaxValue })
            Assert.Equal(Outcome.Fail(Errno.EINVAL), k.SockFree(id));
        Must(k.SockFree(15));
        Assert.Equal(Outcome.Fail(Errno.EINVAL), k.SockFree(15));
        Assert.Equal(14, k.TakeSnapshot().Sockets.Count);
        if (k is ImplKernel impl) Assert.Empty(Violations(impl));
    }
}
