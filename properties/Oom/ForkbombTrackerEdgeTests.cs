using Verify.Impl;
using Verify.Model;
using Verify.Model.Contract;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Oom;

/// <summary>
/// The forkbomb tracker's edges on the model and the impl side by side (every step's outcome,
/// effects, records and knobs must agree and the impl's self-check must stay clean), with the
/// expected records and bombs spelled out from the RFC's rules (KERNEL-FACTS.md, "Forkbomb
/// killer"; model/Oom/ForkbombTracker.cs): the reset interval takes both ends of its range; an
/// aging check forgets exactly the records born at or before the previous check (one born at that
/// very instant included), cuts loose a later child of a forgotten record and keeps a later
/// grandchild under its later parent; the bomb is the highest score, badness counted, a child that
/// does not count adding no 1, a tie going to the later record, and it need not be the oldest
/// record; tracking off forgets every record, and a task slot far beyond every tracked one still
/// gets its record.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class ForkbombTrackerEdgeTests
{
    /// <summary>A model and an impl driven by the same steps, compared after each.</summary>
    private sealed class Pair
    {
        private static readonly MachineConfig Machine = new(4096, 2);
        private readonly ModelKernel _model = new(Machine);
        private readonly ImplKernel _impl = new(Machine);
        private int _steps;

        /// <summary>The model's effects of the last step (the impl's are the same).</summary>
        public List<Effect> Effects { get; private set; } = [];

        public IReadOnlyList<MmRecordInfo> Records => _model.TakeSnapshot().MmRecords;

        public ModelKernel Model => _model;

        /// <summary>The step on both sides: outcomes, effects, records, knobs and the impl's self-check must agree; the model's outcome.</summary>
        public Outcome Do(string what, Func<IKernel, Outcome> step)
        {
            int i = _steps++;
            _model.Effects.Clear();
            _impl.Effects.Clear();
            var (m, o) = (step(_model), step(_impl));
            Assert.True(m == o, $"step {i} ({what}): model {m}, impl {o}");
            Assert.True(_model.Effects.SameAs(_impl.Effects), $"step {i} ({what}): effects: model [{_model.Effects}], impl [{_impl.Effects}]");
            var (ms, os) = (_model.TakeSnapshot(), _impl.TakeSnapshot());
            Assert.True(ms.MmRecords.SequenceEqual(os.MmRecords) && ms.Forkbomb == os.Forkbomb,
                $"step {i} ({what}): model {ms.Forkbomb} [{string.Join(' ', ms.MmRecords)}], impl {os.Forkbomb} [{string.Join(' ', os.MmRecords)}]");
            Assert.Empty(Corrupt.Violations(_impl));
            Effects = [.. _model.Effects.Items];
            return m;
        }

        public void Must(string what, Func<IKernel, Outcome> step) => Assert.True(Do(what, step).IsOk, what);

        public long Fork(long parent) => Do($"fork {parent}", k => k.TaskFork(parent)).Value;

        public long RecordOf(long pid) => Records.Single(r => r.Pid == pid).Id;

        /// <summary>
        /// A tree of init's child and its children in the group: the children touch pages anonymous
        /// pages each, the first protectedChildren of them with oom_score_adj -1000 (they do not count).
        /// The tree's root and its children.
        /// </summary>
        public (long Root, List<long> Children) Tree(long group, int children, int pages = 0, int protectedChildren = 0)
        {
            long root = Fork(InitPid);
            Must($"attach {root}", k => k.TaskAttach(root, group));
            var made = new List<long>();
            for (int i = 0; i < children; i++)
            {
                long child = Fork(root);
                if (i < protectedChildren) Must($"adj {child}", k => k.TaskSetOomScoreAdj(child, OomScoreAdjMin));
                if (pages > 0) Must($"touch {child}", k => k.TaskTouchAnon(child, pages));
                made.Add(child);
            }
            return (root, made);
        }

        /// <summary>The group's memory.max becomes its usage plus one page and the task touches two: one OOM in the group. Its effects.</summary>
        public List<Effect> OomIn(long group, long pid)
        {
            long usage = _model.TakeSnapshot().Memory.Single(m => m.Id == group).Current;
            Must("limit", k => k.CgroupSetLimit(group, MemcgCounter.Memory, usage + 1));
            Must($"touch {pid}", k => k.TaskTouchAnon(pid, 2));
            Assert.Single(Effects, e => e.Kind == EffectKind.Oom);
            return Effects;
        }

        /// <summary>A memory group and a task of init in it, forked first: its record is the oldest, its badness small.</summary>
        public (long Group, long Bystander) Group()
        {
            long group = Do("mkdir", k => k.CgroupCreate(1)).Value;
            long bystander = Fork(InitPid);
            Must($"attach {bystander}", k => k.TaskAttach(bystander, group));
            return (group, bystander);
        }
    }

    [Fact]
    public void TheResetIntervalTakesBothEndsOfItsRange()
    {
        var p = new Pair();
        Assert.Equal(Errno.EINVAL, p.Do("interval min-1", k => k.ForkbombSetInterval(ForkbombIntervalMinMs - 1)).Errno);
        p.Must("interval min", k => k.ForkbombSetInterval(ForkbombIntervalMinMs));
        p.Must("interval max", k => k.ForkbombSetInterval(ForkbombIntervalMaxMs));
        Assert.Equal(ForkbombIntervalMaxMs, p.Model.TakeSnapshot().Forkbomb.IntervalMs);
        Assert.Equal(Errno.EINVAL, p.Do("interval max+1", k => k.ForkbombSetInterval(ForkbombIntervalMaxMs + 1)).Errno);
    }

    /// <summary>
    /// A and B forked at 0; the check at 30 s sees growth and forgets nothing. At 30 s B exits and A
    /// forks C, which execs at 30 s, 30.001 s and 30.002 s: records 3 and 4 (no task) are born at
    /// 30 s, 5 (no task) at 30.001 s, 6 (C) at 30.002 s, a chain under A's record 1. The check at 60 s
    /// (no growth) forgets what was born at or before 30 s: 3 and 4 go, 5 (its parent forgotten)
    /// becomes a root and keeps 6.
    /// </summary>
    [Fact]
    public void AnAgingCheckForgetsExactlyWhatWasBornByThePreviousCheck()
    {
        var p = new Pair();
        long a = p.Fork(InitPid), b = p.Fork(InitPid);
        p.Must("tick", k => k.Tick(ForkbombIntervalDefaultMs));
        Assert.Equal(2, p.Records.Count);
        p.Must($"exit {b}", k => k.TaskExit(b));
        long c = p.Fork(a);
        p.Must($"exec {c}", k => k.TaskExec(c));
        p.Must("tick 1", k => k.Tick(1));
        p.Must($"exec {c}", k => k.TaskExec(c));
        p.Must("tick 1", k => k.Tick(1));
        p.Must($"exec {c}", k => k.TaskExec(c));
        long t = ForkbombIntervalDefaultMs;
        Assert.Equal([new(1, 0, a, 0), new(3, 1, 0, t), new(4, 3, 0, t), new(5, 4, 0, t + 1), new(6, 5, c, t + 2)], p.Records);
        p.Must("tick to 60 s", k => k.Tick(ForkbombIntervalDefaultMs - 2));
        Assert.Equal([new(1, 0, a, 0), new(5, 0, 0, t + 1), new(6, 5, c, t + 2)], p.Records);
    }

    /// <summary>
    /// X's ten children hold 4 pages each, Y's eleven none: X scores 10 + its badness, Y 11, so X is
    /// the bomb though it is neither the oldest record (the bystander's) nor the newest root.
    /// </summary>
    [Fact]
    public void BadnessWeighsInTheBombsScore()
    {
        var p = new Pair();
        var (group, bystander) = p.Group();
        var (x, xChildren) = p.Tree(group, 10, pages: 4);
        var (y, _) = p.Tree(group, 11);
        long xRecord = p.RecordOf(x);
        var effects = p.OomIn(group, bystander);
        Assert.Equal(Effect.Forkbomb(group, xRecord, 11), Assert.Single(effects, e => e.Kind == EffectKind.Forkbomb));
        Assert.Equal(xChildren, effects.Where(e => e.Kind == EffectKind.OomKill).Select(e => e.Value));
        Assert.Contains(p.Model.TakeSnapshot().Tasks, t => t.Pid == y);
    }

    /// <summary>X and Y, each with ten children and no pages, score 10 each: the tie goes to the later record, Y.</summary>
    [Fact]
    public void ATieGoesToTheLaterRecord()
    {
        var p = new Pair();
        var (group, bystander) = p.Group();
        p.Tree(group, 10);
        var (y, yChildren) = p.Tree(group, 10);
        AssertTheOomKillsYsFamilyOfEleven(p, group, bystander, y, yChildren);
    }

    /// <summary>The bystander's OOM in the group names Y (a family of 11) the bomb and kills Y's children, in order.</summary>
    private static void AssertTheOomKillsYsFamilyOfEleven(Pair p, long group, long bystander, long y, List<long> yChildren)
    {
        long yRecord = p.RecordOf(y);
        var effects = p.OomIn(group, bystander);
        Assert.Equal(Effect.Forkbomb(group, yRecord, 11), Assert.Single(effects, e => e.Kind == EffectKind.Forkbomb));
        Assert.Equal(yChildren, effects.Where(e => e.Kind == EffectKind.OomKill).Select(e => e.Value));
    }

    /// <summary>
    /// X has twelve children, three of them adj -1000 (they do not count: no badness and no 1), so X
    /// scores 9; Y has ten counting children and scores 10: Y is the bomb, and X's protected children
    /// would have made X win had they added their 1.
    /// </summary>
    [Fact]
    public void AChildThatDoesNotCountAddsNothing()
    {
        var p = new Pair();
        var (group, bystander) = p.Group();
        p.Tree(group, 12, protectedChildren: 3);
        var (y, yChildren) = p.Tree(group, 10);
        AssertTheOomKillsYsFamilyOfEleven(p, group, bystander, y, yChildren);
    }

    /// <summary>
    /// Tracking off forgets the first task's record; off, init forks 40 tasks; on again, the last of
    /// them forks: the child, in task slot 42 (twice as far as any slot tracked so far), gets a root
    /// record, and its exit takes it.
    /// </summary>
    [Fact]
    public void TrackingOffForgetsAllAndATaskFarBeyondEveryTrackedOneGetsItsRecord()
    {
        var p = new Pair();
        p.Fork(InitPid);
        Assert.Single(p.Records);
        p.Must("tracking off", k => k.ForkbombEnable(0));
        Assert.Empty(p.Records);
        long last = 0;
        for (int i = 0; i < 40; i++) last = p.Fork(InitPid);
        p.Must("tracking on", k => k.ForkbombEnable(1));
        long child = p.Fork(last);
        Assert.Equal([new MmRecordInfo(2, 0, child, 0)], p.Records);
        p.Must($"exit {child}", k => k.TaskExit(child));
        Assert.Empty(p.Records);
    }
}
