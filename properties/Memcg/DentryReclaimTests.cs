using Verify.Model.Contract;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Memcg;

/// <summary>
/// A group's reclaim shrinks only the dentries charged to its own subtree (README, "Reclaim":
/// unpinned dentries charged to the subtree, oldest first): a sibling's older dentries stay. Run on
/// model and impl side by side, every step's outcome and effects and the final snapshots equal.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class DentryReclaimTests
{
    private const int DentriesEach = 60;

    [Fact]
    public void AGroupsReclaimSparesASiblingsOlderDentries()
    {
        var machine = new MachineConfig(4096, 1);
        var kernels = SideBySide.Pair(machine);
        var outcomes = kernels.Select(Run).ToArray();
        Assert.Equal(Show(outcomes[0]), Show(outcomes[1]));
        SideBySide.AssertSameSnapshots(kernels);

        foreach (var (k, (sibling, own, touched)) in kernels.Zip(outcomes))
        {
            var live = k.TakeSnapshot().Dentries.Select(d => d.Id).ToHashSet();
            Assert.All(sibling, id => Assert.Contains(id, live)); // B's dentries, older than A's, all stay
            Assert.Contains(own, id => !live.Contains(id)); // A's reclaim shrank some of A's own
            Assert.True(touched, "A's charge went through once its dentries were shrunk");
        }
    }

    /// <summary>Dentries by a task of B, then by a task of A; A's memory.max at its usage; then A's task touches anonymous pages.</summary>
    private static (List<long> Sibling, List<long> Own, bool Touched) Run(IKernel k)
    {
        long a = k.CgroupCreate(1).Value, b = k.CgroupCreate(1).Value;
        long inA = TaskIn(k, a), inB = TaskIn(k, b);
        var sibling = Dentries(k, inB);
        var own = Dentries(k, inA);
        long usage = k.TakeSnapshot().Memory.Single(m => m.Id == a).Current;
        Assert.True(k.CgroupSetLimit(a, MemcgCounter.Memory, usage).IsOk);
        bool touched = k.TaskTouchAnon(inA, 2).IsOk;
        return (sibling, own, touched);
    }

    private static string Show((List<long> Sibling, List<long> Own, bool Touched) run) =>
        $"B [{string.Join(' ', run.Sibling)}] A [{string.Join(' ', run.Own)}] touched {run.Touched}";

    private static long TaskIn(IKernel k, long group)
    {
        long pid = k.TaskFork(InitPid).Value;
        Assert.True(k.TaskAttach(pid, group).IsOk);
        return pid;
    }

    /// <summary>DentriesEach dentries allocated with the task current (charged to its group): their ids.</summary>
    private static List<long> Dentries(IKernel k, long pid)
    {
        Assert.True(k.RunOn(pid, 0).IsOk);
        return Enumerable.Range(0, DentriesEach).Select(_ => k.DentryAlloc(8).Value).ToList();
    }
}
