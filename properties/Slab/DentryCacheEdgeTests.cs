using Verify.Impl;
using Verify.Model.Contract;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;
using static Verify.Properties.Support.Corrupt;
using SlabLayout = Verify.Model.Slab.SlabLayout;

namespace Verify.Properties.Slab;

/// <summary>
/// The impl dentry cache at its edges, model and impl side by side where the contract decides: the
/// first dentry after Reset, the name lengths at the inline and the largest limit, the shrinker, pin
/// ids just outside the allocated range (index -1 and the arrays' length), the charge failures of a
/// dentry and of its name buffer in a group capped at one page; and the exact S6 report of a
/// list broken by hand.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class DentryCacheEdgeTests
{
    private const string S6 = StructureInvariant.DentryLru;

    private static (IKernel Model, IKernel Impl) Pair(int pages = 256) =>
        (SideBySide.Kernel("model", new MachineConfig(pages, 1)), SideBySide.Kernel("impl", new MachineConfig(pages, 1)));

    /// <summary>Every step on both sides: the outcome is expected and the two sides agree in outcome, effects and snapshot.</summary>
    private static void Steps(IKernel model, IKernel impl, params (string What, Func<IKernel, Outcome> Apply, Outcome Expected)[] steps)
    {
        foreach (var (what, apply, expected) in steps)
        {
            Assert.Null(SideBySide.Step(model, impl, what, apply, out var outcome));
            Assert.Equal(expected, outcome);
            Assert.Empty(SnapshotDiff.Compare(model.TakeSnapshot(), impl.TakeSnapshot()));
        }
    }

    /// <summary>Reset leaves an empty list: the first dentry of a fresh kernel is the only one listed.</summary>
    [Fact]
    public void TheFirstDentryOfAFreshKernelIsTheOnlyOneListed()
    {
        var (model, impl) = Pair();
        Steps(model, impl, ("d_alloc 8", k => k.DentryAlloc(8), Outcome.Ok(SlabLayout.FirstId)));
        Assert.Equal([SlabLayout.FirstId], impl.TakeSnapshot().Dentries.Select(d => d.Id));
        Steps(model, impl, ("shrink 5", k => k.Shrink(5), Outcome.Ok(1)));
        Assert.Empty(impl.TakeSnapshot().Dentries);
    }

    /// <summary>A name of exactly DentryNameBytesMax bytes is accepted (one byte more is EINVAL).</summary>
    [Fact]
    public void ANameOfTheLargestLengthIsAcceptedAndOneByteMoreIsNot()
    {
        var (model, impl) = Pair();
        Steps(model, impl,
            ("d_alloc max", k => k.DentryAlloc(SlabLayout.DentryNameBytesMax), Outcome.Ok(SlabLayout.FirstId)),
            ("d_alloc max+1", k => k.DentryAlloc(SlabLayout.DentryNameBytesMax + 1), Outcome.Fail(Errno.EINVAL)));
    }

    /// <summary>A name of exactly DentryInlineNameBytes bytes stays inline (no buffer); one byte more gets a buffer.</summary>
    [Fact]
    public void ANameOfTheInlineLengthHasNoBufferAndOneByteMoreHasOne()
    {
        var (model, impl) = Pair();
        Steps(model, impl,
            ("d_alloc inline", k => k.DentryAlloc(SlabLayout.DentryInlineNameBytes), Outcome.Ok(SlabLayout.FirstId)),
            ("d_alloc inline+1", k => k.DentryAlloc(SlabLayout.DentryInlineNameBytes + 1), Outcome.Ok(SlabLayout.FirstId + 1)));
        var names = impl.TakeSnapshot().Dentries.Select(d => d.NameAddress).ToList();
        Assert.Equal(Verify.Model.Slab.DentryCache.NoName, names[0]);
        Assert.NotEqual(Verify.Model.Slab.DentryCache.NoName, names[1]);
    }

    /// <summary>The shrinker frees the unpinned dentries, oldest first, and keeps the pinned one.</summary>
    [Fact]
    public void TheShrinkerFreesTheUnpinnedAndKeepsThePinned()
    {
        var (model, impl) = Pair();
        Steps(model, impl,
            ("d_alloc 40", k => k.DentryAlloc(40), Outcome.Ok(1)),
            ("d_alloc 8", k => k.DentryAlloc(8), Outcome.Ok(2)),
            ("d_alloc 100", k => k.DentryAlloc(100), Outcome.Ok(3)),
            ("dget 2", k => k.DentryPin(2), Outcome.Ok(1)),
            ("shrink 3", k => k.Shrink(3), Outcome.Ok(2)));
        Assert.Equal([2L], impl.TakeSnapshot().Dentries.Select(d => d.Id));
    }

    /// <summary>dget of id FirstId - 1 (index -1) and of the id just past the last (index = _count = the arrays' length 64) is EINVAL.</summary>
    [Fact]
    public void PinsOfIdsJustOutsideTheAllocatedOnesAreInvalid()
    {
        var (model, impl) = Pair();
        Steps(model, impl, ("dget before first", k => k.DentryPin(SlabLayout.FirstId - 1), Outcome.Fail(Errno.EINVAL)));
        for (int i = 0; i < 64; i++) Assert.Equal(model.DentryAlloc(8), impl.DentryAlloc(8));
        Steps(model, impl,
            ("dget before first", k => k.DentryPin(SlabLayout.FirstId - 1), Outcome.Fail(Errno.EINVAL)),
            ("dget past last", k => k.DentryPin(SlabLayout.FirstId + 64), Outcome.Fail(Errno.EINVAL)),
            ("dput past last", k => k.DentryUnpin(SlabLayout.FirstId + 64), Outcome.Fail(Errno.EINVAL)),
            ("dget last", k => k.DentryPin(SlabLayout.FirstId + 63), Outcome.Ok(1)));
    }

    /// <summary>
    /// In a group capped at one page, with 19 pinned dentries (19 x 200 charged bytes, 296 left in
    /// the page), a dentry with a 255-byte name fails on its name's charge and leaves the dentries
    /// and the groups' counters as they were; the 20th dentry fits and the 21st fails on its own
    /// charge, also without a trace there; model and impl agree at every step.
    /// </summary>
    [Fact]
    public void FailedChargesOfADentryOrOfItsNameLeaveNothingBehind()
    {
        var (model, impl) = Pair();
        foreach (var k in new[] { model, impl })
        {
            long group = k.CgroupCreate(1).Value;
            long pid = k.TaskFork(InitPid).Value;
            Must(k.TaskAttach(pid, group));
            Must(k.TaskSetOomScoreAdj(pid, OomScoreAdjMin));
            Must(k.CgroupSetLimit(group, MemcgCounter.Memory, 1));
            Must(k.RunOn(pid, 0));
            for (int i = 0; i < 19; i++) Must(k.DentryPin(k.DentryAlloc(8).Value));
        }
        Assert.Empty(SnapshotDiff.Compare(model.TakeSnapshot(), impl.TakeSnapshot()));
        var before = impl.TakeSnapshot();
        Steps(model, impl, ("d_alloc 255", k => k.DentryAlloc(SlabLayout.DentryNameBytesMax), Outcome.Fail(Errno.ENOMEM)));
        AssertSameDentriesAndCharges(before, impl.TakeSnapshot());
        Steps(model, impl,
            ("d_alloc 8 (20th)", k => k.DentryAlloc(8), Outcome.Ok(20)),
            ("dget 20", k => k.DentryPin(20), Outcome.Ok(1)));
        before = impl.TakeSnapshot();
        Steps(model, impl, ("d_alloc 8 (21st)", k => k.DentryAlloc(8), Outcome.Fail(Errno.ENOMEM)));
        AssertSameDentriesAndCharges(before, impl.TakeSnapshot());
        Assert.Empty(Violations((ImplKernel)impl));
    }

    private static void AssertSameDentriesAndCharges(Snapshot before, Snapshot after)
    {
        Assert.Equal(before.Dentries, after.Dentries);
        Assert.Equal(before.Memory.Select(m => (m.Id, m.Current, m.Kernel, m.SlabReclaimable)), after.Memory.Select(m => (m.Id, m.Current, m.Kernel, m.SlabReclaimable)));
    }

    /// <summary>Three dentries (indices 0, 1, 2), then one hand-made break of the list; the self-check's S6 lines.</summary>
    private static List<string> S6Lines(Action<Verify.Impl.Slab.DentryCache> corrupt)
    {
        var impl = new ImplKernel(new MachineConfig(256, 1));
        for (int i = 0; i < 3; i++) Must(impl.DentryAlloc(8));
        Assert.Empty(Violations(impl));
        corrupt(impl.Dentries);
        return Violations(impl).Where(v => v.StartsWith(S6 + ": ", StringComparison.Ordinal)).ToList();
    }

    /// <summary>A linked dentry whose live flag is clear stops the walk with exactly one report.</summary>
    [Fact]
    public void AListThatReachesADeadDentryIsReportedOnceAndTheWalkStops()
    {
        Assert.Equal(
            [$"{S6}: after dentry index 0 the list reaches index 1, which is not the next live dentry in id order"],
            S6Lines(d => SetElement(d, "_live", 1, false)));
    }

    /// <summary>A list that runs past the tail onto index _count (flagged live by hand) is reported there, once.</summary>
    [Fact]
    public void AListThatReachesTheCountIsReportedOnceAndTheWalkStops()
    {
        Assert.Equal(
            [$"{S6}: after dentry index 2 the list reaches index 3, which is not the next live dentry in id order"],
            S6Lines(d =>
            {
                SetElement(d, "_live", 3, true);
                SetElement(d, "_next", 2, 3);
            }));
    }

    /// <summary>A dentry that links to itself is reported once (an index equal to the previous one is out of order).</summary>
    [Fact]
    public void ADentryThatLinksToItselfIsReportedOnce()
    {
        Assert.Equal(
            [$"{S6}: after dentry index 1 the list reaches index 1, which is not the next live dentry in id order"],
            S6Lines(d => SetElement(d, "_next", 1, 1)));
    }
}
