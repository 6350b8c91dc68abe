using Verify.Fuzz.Harness;
using Verify.Model;
using Verify.Model.Alphabet;
using Verify.Model.Contract;

namespace Verify.Properties.Memcg;

/// <summary>The per-step memcg checker fires on the states it must reject (the sides never produce them, so only hand-made steps show it can fail).</summary>
public sealed class MemcgCheckerTests
{
    private static List<string> Check(Snapshot before, Snapshot after, Op op, Handle task, Outcome outcome)
    {
        var args = new OpArgs();
        args.SetRef(0, task);
        args.SetInt(1, op.A1);
        var found = new List<string>();
        MemcgInvariants.CheckStep(before, after, op, args, outcome, (invariant, _) => found.Add(invariant));
        return found;
    }

    [Fact]
    public void AnEnomemWithRoomBelowLimitsThatFitTheMachineBreaksDosFreedom()
    {
        var k = new ModelKernel(new MachineConfig(16, 1));
        long group = k.CgroupCreate(1).Value;
        Assert.True(k.CgroupSetLimit(group, MemcgCounter.Memory, 8).IsOk);
        long pid = k.TaskFork(KernelConstants.InitPid).Value;
        Assert.True(k.TaskAttach(pid, group).IsOk);
        var snapshot = k.TakeSnapshot();
        var touch = Op.Of("task_touch_anon", 1, 1);
        var handle = new Handle(HandleKind.Task, pid, 0, 0);
        // 8 pages of limit and nothing else allocated fit in 16 pages: an ENOMEM here is another group's doing.
        Assert.Contains(Invariant.IsolationDosFreedom, Check(snapshot, snapshot, touch, handle, Outcome.Fail(Errno.ENOMEM)));
        Assert.DoesNotContain(Invariant.IsolationDosFreedom, Check(snapshot, snapshot, touch, handle, Outcome.Ok(1)));

        // Without a limit the premise does not hold: the group may take the whole machine itself.
        Assert.True(k.CgroupSetLimit(group, MemcgCounter.Memory, KernelConstants.LimitMaxWord).IsOk);
        var unlimited = k.TakeSnapshot();
        Assert.DoesNotContain(Invariant.IsolationDosFreedom, Check(unlimited, unlimited, touch, handle, Outcome.Fail(Errno.ENOMEM)));
    }

    [Fact]
    public void AChargeThatSucceedsAboveMaxBreaksTheLimitInvariant()
    {
        var k = new ModelKernel(new MachineConfig(16, 1));
        long group = k.CgroupCreate(1).Value;
        long pid = k.TaskFork(KernelConstants.InitPid).Value;
        Assert.True(k.TaskAttach(pid, group).IsOk);
        Assert.True(k.TaskTouchAnon(pid, 3).IsOk);
        Assert.True(k.CgroupSetLimit(group, MemcgCounter.Memory, 2).IsOk); // v2: accepted, usage stays 3
        var snapshot = k.TakeSnapshot();
        var handle = new Handle(HandleKind.Task, pid, 0, 0);
        Assert.Contains(Invariant.LimitsMemoryAfterCharge, Check(snapshot, snapshot, Op.Of("task_touch_anon", 1, 1), handle, Outcome.Ok(1)));
    }
}
