using System.Reflection;
using Verify.Model.Contract;
using Verify.Properties.Support;

namespace Verify.Properties;

/// <summary>
/// SnapshotDiff is both the failure report's text and, in many tests, the equality check of two
/// snapshots (Assert.Empty of its lines). So every section must be compared and named: for each
/// list of the snapshot, an element on one side only gives exactly one line naming the section,
/// the side and the count; the scalar fields likewise; order alone and the listing limit have
/// their own lines. The section names are the report's wording, written here by hand.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class SnapshotDiffTests
{
    /// <summary>Each list property of Snapshot with the name its lines use (one entry per list: a new list must be added here).</summary>
    public static TheoryData<string, string> Sections() => new()
    {
        { nameof(Snapshot.FreeBlocks), "free block" },
        { nameof(Snapshot.Allocations), "allocation" },
        { nameof(Snapshot.SlabCaches), "slab cache" },
        { nameof(Snapshot.Slabs), "slab" },
        { nameof(Snapshot.SlabObjects), "slab object" },
        { nameof(Snapshot.LargeKmallocs), "large kmalloc" },
        { nameof(Snapshot.VmallocAreas), "vmalloc area" },
        { nameof(Snapshot.Pools), "pool" },
        { nameof(Snapshot.PoolAreas), "pool area" },
        { nameof(Snapshot.PoolObjects), "pool object" },
        { nameof(Snapshot.Dentries), "dentry" },
        { nameof(Snapshot.Cgroups), "cgroup" },
        { nameof(Snapshot.Tasks), "task" },
        { nameof(Snapshot.Memory), "memcg" },
        { nameof(Snapshot.UserPages), "user page" },
        { nameof(Snapshot.PageTables), "page table" },
        { nameof(Snapshot.DyingMemcgs), "dying memcg" },
        { nameof(Snapshot.Sockets), "socket" },
        { nameof(Snapshot.KernelCharges), "kernel charge" },
        { nameof(Snapshot.MmRecords), "mm_record" },
    };

    private static Snapshot Empty() => new()
    {
        Machine = new MachineConfig(64, 1),
        BuddyInfo = [0, 1],
        FreeBlocks = [],
        Allocations = [],
    };

    /// <summary>A copy of Empty() with one list holding the default element of its type (every element type is a record struct).</summary>
    private static (Snapshot Snapshot, object Element) WithOneElement(string property)
    {
        var snapshot = Empty();
        var info = typeof(Snapshot).GetProperty(property)!;
        var elementType = info.PropertyType.GetGenericArguments()[0];
        object element = Activator.CreateInstance(elementType)!;
        var list = Array.CreateInstance(elementType, 1);
        list.SetValue(element, 0);
        info.SetValue(snapshot, list);
        return (snapshot, element);
    }

    [Theory, MemberData(nameof(Sections))]
    public void AnElementOnOneSideIsNamedWithItsSectionAndSide(string property, string section)
    {
        var (withElement, element) = WithOneElement(property);
        Assert.Equal([$"{section}s only in impl (1): {element}"], SnapshotDiff.Compare(Empty(), withElement));
        Assert.Equal([$"{section}s only in model (1): {element}"], SnapshotDiff.Compare(withElement, Empty()));
        Assert.Empty(SnapshotDiff.Compare(withElement, WithOneElement(property).Snapshot));
    }

    [Fact]
    public void EveryListOfTheSnapshotIsASection()
    {
        var named = Sections().Select(row => (string)row[0]).ToHashSet();
        var lists = typeof(Snapshot).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
            .Select(p => p.Name)
            .Where(name => name != nameof(Snapshot.Watermarks)); // peaks and failcnt: the runner compares them itself (MemcgInvariants.CompareWatermarks), not through the diff
        Assert.Equal([], lists.Where(name => !named.Contains(name)).ToArray());
    }

    [Fact]
    public void TheSameElementsInAnotherOrderSaySo()
    {
        var (a, b) = (new FreeBlock(1, 0), new FreeBlock(2, 1));
        var model = Empty();
        var impl = Empty();
        typeof(Snapshot).GetProperty(nameof(Snapshot.FreeBlocks))!.SetValue(model, new[] { a, b });
        typeof(Snapshot).GetProperty(nameof(Snapshot.FreeBlocks))!.SetValue(impl, new[] { b, a });
        Assert.Equal(["free blocks: same elements in a different order"], SnapshotDiff.Compare(model, impl));
    }

    [Fact]
    public void ALongSectionListsTwelveButCountsAll()
    {
        var blocks = Enumerable.Range(0, 13).Select(pfn => new FreeBlock(pfn, 0)).ToArray();
        var impl = Empty();
        typeof(Snapshot).GetProperty(nameof(Snapshot.FreeBlocks))!.SetValue(impl, blocks);
        string listed = string.Join(' ', Enumerable.Range(0, 12).Select(pfn => $"[pfn {pfn} order 0]"));
        Assert.Equal([$"free blocks only in impl (13): {listed}"], SnapshotDiff.Compare(Empty(), impl));
    }

    [Fact]
    public void TheScalarFieldsAreComparedAndPrinted()
    {
        var model = Empty();
        var impl = Empty();
        typeof(Snapshot).GetProperty(nameof(Snapshot.Machine))!.SetValue(impl, new MachineConfig(128, 2));
        typeof(Snapshot).GetProperty(nameof(Snapshot.BuddyInfo))!.SetValue(impl, new long[] { 2, 0 });
        typeof(Snapshot).GetProperty(nameof(Snapshot.ReclaimableBytes))!.SetValue(impl, 4096L);
        typeof(Snapshot).GetProperty(nameof(Snapshot.Forkbomb))!.SetValue(impl, new ForkbombInfo { Enabled = true });
        typeof(Snapshot).GetProperty(nameof(Snapshot.CurrentTask))!.SetValue(impl, 7L);
        Assert.Equal(
        [
            $"machine: model {model.Machine} impl {impl.Machine}",
            "buddyinfo: model [0 1] impl [2 0]",
            "reclaimable bytes: model 0 impl 4096",
            $"forkbomb tracker: model {model.Forkbomb} impl {impl.Forkbomb}",
            "current: model task 0 cpu 0, impl task 7 cpu 0",
        ], SnapshotDiff.Compare(model, impl));
        var cpuOnly = Empty();
        typeof(Snapshot).GetProperty(nameof(Snapshot.CurrentCpu))!.SetValue(cpuOnly, 1);
        Assert.Equal(["current: model task 0 cpu 0, impl task 0 cpu 1"], SnapshotDiff.Compare(Empty(), cpuOnly));
    }
}
