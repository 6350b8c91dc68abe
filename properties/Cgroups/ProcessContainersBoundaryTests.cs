using Verify.Impl.Cgroups;
using Verify.Model.Contract;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Cgroups;

/// <summary>
/// The impl's process containers at the edges of their queries and of pids.max, on a fresh
/// ProcessContainers (the constructor sets up the default machine): the root of the first
/// hierarchy sits in slot 0 (id 1), so the queries must not take slot 0 for "no group"; an unknown
/// id answers -1; pids.max takes 0 to PID_MAX_LIMIT and nothing above; a machine with more CPUs
/// than the default has room for its larger pid_max.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class ProcessContainersBoundaryTests
{
    [Fact]
    public void TheFirstRootAndAChildOfItAnswerTheirHierarchyAndParent()
    {
        var containers = new ProcessContainers(new EffectLog());
        Assert.Equal((0, 0L), (containers.HierarchyOfGroup(1), containers.ParentIdOf(1)));
        long child = containers.Create(1).Value;
        Assert.Equal((0, 1L), (containers.HierarchyOfGroup(child), containers.ParentIdOf(child)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(999)]
    public void AnIdOfNoLiveGroupAnswersMinusOne(long id)
    {
        var containers = new ProcessContainers(new EffectLog());
        Assert.Equal((-1, -1L), (containers.HierarchyOfGroup(id), containers.ParentIdOf(id)));
    }

    [Fact]
    public void PidsMaxTakesUpToPidMaxLimitAndNoMore()
    {
        var containers = new ProcessContainers(new EffectLog());
        // The group with pids files is the child of the pids hierarchy's root, whichever root that is.
        long group = Enumerable.Range(1, 4).Select(root => containers.Create(root))
            .Where(made => made.IsOk).Select(made => made.Value)
            .First(id => containers.SetPidsMax(id, 5).IsOk);
        Assert.Equal(Outcome.Ok(0), containers.SetPidsMax(group, PidMaxLimit));
        Assert.Equal(Outcome.Ok(0), containers.SetPidsMax(group, 0));
        Assert.Equal(Outcome.Fail(Errno.EINVAL), containers.SetPidsMax(group, PidMaxLimit + 1));
        Assert.Equal(Outcome.Fail(Errno.EINVAL), containers.SetPidsMax(group, -2));
    }

    /// <summary>The same edges of pids.max through the kernel interface, on the model and on the impl: PID_MAX_LIMIT is taken and shown, one more is EINVAL and changes nothing.</summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void PidsMaxTakesUpToPidMaxLimitOnBothSides(string side)
    {
        var kernel = SideBySide.Kernel(side, new MachineConfig(64, 1, CgroupLayout.V2));
        long group = kernel.CgroupCreate(1).Value;
        Assert.Equal(Outcome.Ok(0), kernel.CgroupSetPidsMax(group, PidMaxLimit));
        Assert.Equal(PidMaxLimit, kernel.TakeSnapshot().Cgroups.Single(c => c.Id == group).PidsMax);
        SideBySide.AssertRefusedAndNothingChanged(kernel, k => k.CgroupSetPidsMax(group, PidMaxLimit + 1));
    }

    [Fact]
    public void AMachineWithMoreCpusTakesPidsUpToItsOwnPidMax()
    {
        // 64 CPUs give pid_max 65536, twice the default machine's: the pid table grows with it.
        var containers = new ProcessContainers(new EffectLog());
        containers.Reset(new MachineConfig(256, 64, CgroupLayout.V1));
        int defaultPidMax = PidMax(MachineConfig.Default.Cpus);
        Assert.True(PidMax(64) > defaultPidMax + 1);
        long pid = InitPid;
        while (pid < defaultPidMax) pid = containers.Fork(InitPid).Value; // pids 2, 3, ... in order
        Assert.Equal(defaultPidMax, pid); // the first pid a table sized for the default machine has no room for
        Assert.Equal(Outcome.Ok(0), containers.Exit(pid));
        Assert.Equal(Outcome.Fail(Errno.ESRCH), containers.Exit(pid));
    }
}
