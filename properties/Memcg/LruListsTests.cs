using Verify.Impl.Memcg;
using Verify.Properties.Support;

namespace Verify.Properties.Memcg;

/// <summary>
/// LruLists at the edges the random property (properties/Structures/LruListsProperty.cs) does not
/// reach: queries for groups and pages past the ones used (at the 16 entries the arrays start with
/// and far past them) find nothing, group and page ids at and far past the arrays' length grow
/// them, and groups that exist but are empty (never filled, or emptied by a splice) have no ends,
/// so a page added to one has nothing before it. Every expectation follows from the class's
/// documented guarantees; S14 must hold after every scenario.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class LruListsTests
{
    private static List<int> Walk(LruLists lists, int group)
    {
        var pages = new List<int>();
        for (int page = lists.Oldest(group); page >= 0 && pages.Count <= lists.PagesUsed; page = lists.Next(page)) pages.Add(page);
        return pages;
    }

    private static void AssertNothingAt(LruLists lists, int group, int page)
    {
        Assert.Equal((0, -1, -1), (lists.Count(group), lists.Oldest(group), lists.Newest(group)));
        Assert.False(lists.IsOnList(page));
        Assert.Equal(-1, lists.GroupOf(page));
    }

    [Fact]
    public void QueriesPastTheUsedGroupsAndPagesFindNothing()
    {
        var lists = new LruLists();
        AssertNothingAt(lists, 100, 100);
        lists.AddTail(15, 15); // 16 groups and 16 pages used: the arrays' initial length, all of it
        Assert.Equal((16, 16), (lists.GroupsUsed, lists.PagesUsed));
        AssertNothingAt(lists, 16, 16);
        AssertNothingAt(lists, 100, 100);
        Assert.Null(StructureProperty.Violation(lists.CheckConsistency));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(40)]
    [InlineData(100)]
    public void AGroupIdAtOrPastTheArraysGrowsThem(int group)
    {
        var lists = new LruLists();
        lists.AddTail(group, 3);
        lists.AddTail(group, 1);
        Assert.Equal(group + 1, lists.GroupsUsed);
        Assert.Equal([3, 1], Walk(lists, group));
        Assert.Equal((2, 3, 1), (lists.Count(group), lists.Oldest(group), lists.Newest(group)));
        Assert.Equal((group, group), (lists.GroupOf(3), lists.GroupOf(1)));
        for (int below = 0; below < group; below++) Assert.Equal((0, -1, -1), (lists.Count(below), lists.Oldest(below), lists.Newest(below)));
        Assert.Null(StructureProperty.Violation(lists.CheckConsistency));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(40)]
    [InlineData(100)]
    public void APageIdAtOrPastTheArraysGrowsThem(int page)
    {
        var lists = new LruLists();
        lists.AddTail(2, page);
        lists.AddTail(2, page - 1);
        Assert.Equal(page + 1, lists.PagesUsed);
        Assert.Equal([page, page - 1], Walk(lists, 2));
        Assert.Equal((2, 2), (lists.GroupOf(page), lists.GroupOf(page - 1)));
        Assert.False(lists.IsOnList(page - 2));
        Assert.Equal(page, lists.PopOldest(2));
        Assert.Equal([page - 1], Walk(lists, 2));
        Assert.Null(StructureProperty.Violation(lists.CheckConsistency));
    }

    [Fact]
    public void GroupsThatExistButHoldNothingHaveNoEnds()
    {
        var lists = new LruLists();
        lists.AddTail(3, 7); // groups 0 to 2 come into use empty
        for (int group = 0; group < 3; group++) Assert.Equal((0, -1, -1), (lists.Count(group), lists.Oldest(group), lists.Newest(group)));
        lists.AddTail(1, 8);
        Assert.Equal((8, 8), (lists.Oldest(1), lists.Newest(1)));
        Assert.Null(StructureProperty.Violation(lists.CheckConsistency));
    }

    [Fact]
    public void AGroupEmptiedByASpliceHasNoEndsAndStartsAfreshList()
    {
        var lists = new LruLists();
        foreach (int page in new[] { 0, 1, 2 }) lists.AddTail(0, page);
        lists.AddTail(3, 9);
        lists.SpliceToParent(0, 3);
        Assert.Equal((0, -1, -1), (lists.Count(0), lists.Oldest(0), lists.Newest(0)));
        Assert.Equal([9, 0, 1, 2], Walk(lists, 3));
        // Pages added to the emptied group have nothing before them: taking the older out leaves the parent's list alone.
        lists.AddTail(0, 4);
        lists.AddTail(0, 5);
        lists.Remove(4);
        Assert.Equal([5], Walk(lists, 0));
        Assert.Equal((1, 5, 5), (lists.Count(0), lists.Oldest(0), lists.Newest(0)));
        Assert.Equal([9, 0, 1, 2], Walk(lists, 3));
        Assert.Null(StructureProperty.Violation(lists.CheckConsistency));
    }
}
