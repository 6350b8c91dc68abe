namespace Verify.Model.Contract;

/// <summary>
/// How the machine mounts the memory and pids controllers (KERNEL-FACTS.md, "Generic process
/// containers"). The numbers are the hierarchy indexes used everywhere (snapshots, TaskInfo).
/// </summary>
public enum CgroupLayout : byte
{
    /// <summary>One unified hierarchy (index 0) carrying both the memory and the pids controller. The default.</summary>
    V2 = 0,

    /// <summary>Two hierarchies, each with its own tree: index 0 carries memory, index 1 carries pids.</summary>
    V1 = 1,
}

public static class CgroupLayouts
{
    /// <summary>The number of hierarchies of a layout.</summary>
    public static int HierarchyCount(this CgroupLayout layout) => layout == CgroupLayout.V1 ? 2 : 1;

    /// <summary>The hierarchy that carries the pids controller.</summary>
    public static int PidsHierarchy(this CgroupLayout layout) => layout == CgroupLayout.V1 ? 1 : 0;

    /// <summary>The hierarchy that carries the memory controller.</summary>
    public static int MemoryHierarchy(this CgroupLayout layout) => 0;

    /// <summary>The trace-format word: "v1" or "v2".</summary>
    public static string Word(this CgroupLayout layout) => layout == CgroupLayout.V1 ? "v1" : "v2";
}
