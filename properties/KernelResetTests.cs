using Verify.Model.Contract;
using Verify.Model.Slab;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties;

/// <summary>
/// IKernel.Reset "starts over on a fresh machine": after a run that leaves effects, tasks, groups
/// and memory behind, a reset kernel is indistinguishable from a new one of the same side: an empty
/// effect log, the same snapshot and digest, and the same outcomes and effects when the run is
/// repeated on both.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class KernelResetTests
{
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void AResetKernelIsAFreshOne(string side)
    {
        var (first, second) = (new MachineConfig(1024, 2), new MachineConfig(2048, 4));
        var used = SideBySide.Kernel(side, first);
        Busy(used);
        Assert.NotEmpty(used.Effects.Items); // the run ends in an OOM kill
        used.Reset(second);
        var fresh = SideBySide.Kernel(side, second);
        Assert.Empty(used.Effects.Items);
        Assert.Empty(SnapshotDiff.Compare(fresh.TakeSnapshot(), used.TakeSnapshot()));
        Assert.Equal(fresh.Digest, used.Digest);
        Assert.Equal(Busy(fresh), Busy(used));
    }

    /// <summary>The impl keeps its per-task-slot arrays across Reset: a slot that held anonymous pages before reads as holding none after, for init and for a new task in it.</summary>
    [Fact]
    public void AResetImplCountsNoResidentPagesLeftFromBefore()
    {
        var machine = new MachineConfig(1024, 1);
        var impl = new Verify.Impl.ImplKernel(machine);
        Assert.True(impl.TaskTouchAnon(InitPid, 3).IsOk);
        long before = impl.TaskFork(InitPid).Value;
        Assert.True(impl.TaskTouchAnon(before, 5).IsOk);
        int slot = impl.Containers.TaskSlotOf(before);
        impl.Reset(machine);
        Assert.Equal(0, impl.Memcg.ResidentPages(impl.Containers.TaskSlotOf(InitPid)));
        long after = impl.TaskFork(InitPid).Value;
        Assert.Equal(slot, impl.Containers.TaskSlotOf(after));
        Assert.Equal(0, impl.Memcg.ResidentPages(slot));
    }

    /// <summary>Groups, tasks, kernel objects and an OOM kill in a limited group; every step's outcome and effects, as text.</summary>
    private static string Busy(IKernel k)
    {
        var log = new List<string>();
        Outcome Step(Func<IKernel, Outcome> op)
        {
            var outcome = op(k);
            log.Add($"{outcome} [{k.Effects}]");
            return outcome;
        }
        long group = Step(k => k.CgroupCreate(1)).Value;
        Step(k => k.CgroupSetLimit(group, MemcgCounter.Memory, 64));
        long pid = Step(k => k.TaskFork(InitPid)).Value;
        Step(k => k.TaskAttach(pid, group));
        Step(k => k.RunOn(pid, 1));
        Step(k => k.DentryAlloc(40));
        Step(k => k.Kmalloc(3000, KmallocFlags.Account));
        Step(k => k.VmallocAccount(2 * PageSizeBytes));
        long hog = Step(k => k.TaskFork(pid)).Value;
        Step(k => k.TaskTouchAnon(hog, 100)); // past the limit: the OOM killer takes the hog
        return string.Join("\n", log);
    }
}
