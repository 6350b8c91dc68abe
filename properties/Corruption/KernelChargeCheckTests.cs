using Verify.Impl;
using Verify.Model.Contract;
using Verify.Properties.Support;
using static Verify.Properties.Support.Corrupt;

namespace Verify.Properties.Corruption;

/// <summary>
/// S16's first fact: every kernel charge names a live obj_cgroup. A charged kernel stack whose
/// page names an obj_cgroup id past those in use (the first one, exactly _idsUsed) is reported as
/// naming no group, and the check goes on without indexing its per-group sums by that id.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class KernelChargeCheckTests
{
    [Fact]
    public void AKernelChargeOfAnObjcgPastThoseInUseNamesNoGroup()
    {
        var impl = new ImplKernel(new MachineConfig(512, 1));
        long group = impl.CgroupCreate(1).Value;
        long parent = impl.TaskFork(KernelConstants.InitPid).Value;
        Must(impl.TaskAttach(parent, group));
        Must(impl.TaskFork(parent)); // the child's stack is charged to the group
        var stack = impl.TakeSnapshot().KernelCharges.Single(c => c.Kind == KernelChargeKind.KernelStack);
        Assert.Empty(Violations(impl));
        int idsUsed = (int)Get<long>(impl.Memcg, "_idsUsed");
        Get<int[]>(impl.Memcg, "_pageObjcg")[stack.Key] = idsUsed;
        var found = Violations(impl);
        Assert.Contains(found, v => v.StartsWith($"{StructureInvariant.MemcgKernel}: ", StringComparison.Ordinal) && v.EndsWith(" names no group", StringComparison.Ordinal) && v.Contains($"{stack.Key}", StringComparison.Ordinal));
    }
}
