using Verify.Impl.Cgroups;
using Verify.Model.Contract;
using Verify.Properties.Support;

namespace Verify.Properties.Corruption;

/// <summary>
/// Intrusive lists built alone: growth gives new owners empty lists and keeps the arrays while
/// there is room; CheckList returns a list's length, or -1 with one exact message when a link
/// leaves the members, names another owner or does not point back. Owner 0 holds members 2, 1, 0
/// (added 0, 1, 2; the newest is first), with 4 members in the check's limit.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class IntrusiveListsCheckTests
{
    private const string Invariant = "lists";

    private static IntrusiveLists Lists()
    {
        var lists = new IntrusiveLists();
        lists.Reset(16, 16);
        for (int member = 0; member < 3; member++) lists.Add(0, member);
        return lists;
    }

    private static (int Length, List<string> Lines) Check(IntrusiveLists lists, int memberLimit = 4)
    {
        var report = new SelfCheckReport();
        int length = lists.CheckList(report, Invariant, "owner", 0, memberLimit);
        return (length, Corrupt.Lines(report));
    }

    private static void AssertBroken(string message, (int Length, List<string> Lines) checkedList)
    {
        Assert.Equal(-1, checkedList.Length);
        Assert.Equal([message], checkedList.Lines);
    }

    private static int[] Links(IntrusiveLists lists, string field) => Corrupt.Get<int[]>(lists, field);

    [Fact]
    public void ASoundListReportsItsLength()
    {
        var (length, lines) = Check(Lists());
        Assert.Equal(3, length);
        Assert.Empty(lines);
    }

    [Fact]
    public void NewOwnersAndMembersStartOnNoList()
    {
        var lists = Lists();
        lists.EnsureOwners(100);
        lists.EnsureMembers(100);
        Assert.True(lists.IsEmpty(99));
        Assert.True(lists.IsEmpty(16));
        Assert.Equal(-1, lists.Owner(99));
        Assert.Equal(-1, lists.Owner(16));
        Assert.Equal(3, Check(lists).Length);
    }

    [Fact]
    public void GrowthWithinTheRoomKeepsTheArrays()
    {
        var lists = Lists();
        var (next, head) = (Links(lists, "_next"), Links(lists, "_head"));
        lists.EnsureMembers(next.Length);
        lists.EnsureOwners(head.Length);
        Assert.Same(next, Links(lists, "_next"));
        Assert.Same(head, Links(lists, "_head"));
    }

    [Fact]
    public void ALinkToTheFirstMemberPastTheLimitIsReported()
    {
        var lists = Lists();
        Links(lists, "_next")[0] = 4;
        AssertBroken($"{Invariant}: owner 0: after member 0 the list reaches 4, past its 4 members or in a cycle", Check(lists));
    }

    [Fact]
    public void ACycleIsReportedOnceTheWalkHasTakenAsManyStepsAsTheLimit()
    {
        // 2 -> 1 -> 0 -> 2: with a limit of 3 the walk stops on its fourth step, at member 2 after member 0.
        var lists = Lists();
        Links(lists, "_next")[0] = 2;
        AssertBroken($"{Invariant}: owner 0: after member 0 the list reaches 2, past its 3 members or in a cycle", Check(lists, memberLimit: 3));
    }

    [Fact]
    public void AMemberNamingAnotherOwnerIsReported()
    {
        var lists = Lists();
        Links(lists, "_owner")[1] = 5;
        AssertBroken($"{Invariant}: owner 0: member 1 on its list names owner 5", Check(lists));
    }

    [Fact]
    public void APreviousLinkThatDoesNotPointBackIsReported()
    {
        var lists = Lists();
        Links(lists, "_prev")[0] = 2;
        AssertBroken($"{Invariant}: owner 0: member 0 links back to 2, but 1 comes before it", Check(lists));
    }
}
