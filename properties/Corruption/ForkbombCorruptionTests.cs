using Verify.Impl;
using Verify.Impl.Oom;
using Verify.Model.Contract;
using Verify.Properties.Support;
using static Verify.Properties.Support.Corrupt;

namespace Verify.Properties.Corruption;

/// <summary>
/// S17 sees each fact it guards break: with the forkbomb killer on, init forks T1, T1 forks T2 and
/// T3 (records in slots 0, 1, 2, oldest first); every row breaks one fact of the tracker's records
/// and asserts the self-check names it.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class ForkbombCorruptionTests
{
    private const string S17 = StructureInvariant.MmRecords;

    private sealed class Machine
    {
        public readonly ImplKernel Impl = new(new MachineConfig(256, 1));

        public Machine()
        {
            Assert.True(Impl.ForkbombEnable(1).IsOk);
            long t1 = Impl.TaskFork(KernelConstants.InitPid).Value;
            Impl.TaskFork(t1);
            Impl.TaskFork(t1);
            Assert.Equal(3, Tracker.Records().Count);
            Assert.Empty(Violations(Impl));
        }

        public ForkbombTracker Tracker => Impl.Forkbomb;
    }

    private static readonly Dictionary<string, (Action<Machine> Break, string Invariant, string Fragment)> Cases = new()
    {
        ["record dead on the list"] = (m => SetElement(Corrupt.Get<object>(m.Tracker, "_pool"), "_live", 1, false), S17, "is on the creation list but not live"),
        ["older link off"] = (m => SetElement(m.Tracker, "_older", 2, 0), S17, "'s older link is 0, not 1"),
        ["born before its elder"] = (m => SetElement(m.Tracker, "_birth", 2, -1L), S17, "follows record"),
        ["parent younger"] = (m => SetElement(m.Tracker, "_parent", 1, 2), S17, "is not a live, older record"),
        ["record names another task"] = (m => SetElement(m.Tracker, "_taskSlot", 1, 0), S17, "which is not that live task or does not point back"),
        ["list ends early"] = (m => Set(m.Tracker, "_newest", 1), S17, "not at the newest record 1"),
        ["children count off"] = (m => SetElement(m.Tracker, "_children", 0, 5), S17, "counts 5 children but 2 name it"),
        ["task points at a wrong record"] = (m => SetElement(m.Tracker, "_recordOfTask", 0, 1), S17, "points at record slot 1"),
        ["records digest stale"] = (m => Set(m.Tracker, "_recordsDigest", 1UL), S17, "the records' digest is stale"),
        ["two records share an id"] = (m => SetElement(m.Tracker, "_id", 2, 2L), S17, "record 2 (born 0) follows record 2 (born 0) on the creation list"),
        ["record its own parent"] = (m => SetElement(m.Tracker, "_parent", 1, 1), S17, "record 2's parent slot 1 is not a live, older record"),
        ["record names its task by a wrong pid"] = (m => SetElement(m.Tracker, "_pid", 1, 999L), S17, "record 2 names task 999 in slot"),
        ["creation list loops"] = (m => SetElement(m.Tracker, "_newer", 2, 0), S17, "the creation list holds 4 records but 3 slots are live"),
        ["record left off the list"] = (m => { SetElement(m.Tracker, "_newer", 0, 2); SetElement(m.Tracker, "_older", 2, 0); }, S17, "the creation list holds 2 records but 3 slots are live"),
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void TheSelfCheckNamesTheBrokenFact(string name)
    {
        var machine = new Machine();
        AssertRow(Cases[name], machine, machine.Impl);
    }
}
