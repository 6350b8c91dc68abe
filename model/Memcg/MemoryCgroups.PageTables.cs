using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Model.Memcg;

/// <summary>
/// Page tables (KERNEL-FACTS.md, "OOM killer": badness counts them), kept plain: a list of
/// page-table pages, each with the task it maps for, in the order they were taken. A task holding
/// n anonymous pages holds PageTablesFor(n) = ceil(n / 512) of them. A fault that needs one more
/// takes it before the data page (a page of the machine for the task, then a kernel charge of kind
/// PageTable to the task's group: nothing in a root); when the data page then fails, or an unmap
/// leaves fewer pages, the task's newest tables beyond its need go; its exit frees them all after
/// its pages. free_pages refuses them (OwnsPage).
/// </summary>
public sealed partial class MemoryCgroups
{
    private sealed record PageTable(long Pfn, long OwnerPid);

    private readonly List<PageTable> _tables = [];

    /// <summary>Before the task's next anonymous page: one more page-table page when the pages it has fill the tables it has.</summary>
    private Outcome GrowPageTables(long pid)
    {
        if (TablesOf(pid).Count >= PageTablesFor(AnonPagesOf(pid) + 1)) return Outcome.Ok(0);
        var table = AllocPages(0, pid);
        if (!table.IsOk) return table;
        var charged = ChargeKernel(KernelChargeKind.PageTable, table.Value, 1, pid);
        if (!charged.IsOk)
        {
            _buddy.FreePages(table.Value, 0);
            return charged;
        }
        _tables.Add(new PageTable(table.Value, pid));
        return Outcome.Ok(0);
    }

    /// <summary>The task's newest tables beyond what its anonymous pages need go (none once it is gone: its exit took them).</summary>
    private void TrimPageTables(long pid)
    {
        var mine = TablesOf(pid);
        for (long extra = mine.Count - PageTablesFor(AnonPagesOf(pid)); extra > 0; extra--) FreeTable(mine[mine.Count - (int)extra]);
    }

    /// <summary>exit_mmap: every table of the task goes (after its pages).</summary>
    private void FreePageTables(long pid)
    {
        foreach (var table in TablesOf(pid)) FreeTable(table);
    }

    private void FreeTable(PageTable table)
    {
        _tables.Remove(table);
        UnchargeKernel(KernelChargeKind.PageTable, table.Pfn);
        _buddy.FreePages(table.Pfn, 0);
    }

    private List<PageTable> TablesOf(long pid) => _tables.Where(t => t.OwnerPid == pid).ToList();

    private long AnonPagesOf(long pid) => _pages.Count(p => !p.File && p.OwnerPid == pid);

    public bool OwnsPageTable(long pfn) => _tables.Any(t => t.Pfn == pfn);

    public List<PageTableInfo> PageTables() => _tables.OrderBy(t => t.Pfn).Select(t => new PageTableInfo(t.Pfn, t.OwnerPid)).ToList();

    private ulong PageTablesDigest() => _tables.Aggregate(0UL, (digest, t) => digest + StateDigest.PageTable(t.Pfn, t.OwnerPid));
}
