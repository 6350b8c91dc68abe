using Verify.Fuzz.Engine;
using Verify.Fuzz.Harness;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Memcg;

/// <summary>
/// Reach for kernel memory: over a fixed budget of generated scenarios, the model reaches every
/// kernel-memory state the properties depend on (objects and large kmallocs charged, on v1 and v2,
/// accounted blocks and vmalloc pages, charges reparented after a removal and freed, a kernel charge
/// refused by memory.max and by a v1 kmem limit, a vmalloc area refused part way, charges of one
/// obj_cgroup made on two CPUs). A failure
/// names the seed and the states never reached.
/// </summary>
public sealed class KernelMemoryReachTests(ITestOutputHelper output)
{
    private const int Scenarios = 400, OpsMax = 150;

    [Fact]
    public void GeneratedScenariosReachEveryKernelMemoryState()
    {
        ulong seed = Profile.SeedFor(nameof(GeneratedScenariosReachEveryKernelMemoryState));
        var random = new SplitMix64(seed);
        var reached = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (string state in States) reached[state] = 0;
        for (int i = 0; i < Scenarios; i++)
        {
            var generated = ScenarioGenerator.Draw(random.Next(), OpsMax);
            var scenario = generated.Scenario;
            var runner = Runner.ModelOnly();
            var cpusByObjcg = new Dictionary<long, HashSet<int>>();
            string layout = scenario.Machine.Layout == CgroupLayout.V1 ? "v1" : "v2";
            int kernelBefore = 0, dentriesBefore = 0;
            runner.AfterStep = (_, op, outcome) =>
            {
                var snapshot = runner.Model.TakeSnapshot();
                bool kernelOp = op.Spec.ChargesKernel == Verify.Model.Alphabet.KernelCharger.CurrentTask && op.Spec.Keyword != "dentry_alloc";
                if (op.Spec.Keyword == "task_fork" && outcome.IsOk && snapshot.KernelCharges.Any(c => c.Kind == KernelChargeKind.KernelStack)) Count(reached, "fork charged a kernel stack");
                if (op.Spec.Keyword == "task_fork" && outcome.Errno == Errno.ENOMEM) Count(reached, "fork refused for its kernel memory");
                if (kernelOp && outcome.IsOk && snapshot.KernelCharges.Count > kernelBefore)
                {
                    Count(reached, $"charged on {layout}");
                    long objcg = snapshot.Memory.Count == 0 ? 0 : snapshot.Tasks.First(t => t.Pid == snapshot.CurrentTask).Cgroup0;
                    if (!cpusByObjcg.TryGetValue(objcg, out var cpus)) cpusByObjcg[objcg] = cpus = [];
                    if (cpus.Add(snapshot.CurrentCpu) && cpus.Count == 2) Count(reached, "one obj_cgroup charged on two CPUs");
                }
                if (kernelOp && outcome.Errno == Errno.ENOMEM && snapshot.Memory.Any(m => m.Max != KernelConstants.LimitUnlimited && m.Current + 1 > m.Max))
                    Count(reached, "kernel charge refused at memory.max");
                if (kernelOp && outcome.Errno == Errno.ENOMEM && snapshot.Memory.Any(m => m.KmemMax != KernelConstants.LimitUnlimited && m.Kernel + 1 > m.KmemMax))
                    Count(reached, "kernel charge refused at a v1 kmem limit");
                if (snapshot.KernelCharges.Any(c => c.Kind == KernelChargeKind.Pages)) Count(reached, "large kmalloc charged");
                if (snapshot.KernelCharges.Any(c => c.Kind == KernelChargeKind.BuddyPages)) Count(reached, "accounted block charged");
                if (snapshot.KernelCharges.Any(c => c.Kind == KernelChargeKind.Vmalloc)) Count(reached, "accounted vmalloc page charged");
                if (op.Spec.Keyword == "vmalloc_account" && outcome.Errno == Errno.ENOMEM && snapshot.Memory.Any(m => m.Max != KernelConstants.LimitUnlimited && m.Current + 1 > m.Max))
                    Count(reached, "vmalloc area refused part way at memory.max");
                if (snapshot.KernelCharges.Any(c => c.Memcg != c.Objcg)) Count(reached, "charges reparented");
                if (op.Spec.Keyword is "kfree" or "cache_free" && outcome.IsOk && snapshot.KernelCharges.Count < kernelBefore && snapshot.KernelCharges.Any(c => c.Memcg != c.Objcg))
                    Count(reached, "reparented object freed");
                if (op.Spec.Keyword == "dentry_alloc" && outcome.IsOk && snapshot.KernelCharges.Any(c => c.Key == snapshot.Dentries[^1].Address)) Count(reached, "dentry charged");
                if (op.Spec.Keyword is "cgroup_set_limit" or "kmalloc" or "cache_alloc" or "task_touch_anon" or "task_touch_file" && snapshot.Dentries.Count < dentriesBefore)
                    Count(reached, "dentries shrunk by memcg reclaim");
                kernelBefore = snapshot.KernelCharges.Count;
                dentriesBefore = snapshot.Dentries.Count;
            };
            runner.Run(scenario, CheckLevel.Cheap);
        }
        output.WriteLine($"kernel memory reach: seed {seed} (VERIFY_SEED={seed}), {Scenarios} scenarios of at most {OpsMax} operations");
        foreach (var (state, count) in reached) output.WriteLine($"  {count,6}  {state}");
        var missing = reached.Where(pair => pair.Value == 0).Select(pair => pair.Key).ToList();
        Assert.True(missing.Count == 0, $"seed {seed} (VERIFY_SEED={seed}): never reached [{string.Join(", ", missing)}]");
    }

    private static readonly string[] States =
    [
        "charged on v1", "charged on v2", "one obj_cgroup charged on two CPUs", "kernel charge refused at memory.max",
        "kernel charge refused at a v1 kmem limit", "large kmalloc charged", "charges reparented", "reparented object freed",
        "accounted block charged", "accounted vmalloc page charged", "vmalloc area refused part way at memory.max",
        "fork charged a kernel stack", "fork refused for its kernel memory", "dentry charged", "dentries shrunk by memcg reclaim",
    ];

    private static void Count(SortedDictionary<string, int> reached, string state) => reached[state] = reached.GetValueOrDefault(state) + 1;
}
