using Verify.Fuzz.Engine;
using Verify.Impl;
using Verify.Model;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Structures;

/// <summary>
/// Model-based properties of the impl's forkbomb tracker (S17) and its incremental resident-page
/// counts (S18): random forks, execs, exits, touches, ticks and knob writes in a group with a tight
/// limit (so OOMs and the forkbomb killer run) on the model and the impl side by side; after every
/// step the records, the knobs, the effects and every task's resident pages must agree and the
/// impl's self-checks must be clean. Two checker tests break each structure by hand and watch its
/// self-check fail.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class ForkbombTrackerProperty(ITestOutputHelper output)
{
    /// <summary>One step: Kind 0 fork, 1 exec, 2 exit, 3 touch, 4 tick, 5 enable, 6 interval, 7 unmap; Task indexes the live tasks (mod their count).</summary>
    public readonly record struct Step(int Kind, int Task, long Value)
    {
        public override string ToString() => Kind switch
        {
            0 => $"fork task#{Task}",
            1 => $"exec task#{Task}",
            2 => $"exit task#{Task}",
            3 => $"touch task#{Task} {Value} pages",
            4 => $"tick {Value} ms",
            5 => $"forkbomb_enable {Value}",
            6 => $"forkbomb_set_interval {Value} ms",
            _ => $"unmap task#{Task} {Value} pages",
        };
    }

    private static Step Draw(SplitMix64 random)
    {
        long pick = random.Range(0, 99);
        int task = (int)random.Range(0, 63);
        return pick switch
        {
            < 40 => new Step(0, task, 0),
            < 46 => new Step(1, task, 0),
            < 58 => new Step(2, task, 0),
            < 78 => new Step(3, task, random.Range(1, 8)),
            < 86 => new Step(4, task, random.Chance(50) ? ForkbombIntervalMinMs : random.Range(0, 4 * ForkbombIntervalMinMs)),
            < 87 => new Step(5, task, random.Chance(80) ? 1 : 0), // off forgets every record: rarely
            < 90 => new Step(6, task, random.Range(ForkbombIntervalMinMs, 3 * ForkbombIntervalMinMs)),
            _ => new Step(7, task, random.Range(1, 24)),
        };
    }

    [Fact]
    public void TheImplTrackerAndResidentCountsFollowTheModel()
    {
        int bombs = 0, kills = 0;
        StructureProperty.Check(output, "forkbomb-tracker", 2000, Draw, steps =>
        {
            var machine = new MachineConfig(2048, 2);
            var (model, impl) = SideBySide.WithLimitedGroup(machine, 320);
            for (int i = 0; i < steps.Count; i++)
            {
                var step = steps[i];
                long pid = SideBySide.TaskAt(model, step.Task);
                if (SideBySide.Apply(model, impl, i, step, pid, k => Apply(k, step, pid)) is { } differs) return differs;
                bombs += model.Effects.Items.Count(e => e.Kind == EffectKind.Forkbomb);
                kills += model.Effects.Items.Count(e => e.Kind == EffectKind.OomKill);
                var (ms, os) = (model.TakeSnapshot(), impl.TakeSnapshot());
                if (!ms.MmRecords.SequenceEqual(os.MmRecords) || ms.Forkbomb != os.Forkbomb)
                    return $"records: step {i}: model {ms.Forkbomb} [{string.Join(' ', ms.MmRecords)}], impl {os.Forkbomb} [{string.Join(' ', os.MmRecords)}]";
                foreach (var task in ms.Tasks)
                {
                    long resident = ms.UserPages.Count(p => !p.File && p.OwnerPid == task.Pid);
                    long counted = impl.Memcg.ResidentPages(impl.Containers.TaskSlotOf(task.Pid));
                    if (resident != counted) return $"resident: step {i}: task {task.Pid} has {resident} anonymous pages, the impl counts {counted}";
                }
                if (StructureProperty.Violation(impl.CheckConsistency) is { } broken) return $"step {i}: {broken}";
            }
            return null;
        }, StructureScope.WholeKernel);
        // The run reached what it is for: bombs found, tasks killed.
        Profile.AssertReached(bombs > 0 && kills > 0, $"{bombs} bombs and {kills} kills in the run");
    }

    private static Outcome Apply(IKernel k, Step step, long pid) => step.Kind switch
    {
        0 => k.TaskFork(pid),
        1 => k.TaskExec(pid),
        2 => pid == InitPid ? Outcome.Ok(0) : k.TaskExit(pid),
        3 => k.TaskTouchAnon(pid, (int)step.Value),
        4 => k.Tick(step.Value),
        5 => k.ForkbombEnable(step.Value),
        6 => k.ForkbombSetInterval(step.Value),
        _ => k.TaskUnmap(pid, (int)step.Value),
    };

    [Fact]
    public void AWrongChildCountBreaksTheRecordsCheck()
    {
        var impl = new ImplKernel(new MachineConfig(512, 1));
        long parent = impl.TaskFork(InitPid).Value;
        impl.TaskFork(parent);
        Assert.Null(StructureProperty.Violation(impl.CheckConsistency));
        var children = SideBySide.PrivateArray<int>(impl.Forkbomb, "_children");
        children[0]++;
        Assert.StartsWith(StructureInvariant.MmRecords, StructureProperty.Violation(impl.CheckConsistency));
    }

    [Fact]
    public void AWrongResidentCountBreaksItsCheck()
    {
        var impl = new ImplKernel(new MachineConfig(512, 1));
        long pid = impl.TaskFork(InitPid).Value;
        Assert.True(impl.TaskTouchAnon(pid, 3).IsOk);
        Assert.Null(StructureProperty.Violation(impl.CheckConsistency));
        var counts = SideBySide.PrivateArray<long>(impl.Memcg, "_anonCount");
        counts[impl.Containers.TaskSlotOf(pid)]--;
        Assert.StartsWith(StructureInvariant.ResidentCounts, StructureProperty.Violation(impl.CheckConsistency));
    }
}
