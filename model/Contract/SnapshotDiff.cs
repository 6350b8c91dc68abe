namespace Verify.Model.Contract;

/// <summary>A readable difference between the model's and the impl's snapshots; empty when equal.</summary>
public static class SnapshotDiff
{
    /// <summary>At most this many differing elements are listed per section, so reports stay readable.</summary>
    public const int ListedPerSectionMax = 12;

    public static IReadOnlyList<string> Compare(Snapshot model, Snapshot impl)
    {
        var lines = new List<string>();
        if (model.Machine != impl.Machine)
            lines.Add($"machine: model {model.Machine} impl {impl.Machine}");
        if (!model.BuddyInfo.SequenceEqual(impl.BuddyInfo))
            lines.Add($"buddyinfo: model [{string.Join(' ', model.BuddyInfo)}] impl [{string.Join(' ', impl.BuddyInfo)}]");
        CompareSorted("free block", model.FreeBlocks, impl.FreeBlocks, lines);
        CompareSorted("allocation", model.Allocations, impl.Allocations, lines);
        CompareSorted("slab cache", model.SlabCaches, impl.SlabCaches, lines);
        CompareSorted("slab", model.Slabs, impl.Slabs, lines);
        CompareSorted("slab object", model.SlabObjects, impl.SlabObjects, lines);
        CompareSorted("large kmalloc", model.LargeKmallocs, impl.LargeKmallocs, lines);
        CompareSorted("vmalloc area", model.VmallocAreas, impl.VmallocAreas, lines);
        CompareSorted("pool", model.Pools, impl.Pools, lines);
        CompareSorted("pool area", model.PoolAreas, impl.PoolAreas, lines);
        CompareSorted("pool object", model.PoolObjects, impl.PoolObjects, lines);
        CompareSorted("dentry", model.Dentries, impl.Dentries, lines);
        if (model.ReclaimableBytes != impl.ReclaimableBytes)
            lines.Add($"reclaimable bytes: model {model.ReclaimableBytes} impl {impl.ReclaimableBytes}");
        CompareSorted("cgroup", model.Cgroups, impl.Cgroups, lines);
        CompareSorted("task", model.Tasks, impl.Tasks, lines);
        CompareSorted("memcg", model.Memory, impl.Memory, lines);
        CompareSorted("user page", model.UserPages, impl.UserPages, lines);
        CompareSorted("page table", model.PageTables, impl.PageTables, lines);
        CompareSorted("dying memcg", model.DyingMemcgs, impl.DyingMemcgs, lines);
        CompareSorted("socket", model.Sockets, impl.Sockets, lines);
        CompareSorted("kernel charge", model.KernelCharges, impl.KernelCharges, lines);
        CompareSorted("mm_record", model.MmRecords, impl.MmRecords, lines);
        if (model.Forkbomb != impl.Forkbomb) lines.Add($"forkbomb tracker: model {model.Forkbomb} impl {impl.Forkbomb}");
        if (model.CurrentTask != impl.CurrentTask || model.CurrentCpu != impl.CurrentCpu)
            lines.Add($"current: model task {model.CurrentTask} cpu {model.CurrentCpu}, impl task {impl.CurrentTask} cpu {impl.CurrentCpu}");
        return lines;
    }

    private static void CompareSorted<T>(string what, IReadOnlyList<T> model, IReadOnlyList<T> impl, List<string> lines)
    {
        if (model.Count == impl.Count && model.SequenceEqual(impl)) return;
        var onlyModel = model.Except(impl).ToList();
        var onlyImpl = impl.Except(model).ToList();
        if (onlyModel.Count == 0 && onlyImpl.Count == 0)
        {
            if (!model.SequenceEqual(impl)) lines.Add($"{what}s: same elements in a different order");
            return;
        }
        if (onlyModel.Count > 0)
            lines.Add($"{what}s only in model ({onlyModel.Count}): {string.Join(' ', onlyModel.Take(ListedPerSectionMax))}");
        if (onlyImpl.Count > 0)
            lines.Add($"{what}s only in impl ({onlyImpl.Count}): {string.Join(' ', onlyImpl.Take(ListedPerSectionMax))}");
    }
}
