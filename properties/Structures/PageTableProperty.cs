using Verify.Fuzz.Engine;
using Verify.Impl;
using Verify.Model;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Structures;

/// <summary>
/// A model-based property of the impl's page-table stacks (S19) and the badness they feed: random
/// forks, exits, large touches (up to 64 pages, so tasks cross 512 and 1024 pages) and unmaps in a
/// group whose limit lets OOMs happen, on the model and the impl side by side. After every step the
/// outcomes, effects and page tables (pfn and owner) must agree, each task's badness pages must be
/// its anonymous pages plus ceil(them / 512), and the impl's self-checks must be clean. A checker
/// test breaks a count by hand and watches S19 fail.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class PageTableProperty(ITestOutputHelper output)
{
    /// <summary>One step: Kind 0 fork, 1 exit, 2 touch, 3 unmap; Task indexes the live tasks (mod their count).</summary>
    public readonly record struct Step(int Kind, int Task, int Pages)
    {
        public override string ToString() => Kind switch
        {
            0 => $"fork task#{Task}",
            1 => $"exit task#{Task}",
            2 => $"touch task#{Task} {Pages} pages",
            _ => $"unmap task#{Task} {Pages} pages",
        };
    }

    private static Step Draw(SplitMix64 random)
    {
        long pick = random.Range(0, 99);
        int task = (int)random.Range(0, 7);
        return pick switch
        {
            < 8 => new Step(0, task, 0),
            < 12 => new Step(1, task, 0),
            < 80 => new Step(2, task, (int)random.Range(1, 64)),
            _ => new Step(3, task, (int)(random.Chance(50) ? random.Range(1, 4) : random.Range(1, 200))),
        };
    }

    [Fact]
    public void TheImplPageTablesFollowTheModel()
    {
        long mostTables = 0;
        StructureProperty.Check(output, "page-tables", 600, Draw, steps =>
        {
            var machine = new MachineConfig(4096, 2);
            var (model, impl) = SideBySide.WithLimitedGroup(machine, 3000);
            for (int i = 0; i < steps.Count; i++)
            {
                var step = steps[i];
                long pid = SideBySide.TaskAt(model, step.Task);
                if (SideBySide.Apply(model, impl, i, step, pid, k => Apply(k, step, pid)) is { } differs) return differs;
                var (ms, os) = (model.TakeSnapshot(), impl.TakeSnapshot());
                if (!ms.PageTables.SequenceEqual(os.PageTables))
                    return $"page tables: step {i} ({step}): model [{string.Join(' ', ms.PageTables)}], impl [{string.Join(' ', os.PageTables)}]";
                foreach (var task in ms.Tasks)
                {
                    long anon = ms.UserPages.Count(p => !p.File && p.OwnerPid == task.Pid);
                    long counted = impl.Memcg.BadnessPages(impl.Containers.TaskSlotOf(task.Pid));
                    if (counted != anon + PageTablesFor(anon)) return $"badness: step {i}: task {task.Pid} has {anon} anonymous pages, the impl counts {counted} with its tables";
                    mostTables = Math.Max(mostTables, PageTablesFor(anon));
                }
                if (StructureProperty.Violation(impl.CheckConsistency) is { } broken) return $"step {i}: {broken}";
            }
            return null;
        }, StructureScope.WholeKernel);
        // The run reached what it is for: tasks with three tables or more.
        Profile.AssertReached(mostTables >= 3, $"at most {mostTables} page tables per task in the run");
    }

    private static Outcome Apply(IKernel k, Step step, long pid) => step.Kind switch
    {
        0 => k.TaskFork(pid),
        1 => pid == InitPid ? Outcome.Ok(0) : k.TaskExit(pid),
        2 => k.TaskTouchAnon(pid, step.Pages),
        _ => k.TaskUnmap(pid, step.Pages),
    };

    [Fact]
    public void AWrongTableCountBreaksItsCheck()
    {
        var impl = new ImplKernel(new MachineConfig(512, 1));
        long pid = impl.TaskFork(InitPid).Value;
        Assert.True(impl.TaskTouchAnon(pid, 3).IsOk);
        Assert.Null(StructureProperty.Violation(impl.CheckConsistency));
        var counts = SideBySide.PrivateArray<long>(impl.Memcg, "_tableCount");
        counts[impl.Containers.TaskSlotOf(pid)]++;
        Assert.StartsWith(StructureInvariant.PageTables, StructureProperty.Violation(impl.CheckConsistency));
    }
}
