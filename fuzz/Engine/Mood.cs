namespace Verify.Fuzz.Engine;

/// <summary>
/// What a generated scenario concentrates on, on top of its swarm subset. The numbers are the
/// mood byte of the v2 byte header and are permanent: append new moods, never renumber.
/// </summary>
public enum Mood : byte
{
    /// <summary>The alphabet's own weights.</summary>
    Balanced = 0,

    /// <summary>Producers up (all enabled), consumers down: memory fills.</summary>
    FillUp = 1,

    /// <summary>Small allocations in the first half, mostly frees in the second, half the time on a machine the first half can fill: memory fragments.</summary>
    Fragment = 2,

    /// <summary>Most alloc_pages calls ask for one order.</summary>
    FavouriteOrder = 3,

    /// <summary>
    /// One cache churned hard: either one user cache of large objects (created first with fixed
    /// arguments, 2 to 5 objects per slab of the largest order; every cache reference names it, and
    /// destroying it is among the churned operations) or the largest kmalloc class (every kmalloc
    /// the same size, 4 KiB to 8 KiB, and flags). Its operations weigh as in ChurnOneKind, and half
    /// the frees take the newest object back, so the same slot is allocated, freed and reused.
    /// </summary>
    ChurnOneCache = 4,

    /// <summary>
    /// The operations that make or name one handle kind (pages, caches, slab objects, kmalloc
    /// objects, vmalloc areas, dentries) are all enabled at 8 times their weight, the rest at a
    /// quarter.
    /// </summary>
    ChurnOneKind = 5,

    /// <summary>A machine of at most SmallMachinePagesMax pages: memory is always nearly full. The byte header caps the page scale for it.</summary>
    SmallMachine = 6,

    /// <summary>1 to FewCpusMax CPUs (slab orders and min_partial depend on the CPU count). The byte header reads cpus modulo 4 for it.</summary>
    FewCpus = 7,

    /// <summary>
    /// Bursts of make, free, make again with the same arguments (the freed slot is reused), stale
    /// reference, another use of the new handle, free it, stale reference again, on one kind with a
    /// stale operation (page runs, slab objects, kmalloc objects, vmalloc areas).
    /// </summary>
    StaleAfterReuse = 8,

    /// <summary>
    /// Process containers deep and wide: first a chain of 6 to 10 nested groups in one hierarchy
    /// (on v1 with notify_on_release) with a few tasks spread down it, then tasks and cgroups churned (attach to any group, so
    /// migrations between distant groups, removals of emptied groups) with cgroup operations weighed 4 times.
    /// </summary>
    DeepHierarchy = 9,

    /// <summary>
    /// A fork bomb on 1024 to 8192 pages (forks take kernel memory; the pids limit must be what stops
    /// it): first a group of the pids hierarchy with a tight pids.max (0 to 60) and a task
    /// moved into it, then mostly forks of the newest task (inside the group, until the limit
    /// refuses them), with exits, exec, attach and pids.max writes around it.
    /// </summary>
    ForkBomb = 10,

    /// <summary>
    /// Memory pressure in a group: first a group of the memory hierarchy with a small memory.max (1 to
    /// 64 pages; on v1 a tcp limit too) and a task in it, or a shared limit over two children, then
    /// mostly touches, sockets and limit writes near usage (0 to 64 pages, memory, high or tcp), so
    /// charges fail, reclaim runs, v1 limits are EBUSY and tcp pressure comes and goes.
    /// </summary>
    MemoryPressure = 11,

    /// <summary>
    /// Kernel memory in groups: first a memory group with a child (memory.max of 1 to 24 pages on the
    /// parent 3 times in 5; on v1 a kmem limit of 1 to 6 pages there too, 3 times in 5), a task moved into the
    /// child and made current on a random CPU, and an accounted cache; then mostly accounted
    /// allocations and frees (kmalloc with __GFP_ACCOUNT, the cache, accounting switches, accounted
    /// blocks and vmalloc areas), CPU switches (stocks on several CPUs for one group), limit writes
    /// near usage, and now and then the child removed under live objects (reparenting) and a new
    /// child made current.
    /// </summary>
    KernelMemory = 12,

    /// <summary>
    /// The OOM killer at work, on 256 to 4096 pages: first a memory group with a tight memory.max (8
    /// to 96 pages, or half the time up to 384: room for fork trees) and a child (on v2 memory.oom.group on both, or one, 3 times in 5), 3 to 6 tasks
    /// forked by init, most in the child, with varied oom_score_adj; then mostly touches by any of
    /// them, forks of the newest task (fork trees for the forkbomb killer), now and then a tick (a
    /// whole default interval half the time), memory.max writes near usage (mostly on the parent), adj and oom.group writes, execs and
    /// reset intervals.
    /// </summary>
    OutOfMemory = 13,
}

public static class Moods
{
    /// <summary>How many moods there are (all values 0..Count-1 are moods).</summary>
    public static readonly int Count = Enum.GetValues<Mood>().Length;

    /// <summary>SmallMachine machines have at most 2^SmallMachineScaleBits pages.</summary>
    public const int SmallMachineScaleBits = 7;

    public const int SmallMachinePagesMax = 1 << SmallMachineScaleBits;

    /// <summary>FewCpus machines have 1..FewCpusMax CPUs.</summary>
    public const int FewCpusMax = 4;

    /// <summary>The name of a mood byte: a mood's name, or "mood-N" for a byte no mood has (yet).</summary>
    public static string Name(byte mood) => mood < Count ? ((Mood)mood).ToString() : $"mood-{mood}";
}
