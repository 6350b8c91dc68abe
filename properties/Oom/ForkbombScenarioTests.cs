using Verify.Properties.Support;
using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Oom;

/// <summary>
/// The forkbomb killer of the 2011 RFC on model and impl: a tree of 50 processes forked in a
/// group with a memory limit (every fork charges a task_struct and a kernel stack there) runs the
/// group into an OOM; the tracker names the tree's root record the bomb and kills everything under
/// it, nothing else; with tracking off the normal killer takes one task; aging forgets an idle tree
/// and keeps a growing one.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class ForkbombScenarioTests
{

    private static IKernel Kernel(string side)
    {
        var machine = new MachineConfig(4096, 2);
        return SideBySide.Kernel(side, machine);
    }

    private static HashSet<long> Live(IKernel k) => k.TakeSnapshot().Tasks.Select(t => t.Pid).ToHashSet();

    /// <summary>A group with memory.max pages and two tasks forked by init into it: the bomb's root and a bystander with some anonymous pages.</summary>
    private static (long Group, long Root, long Bystander) Setup(IKernel k, long maxPages)
    {
        long group = k.CgroupCreate(1).Value;
        Assert.True(k.CgroupSetLimit(group, MemcgCounter.Memory, maxPages).IsOk);
        long root = k.TaskFork(InitPid).Value, bystander = k.TaskFork(InitPid).Value;
        Assert.True(k.TaskAttach(root, group).IsOk);
        Assert.True(k.TaskAttach(bystander, group).IsOk);
        Assert.True(k.TaskTouchAnon(bystander, 8).IsOk);
        return (group, root, bystander);
    }

    /// <summary>
    /// The root forks 7 children and each of them 6 (50 tasks with the root), breadth first, each
    /// fork's effects collected; a fork fails only with ENOMEM, when the OOM it ran into killed the
    /// forking task itself (a bomb's member), and a dead task forks no more. The tasks made.
    /// </summary>
    private static List<long> ForkTree(IKernel k, long root, List<Effect> effects)
    {
        var tree = new List<long> { root };
        var firstLevel = new List<long>();
        for (int i = 0; i < 7; i++) Fork(k, root, effects, firstLevel);
        tree.AddRange(firstLevel);
        foreach (long parent in firstLevel)
            for (int i = 0; i < 6; i++)
                if (Live(k).Contains(parent)) Fork(k, parent, effects, tree);
        return tree;
    }

    private static void Fork(IKernel k, long parent, List<Effect> effects, List<long> made)
    {
        k.Effects.Clear();
        var outcome = k.TaskFork(parent);
        effects.AddRange(k.Effects.Items);
        if (outcome.IsOk) made.Add(outcome.Value);
        else Assert.True(outcome.Errno == Errno.ENOMEM && !Live(k).Contains(parent), $"fork by {parent}: {outcome}");
    }

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void TheBombIsKilledWholeAndNothingElse(string side)
    {
        var k = Kernel(side);
        // 8 pages of the bystander, then 6 pages per fork (a 5896-byte task_struct and a 4-page stack): the 40th fork does not fit.
        var (_, root, bystander) = Setup(k, 8 + 6 * 39);
        var effects = new List<Effect>();
        var tree = ForkTree(k, root, effects);
        var bomb = Assert.Single(effects, e => e.Kind == EffectKind.Forkbomb);
        Assert.True(bomb.Detail >= ForkbombFamilyMin);
        var killed = effects.Where(e => e.Kind == EffectKind.OomKill).Select(e => e.Value).ToList();
        Assert.NotEmpty(killed);
        Assert.All(killed, pid => Assert.Contains(pid, tree));
        var live = Live(k);
        Assert.Contains(root, live); // the bomb's own task is spared
        Assert.Contains(bystander, live); // outside the bomb's tree
        Assert.All(killed, pid => Assert.DoesNotContain(pid, live));
        Assert.Equal(bomb.Detail - 1, killed.Count); // every other task of the family died
    }

    /// <summary>
    /// As above without the bystander, so that the bomb is the first record made and its first
    /// child the second: the kills walk the family from the oldest record, and that child dies too.
    /// </summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void TheBombsFirstChildDiesWhenItIsTheSecondRecordMade(string side)
    {
        var k = Kernel(side);
        long group = k.CgroupCreate(1).Value;
        Assert.True(k.CgroupSetLimit(group, MemcgCounter.Memory, 6 * 39).IsOk);
        long root = k.TaskFork(InitPid).Value;
        Assert.True(k.TaskAttach(root, group).IsOk);
        var effects = new List<Effect>();
        var tree = ForkTree(k, root, effects);
        var bomb = Assert.Single(effects, e => e.Kind == EffectKind.Forkbomb);
        var killed = effects.Where(e => e.Kind == EffectKind.OomKill).Select(e => e.Value).ToList();
        Assert.Contains(tree[1], killed); // the root's first child
        Assert.Equal(bomb.Detail - 1, killed.Count);
    }

    /// <summary>The DoS protection the 2007 kmem container was for: a bomb confined to a limited group never makes a charge fail in a sibling group that has room.</summary>
    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void ABombConfinedToItsGroupNeverFailsASiblingsCharge(string side)
    {
        var k = Kernel(side);
        var (_, root, _) = Setup(k, 8 + 6 * 39);
        long sibling = k.CgroupCreate(1).Value;
        long neighbour = k.TaskFork(InitPid).Value;
        Assert.True(k.TaskAttach(neighbour, sibling).IsOk);
        // The neighbour holds more memory than any task of the bomb before the bomb goes off, and touches more after it: every charge fits, and it is never the victim.
        for (int i = 0; i < 10; i++) Assert.True(k.TaskTouchAnon(neighbour, 16).IsOk, $"touch {i} of the sibling's task failed");
        var effects = new List<Effect>();
        var tree = ForkTree(k, root, effects);
        foreach (long parent in tree.Where(Live(k).Contains).Take(5)) Fork(k, parent, effects, []);
        for (int i = 0; i < 10; i++) Assert.True(k.TaskTouchAnon(neighbour, 16).IsOk, $"touch {10 + i} of the sibling's task failed");
        Assert.Contains(effects, e => e.Kind == EffectKind.Forkbomb);
        Assert.DoesNotContain(effects, e => e.Kind == EffectKind.OomKill && e.Value == neighbour);
        Assert.Contains(neighbour, Live(k));
    }

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void WithTrackingOffTheNormalKillerTakesOneTaskAtATime(string side)
    {
        var k = Kernel(side);
        Assert.True(k.ForkbombEnable(0).IsOk);
        var (_, root, bystander) = Setup(k, 8 + 6 * 39);
        var effects = new List<Effect>();
        ForkTree(k, root, effects);
        Assert.DoesNotContain(effects, e => e.Kind == EffectKind.Forkbomb);
        Assert.Empty(k.TakeSnapshot().MmRecords);
        // The normal killer's first victim is the task with the most resident pages: the bystander.
        Assert.Equal(bystander, effects.First(e => e.Kind == EffectKind.OomKill).Value);
        // Each OOM kills one task: as many kills as OOMs.
        Assert.Equal(effects.Count(e => e.Kind == EffectKind.Oom), effects.Count(e => e.Kind == EffectKind.OomKill));
    }

    [Theory, MemberData(nameof(SideBySide.Sides), MemberType = typeof(SideBySide))]
    public void AgingForgetsAnIdleTreeAndKeepsAGrowingOne(string side)
    {
        // Idle: the tree is built, then two whole intervals pass with no new task: its records are forgotten.
        var idle = Kernel(side);
        var (_, idleRoot, _) = Setup(idle, LimitMaxWord);
        ForkTree(idle, idleRoot, []);
        Assert.Contains(idle.TakeSnapshot().MmRecords, r => r.ParentId != 0);
        Assert.True(idle.Tick(ForkbombIntervalDefaultMs).IsOk); // the first check sees the tree's growth: nothing is forgotten
        Assert.Contains(idle.TakeSnapshot().MmRecords, r => r.ParentId != 0);
        Assert.True(idle.Tick(ForkbombIntervalDefaultMs).IsOk); // no growth since: every record is at least an interval old
        Assert.All(idle.TakeSnapshot().MmRecords, r => Assert.Equal(0, r.ParentId));

        // Growing: a new task before each check keeps the tree.
        var growing = Kernel(side);
        var (_, growingRoot, _) = Setup(growing, LimitMaxWord);
        ForkTree(growing, growingRoot, []);
        for (int check = 0; check < 3; check++)
        {
            Assert.True(growing.TaskFork(growingRoot).IsOk);
            Assert.True(growing.Tick(ForkbombIntervalDefaultMs).IsOk);
        }
        var records = growing.TakeSnapshot().MmRecords;
        Assert.Equal(50 + 3, records.Count(r => r.ParentId != 0) + 1); // every task but the root still hangs under the tree
    }
}
