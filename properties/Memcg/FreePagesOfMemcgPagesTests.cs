using Verify.Model.Contract;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Memcg;

/// <summary>
/// free_pages of a page that was given back and then reused by the memory cgroups, as a user page
/// or as a socket's buffer page, is refused on both sides (EINVAL) and changes nothing: the page is
/// not the caller's any more. Each kind is asked alone, so a side that recognized only one of them
/// would free the other.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class FreePagesOfMemcgPagesTests
{
    private static readonly MachineConfig Machine = new(64, 1);

    /// <summary>Allocates and frees one page, then lets reuse take it; returns its pfn.</summary>
    private static long FreedThenReused(IKernel kernel, Func<IKernel, Outcome> reuse)
    {
        long pfn = kernel.AllocPages(0).Value;
        Assert.True(kernel.FreePages(pfn, 0).IsOk);
        Assert.True(reuse(kernel).IsOk);
        return pfn;
    }

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void AUserPageIsNotFreedByFreePages(string side)
    {
        var kernel = SideBySide.Kernel(side, Machine);
        Assert.True(kernel.TaskTouchAnon(InitPid, 1).IsOk); // init's page table first, so the next touch takes one page only
        long pfn = FreedThenReused(kernel, k => k.TaskTouchAnon(InitPid, 1));
        Assert.Contains(kernel.TakeSnapshot().Allocations, run => run.Pfn == pfn && run.Kind == AllocationKind.Anon); // the lowest free page was reused
        SideBySide.AssertRefusedAndNothingChanged(kernel, k => k.FreePages(pfn, 0));
    }

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void ASocketPageIsNotFreedByFreePages(string side)
    {
        var kernel = SideBySide.Kernel(side, Machine);
        long pfn = FreedThenReused(kernel, k => k.SockAlloc(InitPid, PageSizeBytes));
        Assert.Contains(kernel.TakeSnapshot().Allocations, run => run.Pfn == pfn && run.Kind == AllocationKind.Socket); // the socket took the lowest free page
        SideBySide.AssertRefusedAndNothingChanged(kernel, k => k.FreePages(pfn, 0));
    }
}
