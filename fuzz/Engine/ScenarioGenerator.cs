using Verify.Model.Alphabet;
using Verify.Model.Contract;

namespace Verify.Fuzz.Engine;

/// <summary>
/// Random scenarios from the alphabet, shaped to reach deep states. Each scenario draws a mood
/// (Mood), a focus (half the scenarios keep to the buddy allocator), a swarm subset of the
/// alphabet with random weights (SwarmPlan), and a machine biased towards sizes where memory can
/// be filled and every order occurs (or a small one, or few CPUs, as the mood says). The churn and
/// stale-after-reuse moods also start by making the handles their kind needs, and the latter
/// writes reuse bursts (SequenceWriter). The scenario depends only on the seed and the length bound.
/// </summary>
public static class ScenarioGenerator
{
    /// <summary>
    /// Which layer a scenario exercises: the buddy allocator alone, mostly the slab layer on top of
    /// it, both memory layers evenly, mostly process containers (tasks and cgroups) with a little
    /// memory traffic, or kernel memory in groups (slab and container operations evenly).
    /// </summary>
    public enum Focus { Buddy, SlabHeavy, Mixed, Tasks, Kernel }

    /// <summary>FsCheck's largest size, at which a sized generator may use all of its opsMax.</summary>
    public const int SizeMax = 100;

    /// <summary>The length bound for FsCheck size size (1..SizeMax): in proportion to it, at least 1 and at most opsMax.</summary>
    public static int OpsMaxForSize(int size, int opsMax) => Math.Clamp(size * opsMax / SizeMax, 1, opsMax);

    /// <summary>
    /// A generated scenario with the choices that shaped it: the swarm (enabled operations, mood),
    /// the focus, whether the subset is the whole alphabet the focus allows, and the mood's handle kind.
    /// </summary>
    public sealed record Generated(Scenario Scenario, Swarm Swarm, Focus Focus, bool WholeAlphabet, HandleKind? Kind)
    {
        public Mood Mood => Swarm.Mood;
    }

    public static Scenario Generate(ulong seed, int opsMax) => Draw(seed, opsMax).Scenario;

    public static Generated Draw(ulong seed, int opsMax)
    {
        var random = new SplitMix64(seed);
        var mood = DrawMood(ref random);
        int count = (int)random.Range(0, Math.Min(opsMax, Scenario.OpsMax));
        var machine = Machine(ref random, mood, count);
        var kind = KindFor(ref random, mood);
        var focus = kind switch
        {
            HandleKind.PageRun => Focus.Buddy,
            HandleKind.Task or HandleKind.Cgroup => Focus.Tasks,
            not null => Focus.Mixed,
            _ when mood is Mood.DeepHierarchy or Mood.ForkBomb or Mood.MemoryPressure or Mood.OutOfMemory => Focus.Tasks,
            _ when mood is Mood.KernelMemory => Focus.Kernel,
            // Two in five scenarios keep to the buddy allocator, so its deep states stay as reachable as before the other layers.
            _ => random.Range(0, 4) switch { <= 1 => Focus.Buddy, 2 => Focus.SlabHeavy, 3 => Focus.Mixed, _ => Focus.Tasks },
        };
        var plan = SwarmPlan.Draw(ref random, mood, focus, kind);
        var ops = new SequenceWriter(random, plan, mood, kind, count, machine).Write();
        var scenario = new Scenario(machine, ops);
        return new Generated(scenario, new Swarm(plan.Enabled | Swarm.Used(scenario), mood), focus, plan.WholeAlphabet, kind);
    }

    /// <summary>The moods of the generator before swarm testing twice as likely as each later one, Fragment three times (they reach full and fragmented memory).</summary>
    private static Mood DrawMood(ref SplitMix64 random)
    {
        static int Weight(int mood) => mood switch { (int)Mood.Fragment => 3, <= (int)Mood.FavouriteOrder => 2, _ => 1 };
        long pick = random.Range(0, Enumerable.Range(0, Moods.Count).Sum(Weight) - 1);
        for (int mood = 0; ; mood++)
        {
            pick -= Weight(mood);
            if (pick < 0) return (Mood)mood;
        }
    }

    /// <summary>
    /// The machine: small for SmallMachine; for Fragment, half the time one that the first half's
    /// small allocations can fill (64 pages up to one per operation), so that the frees leave holes
    /// in a mostly full memory; 64 to 4096 pages for KernelMemory (room for its groups' limits);
    /// 1024 to 8192 for ForkBomb (a fork takes a task_struct and a 4-page stack: the pids limit, not
    /// memory, must stop the bomb); 256 to 4096 for OutOfMemory (its group's limit, not the machine, binds);
    /// otherwise any size (Pages); 1 to 4 CPUs for FewCpus.
    /// </summary>
    private static MachineConfig Machine(ref SplitMix64 random, Mood mood, int count)
    {
        int pages = mood switch
        {
            Mood.SmallMachine => (int)random.Range(1, 1L << (int)random.Range(0, Moods.SmallMachineScaleBits)),
            Mood.Fragment when random.Chance(50) => (int)random.Range(64, Math.Max(64, count)),
            Mood.KernelMemory => (int)random.Range(64, 4096),
            Mood.ForkBomb => (int)random.Range(1024, 8192),
            Mood.OutOfMemory => (int)random.Range(256, 4096),
            _ => Pages(ref random),
        };
        int cpus = (int)random.Range(KernelConstants.CpusMin, mood == Mood.FewCpus ? Moods.FewCpusMax : KernelConstants.CpusMax);
        return new MachineConfig(pages, cpus, random.Chance(50) ? CgroupLayout.V1 : CgroupLayout.V2);
    }

    /// <summary>A machine size: tiny, a power of two, a multiple of the largest block, or any size.</summary>
    private static int Pages(ref SplitMix64 random)
    {
        int kind = (int)random.Range(0, 9);
        return kind switch
        {
            <= 2 => (int)random.Range(1, 64),
            <= 4 => 1 << (int)random.Range(0, 12),
            <= 6 => 1024 * (int)random.Range(1, 4) + (random.Chance(50) ? 0 : (int)random.Range(1, 1023)),
            7 => (int)random.Range(1, 4096),
            _ => (int)random.Range(1, KernelConstants.MachinePagesMax >> (int)random.Range(0, 8)),
        };
    }

    /// <summary>
    /// The handle kind a mood concentrates on: one cache churns slab objects of one user cache or
    /// one kmalloc class; churn takes any kind; stale after reuse any kind with a stale reference
    /// and a freeing operation.
    /// </summary>
    private static HandleKind? KindFor(ref SplitMix64 random, Mood mood)
    {
        HandleKind[] candidates = mood switch
        {
            Mood.ChurnOneCache => [HandleKind.SlabObject, HandleKind.KmallocObject],
            Mood.ChurnOneKind => Enum.GetValues<HandleKind>(),
            Mood.StaleAfterReuse => Enum.GetValues<HandleKind>()
                .Where(k => Alphabet.Specs.Any(s => OpRoles.HasStaleRef(s, k)) && Alphabet.Specs.Any(s => OpRoles.Consumes(s) == k)).ToArray(),
            _ => [],
        };
        return candidates.Length == 0 ? null : candidates[random.Range(0, candidates.Length - 1)];
    }
}
