using Verify.Model;
using Verify.Model.Contract;
using Verify.Properties.Support;

namespace Verify.Properties.Memcg;

/// <summary>
/// The model's memory.peak and failcnt, exactly (KERNEL-FACTS, "Page counters": watermarks bumped
/// on the way up are not rolled back when a higher level fails; failcnt counts at the failing
/// level, on 6.15+ only for the v1 memory counter). The runner compares the impl's with the
/// model's one way only (E5: the impl's raw figures include what its per-CPU stocks hold), so a
/// model that counted too low would pass every equivalence check: these pin the model itself.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class ModelWatermarkTests
{
    private static MemcgWatermark Watermark(IKernel k, long group) => k.TakeSnapshot().Watermarks.Single(w => w.Id == group);

    /// <summary>A model of the layout with a task in a new child of its memory hierarchy's root.</summary>
    private static (IKernel Kernel, long Group, long Task) TaskInANewGroup(CgroupLayout layout)
    {
        var kernel = new ModelKernel(new MachineConfig(256, 1, layout));
        var (group, task) = SideBySide.TaskInANewGroup(kernel);
        return (kernel, group, task);
    }

    [Fact]
    public void PeakIsTheHighestUsageAndStaysWhenUsageFalls()
    {
        var (k, group, task) = TaskInANewGroup(CgroupLayout.V2);
        for (int i = 0; i < 5; i++) Assert.True(k.TaskTouchAnon(task, 1).IsOk);
        // Five anonymous pages and the page-table page that maps them.
        Assert.Equal(new MemcgWatermark(group, 6, 6, 0), Watermark(k, group));
        Assert.True(k.TaskExit(task).IsOk);
        Assert.Equal(new MemcgWatermark(group, 0, 6, 0), Watermark(k, group));
    }

    /// <summary>A (memory.max 4) above B: three anonymous pages and their page table fill it; B's next page fails at A, yet B's watermark keeps the 5 it was bumped to on the way; A's stays 4; v2 counts no failcnt.</summary>
    [Fact]
    public void ALevelBelowTheFailingOneKeepsTheWatermarkOfTheChargeThatFailed()
    {
        var k = new ModelKernel(new MachineConfig(256, 1, CgroupLayout.V2));
        long upper = k.CgroupCreate(1).Value;
        Assert.True(k.CgroupSetLimit(upper, MemcgCounter.Memory, 4).IsOk);
        var (lower, task) = SideBySide.TaskInANewGroup(k, upper);
        Assert.True(k.TaskTouchAnon(task, 3).IsOk);
        Assert.False(k.TaskTouchAnon(task, 1).IsOk && k.TakeSnapshot().Tasks.Any(t => t.Pid == task), "the next page must fail or the OOM killer take the task");
        Assert.Equal(5, Watermark(k, lower).Peak);
        Assert.Equal((4L, 0L), (Watermark(k, upper).Peak, Watermark(k, upper).Failcnt));
        Assert.Equal(0, Watermark(k, lower).Failcnt);
    }

    /// <summary>v1: a group at its limit (three anonymous pages and their page table) fails its next page once (the OOM killer then takes the charger, which ends the retries): failcnt 1 there.</summary>
    [Fact]
    public void V1CountsAFailedChargeInTheFailingGroupsFailcnt()
    {
        var (k, group, task) = TaskInANewGroup(CgroupLayout.V1);
        Assert.True(k.CgroupSetLimit(group, MemcgCounter.Memory, 4).IsOk);
        Assert.True(k.TaskTouchAnon(task, 3).IsOk);
        Assert.Equal(0, Watermark(k, group).Failcnt);
        k.TaskTouchAnon(task, 1);
        Assert.DoesNotContain(k.TakeSnapshot().Tasks, t => t.Pid == task);
        Assert.Equal(new MemcgWatermark(group, 0, 4, 1), Watermark(k, group));
    }
}
