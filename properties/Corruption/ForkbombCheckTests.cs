using Verify.Impl;
using Verify.Model.Contract;
using Verify.Properties.Support;

namespace Verify.Properties.Corruption;

/// <summary>
/// The records' self-check (S17) keeps the promise of its scratch array: once warm, a clean check
/// allocates nothing, even when the records fill every slot the tracker has room for (16 records
/// in 16 slots: the child recount is exactly as long as the slots in use and must be kept, not
/// made again).
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class ForkbombCheckTests
{
    [Fact]
    public void ACleanCheckOfFullRecordsAllocatesNothingOnceWarm()
    {
        var impl = new ImplKernel(new MachineConfig(1024, 1));
        for (int i = 0; i < 16; i++) Corrupt.Must(impl.TaskFork(KernelConstants.InitPid));
        Assert.Equal(16, impl.Forkbomb.Records().Count);
        var tasks = impl.Containers.TaskSlots;
        var report = new SelfCheckReport();
        impl.Forkbomb.CheckConsistency(report, tasks);
        long before = GC.GetAllocatedBytesForCurrentThread();
        impl.Forkbomb.CheckConsistency(report, tasks);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(report.IsClean, report.IsClean ? "" : $"{report.Found[0].Invariant}: {report.Found[0].Message}");
        Assert.True(allocated == 0, $"a warm clean check of 16 records allocated {allocated} bytes");
    }
}
