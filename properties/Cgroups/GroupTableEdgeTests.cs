using Verify.Model.Contract;
using Verify.Properties.Support;

namespace Verify.Properties.Cgroups;

/// <summary>
/// The impl's cgroup table at its edges, model and impl side by side: the id the next mkdir will
/// give names no group yet, also when it equals the length of the id -> slot array (64, 128).
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class GroupTableEdgeTests
{
    /// <summary>After every mkdir up to id 130, a mkdir under the id not given yet is ENOENT on both sides, and the snapshots agree.</summary>
    [Theory]
    [InlineData(CgroupLayout.V2)]
    [InlineData(CgroupLayout.V1)]
    public void TheIdNotGivenYetNamesNoGroup(CgroupLayout layout)
    {
        var machine = new MachineConfig(256, 1, layout);
        var (model, impl) = (SideBySide.Kernel("model", machine), SideBySide.Kernel("impl", machine));
        long next = layout.HierarchyCount() + 1;
        for (int i = 0; i < 130; i++)
        {
            Assert.Null(SideBySide.Step(model, impl, $"mkdir under {next} (not given yet)", k => k.CgroupCreate(next), out var missing));
            Assert.Equal(Outcome.Fail(Errno.ENOENT), missing);
            Assert.Null(SideBySide.Step(model, impl, $"mkdir {next}", k => k.CgroupCreate(1), out var created));
            Assert.Equal(Outcome.Ok(next), created);
            next++;
        }
        Assert.Empty(SnapshotDiff.Compare(model.TakeSnapshot(), impl.TakeSnapshot()));
    }
}
