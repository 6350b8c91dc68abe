using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Impl.Memcg;

/// <summary>
/// Page tables; the semantics are the model's (model/Memcg/MemoryCgroups.PageTables.cs): a task
/// with n anonymous pages holds ceil(n / 512) page-table pages, taken before the data page that
/// needs one more, charged as kernel pages of kind PageTable, trimmed newest first when its pages
/// shrink, freed at exit after its pages. Storage: a table page is a page of the per-pfn arrays
/// with kind Table and its owner's pid; each task slot keeps its tables as a stack (newest at
/// _tableHead, linked through _next) and their count. Guarantees: _tableCount[slot] is the stack's
/// length and equals PageTablesFor(_anonCount[slot]) between operations, so badness reads a task's
/// page tables in O(1); a table is on exactly one stack; _tablesDigest is the sum of their terms.
/// </summary>
public sealed partial class MemoryCgroups
{
    private const byte Table = 4;

    /// <summary>Per task slot: its newest page table (-1: none) and how many it holds.</summary>
    private int[] _tableHead = [];
    private long[] _tableCount = [];

    private ulong _tablesDigest;

    /// <summary>Before the slot's next anonymous page: one more table when its pages fill the tables it has; false with the outcome when none could be had.</summary>
    private bool GrowPageTables(long pid, int taskSlot, out Outcome failed)
    {
        failed = default;
        EnsureTaskSlots(taskSlot + 1);
        if (_tableCount[taskSlot] >= PageTablesFor(_anonCount[taskSlot] + 1)) return true;
        var table = AllocPages(0, pid);
        if (!table.IsOk)
        {
            failed = table;
            return false;
        }
        if (!ChargePages(table.Value, 1, KernelChargeKind.PageTable, pid))
        {
            buddy.FreePages(table.Value, 0);
            failed = Outcome.Fail(Errno.ENOMEM);
            return false;
        }
        int pfn = (int)table.Value;
        EnsurePageTable();
        (_stamp[pfn], _kind[pfn], _owner[pfn], _next[pfn]) = (_generation, Table, pid, _tableHead[taskSlot]);
        _tableHead[taskSlot] = pfn;
        _tableCount[taskSlot]++;
        _tablesDigest += StateDigest.PageTable(pfn, pid);
        return true;
    }

    /// <summary>The task's newest tables beyond what its anonymous pages need go (nothing once it is gone: its exit took them).</summary>
    private void TrimPageTables(long pid)
    {
        int slot = containers.TaskSlotOf(pid);
        if (slot < 0 || slot >= _taskSlotsUsed) return;
        while (_tableCount[slot] > PageTablesFor(_anonCount[slot])) FreeNewestTable(slot);
    }

    /// <summary>exit_mmap, after the pages: every table of the slot goes.</summary>
    private void FreePageTables(int taskSlot)
    {
        while (taskSlot < _taskSlotsUsed && _tableHead[taskSlot] >= 0) FreeNewestTable(taskSlot);
    }

    private void FreeNewestTable(int slot)
    {
        int pfn = _tableHead[slot];
        _tableHead[slot] = _next[pfn];
        _tableCount[slot]--;
        UnchargePages(pfn);
        _tablesDigest -= StateDigest.PageTable(pfn, _owner[pfn]);
        _kind[pfn] = None;
        buddy.FreePages(pfn, 0);
    }

    /// <summary>What badness counts for the slot: its resident pages plus its page-table pages (O(1)).</summary>
    public long BadnessPages(int taskSlot) => taskSlot < _taskSlotsUsed ? _anonCount[taskSlot] + _tableCount[taskSlot] : 0;

    /// <summary>The most page tables any task slot holds (fuzz reach).</summary>
    internal long MostPageTablesPerTask()
    {
        long most = 0;
        for (int slot = 0; slot < _taskSlotsUsed; slot++) most = Math.Max(most, _tableCount[slot]);
        return most;
    }

    /// <summary>Every page table, read off the slots' stacks, sorted by pfn.</summary>
    public List<PageTableInfo> PageTables()
    {
        var list = new List<PageTableInfo>();
        for (int slot = 0; slot < _taskSlotsUsed; slot++)
            for (int pfn = _tableHead[slot], budget = _machinePages; pfn >= 0 && budget-- > 0; pfn = _next[pfn]) list.Add(new PageTableInfo(pfn, _owner[pfn]));
        list.Sort((a, b) => a.Pfn.CompareTo(b.Pfn));
        return list;
    }

    /// <summary>
    /// S19: each slot's stack is as long as its count (a walk bounded by the machine, so a cycle
    /// cannot hang it), holds pages marked Table with the slot's pid, and counts ceil(resident / 512);
    /// a free slot holds none; no other page is marked Table; the digest equals a recount.
    /// </summary>
    private void CheckPageTables(SelfCheckReport report)
    {
        const string S19 = StructureInvariant.PageTables;
        ulong digest = 0;
        long listed = 0;
        for (int slot = 0; slot < _taskSlotsUsed && !report.IsFull; slot++)
        {
            bool live = containers.TaskSlots.IsLive(slot);
            long length = 0;
            for (int pfn = _tableHead[slot]; pfn >= 0 && length <= _machinePages; pfn = _next[pfn], length++)
            {
                if (!OwnsPage(pfn) || _kind[pfn] != Table || !live || containers.TaskSlotOf(_owner[pfn]) != slot)
                    report.Fail(S19, $"pfn {pfn} is on task slot {slot}'s page-table stack but is not a page table of its task");
                digest += StateDigest.PageTable(pfn, _owner[pfn]);
            }
            listed += length;
            if (length != _tableCount[slot] || length != PageTablesFor(_anonCount[slot]))
                report.Fail(S19, $"task slot {slot} counts {_tableCount[slot]} page tables for {_anonCount[slot]} resident pages but its stack holds {length}");
        }
        long marked = 0;
        for (int pfn = 0; pfn < Math.Min(_stamp.Length, _machinePages); pfn++)
            if (_stamp[pfn] == _generation && _kind[pfn] == Table) marked++;
        if (marked != listed) report.Fail(S19, $"{marked} pages are marked as page tables but the stacks hold {listed}");
        if (digest != _tablesDigest) report.Fail(S19, "the page tables' digest is stale");
    }
}
