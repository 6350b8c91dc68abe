using Verify.Model.Contract;
using Verify.Model.Slab;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Memcg;

/// <summary>
/// dup_task_struct allocates the task_struct without __GFP_ACCOUNT, so only the task_struct cache's
/// SLAB_ACCOUNT decides its charge: with the cache switched off (CacheSetAccount, possible while it
/// holds no object, as on a fresh machine where init has none) a fork in a group charges the stack
/// alone; switched on again, the task_struct too. Model and impl side by side, snapshots equal.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class TaskKernelMemoryTests
{
    [Fact]
    public void AForkChargesItsTaskStructOnlyWhileTheCacheIsAccounted()
    {
        var machine = new MachineConfig(1024, 1);
        var kernels = SideBySide.Pair(machine);
        foreach (var k in kernels)
        {
            long group = k.CgroupCreate(1).Value;
            long parent = k.TaskFork(InitPid).Value; // forked by init: charged nowhere
            Assert.True(k.TaskAttach(parent, group).IsOk);
            Assert.True(k.TaskExit(parent).IsOk); // the task_struct cache is empty again
            Assert.True(k.CacheSetAccount(SlabLayout.TaskStructCacheId, false).IsOk);
            parent = k.TaskFork(InitPid).Value;
            Assert.True(k.TaskAttach(parent, group).IsOk);
            Assert.True(k.TaskFork(parent).IsOk);
            Assert.DoesNotContain(k.TakeSnapshot().KernelCharges, c => c.IsObject); // the child's stack only
            Assert.Contains(k.TakeSnapshot().KernelCharges, c => c.Kind == KernelChargeKind.KernelStack);
            Assert.True(k.CacheSetAccount(SlabLayout.TaskStructCacheId, true).IsOk);
            Assert.True(k.TaskFork(parent).IsOk);
            Assert.Single(k.TakeSnapshot().KernelCharges, c => c.IsObject); // the second child's task_struct
        }
        SideBySide.AssertSameSnapshots(kernels);
    }
}
