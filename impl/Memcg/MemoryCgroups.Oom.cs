using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Impl.Memcg;

/// <summary>The OOM killer as memory cgroups call it (impl/Oom/OomKiller.cs).</summary>
public interface IOutOfMemoryHandler
{
    /// <summary>out_of_memory (the Oom effect, then a victim of the domain): whether a task was killed.</summary>
    bool OutOfMemory(in OomContext context);
}

/// <summary>
/// Where memory cgroups meet the OOM killer (the model's MemoryCgroups.Oom.cs): the OOM domain and
/// its events, each task slot's resident pages (kept by AddPage and FreePage: O(1) to read), and the
/// machine's page allocation with global reclaim. Stocks never change a decision: after a kill,
/// whose frees may refill them, everything is drained again before the charge is retried.
/// </summary>
public sealed partial class MemoryCgroups
{
    private OomEvents[] _oomEvents = [];

    /// <summary>Per task slot: its anonymous pages (the resident set badness reads).</summary>
    private long[] _anonCount = [];

    /// <summary>Set by the kernel: told whenever a reclaim (memcg or global) freed something.</summary>
    public Action? ReclaimFreed { get; set; }

    /// <summary>Set by the kernel: the OOM killer.</summary>
    public IOutOfMemoryHandler? OomHandler { get; set; }

    /// <summary>
    /// A block of the machine of the order for the task: while the buddy allocator has none, the
    /// oldest page-cache page goes, else ReclaimDentriesPerPage dentries of any group, else (order at
    /// most OomMaxOrder) the global OOM killer; ENOMEM when nothing is left or the task was killed.
    /// </summary>
    public Outcome AllocPages(int order, long forPid)
    {
        while (true)
        {
            var block = buddy.AllocPages(order);
            if (block.IsOk) return block;
            if (_lruHead >= 0)
            {
                FreePage(_lruHead);
                ReclaimFreed?.Invoke();
                continue;
            }
            if (DentryShrinker is { } shrinker && shrinker.ShrinkAny(ReclaimDentriesPerPage) > 0)
            {
                ReclaimFreed?.Invoke();
                continue;
            }
            if (order > OomMaxOrder || !GlobalOutOfMemory(order) || containers.TaskSlotOf(forPid) < 0) return block;
        }
    }

    private bool GlobalOutOfMemory(int order) =>
        OomHandler?.OutOfMemory(new OomContext(OomContext.MachineDomain, _machinePages, 1L << order, buddy.AllocatedPageCount)) == true;

    /// <summary>The group over its limit counts oom, then the killer runs over its subtree with totalpages = its max (stocks are drained: usage is logical); on a kill they are drained again.</summary>
    private bool MemcgOutOfMemory(long overLimit, long pages)
    {
        CountOomEvent(overLimit, MemcgOomEvent.Oom);
        int counter = _counterOf[overLimit];
        if (OomHandler?.OutOfMemory(new OomContext(overLimit, _counters.Max(counter), pages, _counters.Usage(counter))) != true) return false;
        DrainEverything();
        return true;
    }

    /// <summary>memory.events: v2 on the group and its non-root ancestors, v1 on the group only, .local on the group; nothing for the root.</summary>
    public void CountOomEvent(long group, MemcgOomEvent kind)
    {
        for (long level = group; _parent[level] != 0; level = _parent[level])
        {
            _oomEvents[level] = _oomEvents[level].Counted(kind, local: level == group);
            SetTerm(level);
            if (_layout == CgroupLayout.V1) break;
        }
    }

    /// <summary>S18: each slot's count equals its anonymous list's length (bounded by the user pages, so a cycle cannot hang it); a free slot has none.</summary>
    private void CheckResidentCounts(SelfCheckReport report)
    {
        for (int slot = 0; slot < _taskSlotsUsed; slot++)
        {
            long length = 0;
            for (int pfn = _anonHead[slot]; pfn >= 0 && length <= _userPages; pfn = _next[pfn]) length++;
            if (length != _anonCount[slot])
                report.Fail(StructureInvariant.ResidentCounts, $"task slot {slot} counts {_anonCount[slot]} resident pages but its anonymous list holds {length}");
            if (length > 0 && !containers.TaskSlots.IsLive(slot))
                report.Fail(StructureInvariant.ResidentCounts, $"task slot {slot} holds {length} anonymous pages but no live task");
        }
    }

    /// <summary>The task slot's anonymous pages.</summary>
    public long ResidentPages(int taskSlot) => taskSlot < _taskSlotsUsed ? _anonCount[taskSlot] : 0;

    /// <summary>memory.oom.group of a live group (false for a root).</summary>
    public bool IsOomGroup(long group) => _oomGroup[group];

    /// <summary>Whether the group is the ancestor or itself of the other (O(1)): the OOM domain test.</summary>
    public bool InSubtree(long group, long ancestor) => IsBelow(group, ancestor);
}
