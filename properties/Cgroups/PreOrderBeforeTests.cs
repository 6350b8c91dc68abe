using Verify.Impl;
using Verify.Model.Contract;
using Verify.Properties.Support;

namespace Verify.Properties.Cgroups;

/// <summary>
/// GroupTable.PreOrderBefore (the OOM killer's scan order) against the walk it stands for: the
/// groups of a tree of 40, listed by a plain recursive pre-order walk from the snapshot's parent
/// links (a group, then its children's subtrees, children by id), and every ordered pair of
/// distinct groups asked both ways. The tree mixes deep chains, wide fans and siblings of every age.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class PreOrderBeforeTests
{
    [Fact]
    public void EveryPairOfGroupsIsOrderedAsThePreOrderWalkListsThem()
    {
        var k = new ImplKernel(new MachineConfig(64, 1));
        var ids = new List<long> { 1 };
        for (int i = 1; i <= 40; i++)
        {
            // Parents chosen by a fixed rule: the previous group (chains), the root (fans), or an older one.
            long parent = (i % 5) switch { 0 => 1, 1 or 2 => ids[^1], _ => ids[(i * 7) % ids.Count] };
            ids.Add(k.CgroupCreate(parent).Value);
        }
        var parentOf = k.TakeSnapshot().Cgroups.ToDictionary(c => c.Id, c => c.ParentId);
        var walk = new List<long>();
        void Visit(long id)
        {
            walk.Add(id);
            foreach (long child in parentOf.Where(p => p.Value == id && p.Key != id).Select(p => p.Key).Order()) Visit(child);
        }
        Visit(1);
        Assert.Equal(ids.Order(), walk.Order());
        var groups = k.Containers.Groups;
        var failures = new List<string>();
        for (int i = 0; i < walk.Count; i++)
            for (int j = 0; j < walk.Count; j++)
                if (i != j && groups.PreOrderBefore(groups.SlotOf(walk[i]), groups.SlotOf(walk[j])) != i < j)
                    failures.Add($"{walk[i]} before {walk[j]}: expected {i < j}");
        Assert.True(failures.Count == 0, $"pre-order walk {string.Join(' ', walk)}; wrong answers: {string.Join("; ", failures.Take(10))}");
    }
}
