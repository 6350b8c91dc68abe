using Verify.Fuzz.Engine;
using Verify.Impl.Memcg;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Structures;

/// <summary>
/// LruLists against one .NET List per group (oldest first) and a page-to-group dictionary: random
/// adds of pages on no list to the newest end, removes from anywhere, pops of the oldest, splices
/// of a whole list after another group's newest page (chains of splices included, so pages go
/// through several forwardings), and resets. After every step every group's list walks in the
/// same order, Count, Oldest, Newest and GroupOf of every page agree, and S14 holds.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class LruListsProperty(ITestOutputHelper output)
{
    private const int GroupsMax = 12, PagesMax = 160;

    public enum Kind { Add, Remove, PopOldest, Splice, Reset }

    public readonly record struct LruOp(Kind Kind, long Group, long Other, long Page)
    {
        public override string ToString() => Kind switch
        {
            Kind.Add => $"Add group={Group} page={Page}",
            Kind.Remove => $"Remove page={Page} (modulo the pages on lists, in id order)",
            Kind.PopOldest => $"PopOldest group={Group}",
            Kind.Splice => $"Splice child={Group} parent={Other}",
            _ => "Reset",
        };
    }

    [Fact]
    public void KeepsEveryGroupsPagesInAgeOrderThroughSplices()
    {
        StructureProperty.Check(output, nameof(KeepsEveryGroupsPagesInAgeOrderThroughSplices), 10_000, Generate, Run);
    }

    private static LruOp Generate(SplitMix64 random)
    {
        long roll = random.Range(0, 999);
        var kind = roll switch { < 3 => Kind.Reset, < 500 => Kind.Add, < 720 => Kind.Remove, < 880 => Kind.PopOldest, _ => Kind.Splice };
        return new LruOp(kind, random.Range(0, GroupsMax - 1), random.Range(0, GroupsMax - 1), random.Range(0, PagesMax - 1));
    }

    private static string? Run(IReadOnlyList<LruOp> ops)
    {
        var lru = new LruLists();
        var lists = new List<int>[GroupsMax];
        for (int g = 0; g < GroupsMax; g++) lists[g] = [];
        var groupOf = new SortedDictionary<int, int>();
        for (int step = 0; step < ops.Count; step++)
        {
            var op = ops[step];
            int group = (int)op.Group, other = (int)op.Other, page = (int)op.Page;
            switch (op.Kind)
            {
                case Kind.Add when !groupOf.ContainsKey(page):
                    lru.AddTail(group, page);
                    lists[group].Add(page);
                    groupOf[page] = group;
                    break;
                case Kind.Remove when groupOf.Count > 0:
                    var (victim, owner) = groupOf.ElementAt(page % groupOf.Count);
                    lru.Remove(victim);
                    lists[owner].Remove(victim);
                    groupOf.Remove(victim);
                    break;
                case Kind.PopOldest:
                    int popped = lru.PopOldest(group), expected = lists[group].Count > 0 ? lists[group][0] : -1;
                    if (popped != expected) return $"step {step + 1} ({op}): popped {popped}, expected {expected}";
                    if (expected >= 0)
                    {
                        lists[group].RemoveAt(0);
                        groupOf.Remove(expected);
                    }
                    break;
                case Kind.Splice:
                    lru.SpliceToParent(group, other);
                    if (group == other) break;
                    foreach (int moved in lists[group]) groupOf[moved] = other;
                    lists[other].AddRange(lists[group]);
                    lists[group].Clear();
                    break;
                case Kind.Reset:
                    lru.Reset();
                    foreach (var list in lists) list.Clear();
                    groupOf.Clear();
                    break;
                default:
                    continue;
            }
            if (Compare(lru, lists, groupOf, resolveEveryPage: step % 16 == 15) is { } wrong) return $"step {step + 1} ({op}): {wrong}";
            if (StructureProperty.Violation(lru.CheckConsistency) is { } broken) return $"step {step + 1} ({op}): {broken}";
        }
        return null;
    }

    /// <summary>GroupOf shortens forwarding paths, so every page is resolved only every 16th step: Remove meets chains of several splices.</summary>
    private static string? Compare(LruLists lru, List<int>[] lists, SortedDictionary<int, int> groupOf, bool resolveEveryPage)
    {
        for (int g = 0; g < GroupsMax; g++)
        {
            var expected = lists[g];
            var walked = new List<int>();
            for (int p = lru.Oldest(g); p >= 0 && walked.Count <= PagesMax; p = lru.Next(p)) walked.Add(p);
            if (!walked.SequenceEqual(expected)) return $"group {g}'s list is [{string.Join(' ', walked)}], expected [{string.Join(' ', expected)}]";
            if (lru.Count(g) != expected.Count) return $"group {g} counts {lru.Count(g)}, expected {expected.Count}";
            if (lru.Newest(g) != (expected.Count > 0 ? expected[^1] : -1)) return $"group {g}'s newest is {lru.Newest(g)}";
        }
        for (int p = 0; p < PagesMax && resolveEveryPage; p++)
            if (lru.GroupOf(p) != groupOf.GetValueOrDefault(p, -1)) return $"GroupOf({p}) is {lru.GroupOf(p)}, expected {groupOf.GetValueOrDefault(p, -1)}";
        return null;
    }
}
