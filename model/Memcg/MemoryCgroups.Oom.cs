using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Model.Memcg;

/// <summary>
/// Where memory cgroups meet the OOM killer (KERNEL-FACTS.md, "OOM killer"): the killer itself is
/// model/Oom/OomKiller.cs; this part hands it the OOM domain and what it needs to know (a task's
/// resident pages, memory.oom.group, the events), and holds the machine's page allocation with
/// global reclaim: page cache of any group, oldest first, then unpinned dentries, then (order at
/// most OomMaxOrder) the global OOM killer over every task; a kill means another try unless the
/// task the pages were for was the one killed.
/// </summary>
public sealed partial class MemoryCgroups
{
    /// <summary>Set by the kernel: the OOM killer; false when nothing was killable.</summary>
    public Func<OomContext, bool>? OutOfMemory { get; set; }

    /// <summary>Set by the kernel: told whenever a reclaim (memcg or global) freed something (the forkbomb tracker's aging waits for a quiet interval).</summary>
    public Action? ReclaimFreed { get; set; }

    /// <summary>Set by the kernel: frees up to count unpinned dentries of any group, oldest first; returns how many (global reclaim of reclaimable slab).</summary>
    public Func<long, long>? ShrinkAnyDentries { get; set; }

    /// <summary>
    /// A block of the machine of the order for the task (the pages' owner or the charging task):
    /// while the buddy allocator has none, one page of the oldest page cache goes, else
    /// ReclaimDentriesPerPage dentries, else (order at most OomMaxOrder) the global OOM killer; ENOMEM
    /// when nothing is left to free, or when the task itself was killed.
    /// </summary>
    public Outcome AllocPages(int order, long forPid)
    {
        _digest = null;
        while (true)
        {
            var block = _buddy.AllocPages(order);
            if (block.IsOk) return block;
            if (ReclaimOldest(_pages.Where(p => p.File), 1) > 0 || ShrinkAnyDentries is { } shrink && shrink(ReclaimDentriesPerPage) > 0)
            {
                ReclaimFreed?.Invoke();
                continue;
            }
            if (order > OomMaxOrder || !GlobalOutOfMemory(order) || _containers.MemoryGroupOf(forPid) is null) return block;
        }
    }

    private bool GlobalOutOfMemory(int order) =>
        OutOfMemory?.Invoke(new OomContext(OomContext.MachineDomain, _buddy.Pages, 1L << order, _buddy.AllocatedPageCount)) == true;

    /// <summary>mem_cgroup_out_of_memory on the group over its limit, for a charge of pages (0: a memory.max write): the oom event there, then the killer over its subtree with totalpages = its max.</summary>
    private bool MemcgOutOfMemory(long overLimit, long pages)
    {
        CountOomEvent(overLimit, MemcgOomEvent.Oom);
        return OutOfMemory?.Invoke(new OomContext(overLimit, Limit(overLimit).Max, pages, Usage(overLimit))) == true;
    }

    /// <summary>memory.events (and .local on the group): v2 on the group and its non-root ancestors, v1 on the group only; nothing for a root.</summary>
    public void CountOomEvent(long group, MemcgOomEvent kind)
    {
        _digest = null;
        var chain = _containers.ChainOf(group);
        if (chain is null || chain.Length == 1) return;
        IEnumerable<long> levels = _layout == CgroupLayout.V1 ? [group] : Charged(chain);
        foreach (long level in levels) Limit(level).Oom = Limit(level).Oom.Counted(kind, local: level == group);
    }

    /// <summary>
    /// The pages badness counts for each task, in one pass over the pages and one over the tables: its
    /// resident set (the anonymous pages it owns; page cache it filled is not mapped, so not in it)
    /// plus its page-table pages.
    /// </summary>
    public Dictionary<long, long> BadnessPagesByTask()
    {
        var pages = new Dictionary<long, long>();
        foreach (var page in _pages.Where(p => !p.File)) pages[page.OwnerPid] = pages.GetValueOrDefault(page.OwnerPid) + 1;
        foreach (var table in _tables) pages[table.OwnerPid] = pages.GetValueOrDefault(table.OwnerPid) + 1;
        return pages;
    }

    /// <summary>memory.oom.group of a live group (false for a root).</summary>
    public bool IsOomGroup(long group) => _limits.TryGetValue(group, out var limit) && limit.OomGroup;
}
