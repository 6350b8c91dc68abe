using Verify.Fuzz.Engine;
using Verify.Impl.Cgroups;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Structures;

/// <summary>
/// IntrusiveLists against one .NET List per owner (a member added goes first): random adds of
/// members on no list, removes from anywhere in a list, moves between lists, growth of the owner
/// and member ranges and resets; every owner's list walks in the same order, Owner agrees, and
/// CheckList (the S9 list check) passes for every owner after every step.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class IntrusiveListsProperty(ITestOutputHelper output)
{
    private const int OwnersMax = 40, MembersMax = 200;

    public enum Kind { Add, Remove, Move, Reset }

    public readonly record struct ListOp(Kind Kind, long Owner, long Member)
    {
        public override string ToString() => $"{Kind} owner={Owner} member={Member}";
    }

    [Fact]
    public void KeepsEveryListInOrderAndWellLinked()
    {
        StructureProperty.Check(output, nameof(KeepsEveryListInOrderAndWellLinked), 10_000, Generate, Run);
    }

    private static ListOp Generate(SplitMix64 random)
    {
        long roll = random.Range(0, 999);
        var kind = roll switch { < 4 => Kind.Reset, < 550 => Kind.Add, < 850 => Kind.Remove, _ => Kind.Move };
        return new ListOp(kind, random.Range(0, OwnersMax - 1), random.Range(0, MembersMax - 1));
    }

    private static string? Run(IReadOnlyList<ListOp> ops)
    {
        var lists = new IntrusiveLists();
        var model = new Dictionary<int, List<int>>();
        var ownerOf = new Dictionary<int, int>();
        int owners = 0, members = 0;
        for (int step = 0; step < ops.Count; step++)
        {
            var op = ops[step];
            int owner = (int)op.Owner, member = (int)op.Member;
            switch (op.Kind)
            {
                case Kind.Add when !ownerOf.ContainsKey(member):
                    owners = Math.Max(owners, owner + 1);
                    members = Math.Max(members, member + 1);
                    lists.EnsureOwners(owners);
                    lists.EnsureMembers(members);
                    lists.Add(owner, member);
                    if (!model.TryGetValue(owner, out var list)) model[owner] = list = [];
                    list.Insert(0, member);
                    ownerOf[member] = owner;
                    break;
                case Kind.Remove or Kind.Move when ownerOf.Count > 0:
                    int victim = ownerOf.Keys.OrderBy(m => m).ElementAt(member % ownerOf.Count);
                    lists.Remove(victim);
                    model[ownerOf[victim]].Remove(victim);
                    ownerOf.Remove(victim);
                    if (op.Kind == Kind.Move && owner < owners)
                    {
                        lists.Add(owner, victim);
                        if (!model.TryGetValue(owner, out var target)) model[owner] = target = [];
                        target.Insert(0, victim);
                        ownerOf[victim] = owner;
                    }
                    break;
                case Kind.Reset:
                    lists.Reset(owners, members);
                    model.Clear();
                    ownerOf.Clear();
                    break;
                default:
                    continue;
            }
            for (int o = 0; o < owners; o++)
            {
                var expected = model.GetValueOrDefault(o) ?? [];
                var walked = new List<int>();
                for (int m = lists.Head(o); m >= 0 && walked.Count <= members; m = lists.Next(m)) walked.Add(m);
                if (!walked.SequenceEqual(expected)) return $"step {step + 1} ({op}): owner {o}'s list is [{string.Join(' ', walked)}], expected [{string.Join(' ', expected)}]";
                if (StructureProperty.Violation(report => lists.CheckList(report, StructureInvariant.TaskLists, "owner", o, members)) is { } broken)
                    return $"step {step + 1} ({op}): {broken}";
                if (lists.IsEmpty(o) != (expected.Count == 0)) return $"step {step + 1} ({op}): IsEmpty({o}) is {lists.IsEmpty(o)}";
            }
            for (int m = 0; m < members; m++)
                if (lists.Owner(m) != ownerOf.GetValueOrDefault(m, -1)) return $"step {step + 1} ({op}): Owner({m}) is {lists.Owner(m)}, expected {ownerOf.GetValueOrDefault(m, -1)}";
        }
        return null;
    }
}
