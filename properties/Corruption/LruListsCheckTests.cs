using Verify.Impl.Memcg;
using Verify.Model.Contract;
using Verify.Properties.Support;

namespace Verify.Properties.Corruption;

/// <summary>
/// LruLists' self-check (S14) reports exactly what is wrong, message by message. The lists: pages 0,
/// 1, 2 added to group 0 (list id 0), pages 3, 4 to group 2 (list id 1; group 1 stays without a
/// list), then group 2 spliced into group 0: list id 1 forwards to 0, group 2 gets list id 2, and
/// group 0 holds 0, 1, 2, 3, 4 in that order. Five pages, three groups and three list ids are used.
/// One corruption per test, through the private arrays the class documents.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class LruListsCheckTests
{
    private const string S14 = StructureInvariant.LruLists;

    private static LruLists Lists()
    {
        var lists = new LruLists();
        lists.Reset();
        foreach (int page in new[] { 0, 1, 2 }) lists.AddTail(0, page);
        foreach (int page in new[] { 3, 4 }) lists.AddTail(2, page);
        lists.SpliceToParent(2, 0);
        return lists;
    }

    private static List<string> Check(LruLists lists)
    {
        var report = new SelfCheckReport();
        lists.CheckConsistency(report);
        return Corrupt.Lines(report);
    }

    [Fact]
    public void ConsistentListsReportNothing()
    {
        var lists = Lists();
        Assert.Empty(Check(lists));
        Assert.Equal((5, 3, 3), (lists.PagesUsed, lists.GroupsUsed, lists.ListsUsed));
        Assert.Equal(5, lists.Count(0));
        Assert.Equal(0, lists.GroupOf(4));
    }

    [Fact]
    public void AGroupThatFillsItsArrayIsCheckedUpToItsLastGroup()
    {
        // Group 15 makes 16 used groups in the 16 entries the array starts with: the check reads no further.
        var lists = Lists();
        lists.AddTail(15, 5);
        Assert.Empty(Check(lists));
        Assert.Equal(16, lists.GroupsUsed);
    }

    [Fact]
    public void AForwardingCycleIsReportedAndThePagesOnItResolveNowhere()
    {
        var lists = Lists();
        Corrupt.SetElement(lists, "_forward", 1, 1);
        Assert.Equal([
            $"{S14}: list id 1: its forwarding does not reach a live list within 3 steps",
            $"{S14}: group 0: page 3 on its list names list id 1, which does not resolve to the group's 0",
            $"{S14}: group 0: page 4 on its list names list id 1, which does not resolve to the group's 0"], Check(lists));
    }

    [Fact]
    public void AForwardingPastTheUsedListIdsResolvesNowhere()
    {
        var lists = Lists();
        Corrupt.SetElement(lists, "_forward", 1, 3);
        Assert.Equal([
            $"{S14}: list id 1: its forwarding does not reach a live list within 3 steps",
            $"{S14}: group 0: page 3 on its list names list id 1, which does not resolve to the group's 0",
            $"{S14}: group 0: page 4 on its list names list id 1, which does not resolve to the group's 0"], Check(lists));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ALiveListThatNamesAnotherGroupIsReportedForEveryIdForwardingToIt(int group)
    {
        var lists = Lists();
        Corrupt.SetElement(lists, "_groupOfList", 0, group);
        Assert.Equal([
            $"{S14}: list id 0: forwards to 0, which is not the live list of group {group}",
            $"{S14}: list id 1: forwards to 0, which is not the live list of group {group}"], Check(lists));
    }

    [Fact]
    public void AGroupWithoutAListMayCountNoPage()
    {
        var lists = Lists();
        Corrupt.SetInElement(lists, "_groups", 1, "Count", 2);
        Assert.Equal([$"{S14}: group 1: has no list but counts 2 pages"], Check(lists));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void AListThatLoopsOrLeavesTheUsedPagesIsCutThere(int next)
    {
        // Next of the newest page back to the oldest (a cycle), or to page 5, the first unused one.
        var lists = Lists();
        Corrupt.SetElement(lists, "_next", 4, next);
        Assert.Equal([$"{S14}: group 0: after page 4 the list reaches {next}, past the 5 pages or in a cycle"], Check(lists));
    }

    [Fact]
    public void AShortWalkThatReachesTheFirstUnusedPageIsCutThere()
    {
        // After page 1 the walk has 2 pages, fewer than the 5 used: only the page bound cuts it.
        var lists = Lists();
        Corrupt.SetElement(lists, "_next", 1, 5);
        Assert.Equal([
            $"{S14}: group 0: after page 1 the list reaches 5, past the 5 pages or in a cycle",
            $"{S14}: group 0: counts 5 pages, its list holds 2",
            $"{S14}: group 0: its newest is 4, the walk ends at 1",
            $"{S14}: 5 pages name a list, but the lists hold 2"], Check(lists));
    }

    [Fact]
    public void ABrokenBackLinkIsReported()
    {
        var lists = Lists();
        Corrupt.SetElement(lists, "_prev", 2, 0);
        Assert.Equal([$"{S14}: group 0: page 2 links back to 0, but 1 comes before it"], Check(lists));
    }

    [Fact]
    public void APageNamingAnotherGroupsListIsReported()
    {
        var lists = Lists();
        Corrupt.SetElement(lists, "_listOfPage", 1, 2);
        Assert.Equal([$"{S14}: group 0: page 1 on its list names list id 2, which does not resolve to the group's 0"], Check(lists));
    }

    [Fact]
    public void APageOnAListThatNamesNoListIsReportedAndMissingFromTheClaims()
    {
        var lists = Lists();
        Corrupt.SetElement(lists, "_listOfPage", 1, -1);
        Assert.Equal([
            $"{S14}: group 0: page 1 on its list names list id -1, which does not resolve to the group's 0",
            $"{S14}: 4 pages name a list, but the lists hold 5"], Check(lists));
    }

    [Fact]
    public void AWrongCountIsReportedAgainstTheListsLength()
    {
        var lists = Lists();
        Corrupt.SetInElement(lists, "_groups", 0, "Count", 4);
        Assert.Equal([$"{S14}: group 0: counts 4 pages, its list holds 5"], Check(lists));
    }

    [Fact]
    public void AWrongNewestIsReportedWhereTheWalkEnds()
    {
        var lists = Lists();
        Corrupt.SetInElement(lists, "_groups", 0, "Newest", 3);
        Assert.Equal([$"{S14}: group 0: its newest is 3, the walk ends at 4"], Check(lists));
    }

    [Theory]
    [InlineData("Oldest")]
    [InlineData("Newest")]
    public void TheEndsOfAnEmptyListAreNotRead(string end)
    {
        // Group 2 is empty after the splice: what its ends say does not matter while it counts no page.
        var lists = Lists();
        Corrupt.SetInElement(lists, "_groups", 2, end, 3);
        Assert.Empty(Check(lists));
    }
}
