using Verify.Impl;
using Verify.Impl.Oom;
using Verify.Model.Contract;
using Verify.Properties.Support;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Properties.Oom;

/// <summary>
/// The slips the OOM planted bugs set (fuzz/Planted/OomPlantedBugs.cs) each change a kill, and the
/// unslipped killer does not: one fixed scenario per slip whose victims follow from README "The OOM
/// killer", run on the model, the impl and the impl with the slip. The planted-bug tests are too
/// slow for the mutation profile, so without these a mutant that disables a slip would live.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class OomSlipTests
{
    /// <summary>The pids the scenario's first OOM took, in order, on each kernel: model, impl, impl with the slip.</summary>
    private static List<long>[] KillsOn(OomKiller.Slip slip, Action<IKernel> scenario)
    {
        var machine = new MachineConfig(4096, 1);
        var slipped = new ImplKernel(machine);
        slipped.Oom.Slips = slip;
        var kernels = new IKernel[] { SideBySide.Kernel("model", machine), SideBySide.Kernel("impl", machine), slipped };
        return kernels.Select(k =>
        {
            k.Effects.Clear(); // the log then gathers the effects of every call the scenario makes
            scenario(k);
            var effects = k.Effects.Items.SkipWhile(e => e.Kind != EffectKind.Oom).ToList();
            Assert.NotEmpty(effects); // the scenario ran out of memory
            return effects.Skip(1).TakeWhile(e => e.Kind != EffectKind.Oom).Where(e => e.Kind == EffectKind.OomKill).Select(e => e.Value).ToList();
        }).ToArray();
    }

    /// <summary>A child of init in the group with the adj, touching pages (the touch may end in ENOMEM once nothing is left to kill): its pid.</summary>
    private static long Spawn(IKernel k, long group, int adj, int pages)
    {
        long pid = k.TaskFork(InitPid).Value;
        Assert.True(k.TaskAttach(pid, group).IsOk);
        if (adj != 0) Assert.True(k.TaskSetOomScoreAdj(pid, adj).IsOk);
        if (pages > 0) k.TaskTouchAnon(pid, pages);
        return pid;
    }

    [Fact]
    public void ATieGoesToTheTaskScannedLaterUnlessSlipped()
    {
        long a = 0, b = 0;
        var kills = KillsOn(OomKiller.Slip.TieToEarlier, k =>
        {
            long group = k.CgroupCreate(1).Value;
            Assert.True(k.CgroupSetLimit(group, MemcgCounter.Memory, 64).IsOk);
            (a, b) = (Spawn(k, group, 0, 8), Spawn(k, group, 0, 8)); // equal badness, b forked later
            Spawn(k, group, OomScoreAdjMin, 64); // the pusher is exempt
        });
        Assert.Equal(b, kills[0][0]);
        Assert.Equal(kills[0], kills[1]);
        Assert.Equal(a, kills[2][0]);
    }

    [Fact]
    public void AdjWeighsAThousandthOfTotalPagesRoundedFirstUnlessSlipped()
    {
        long small = 0, large = 0;
        var kills = KillsOn(OomKiller.Slip.AdjScaledAfterDivision, k =>
        {
            // totalpages 1500: adj 500 weighs 500 x (1500 / 1000) = 500 pages, slipped 500 x 1500 / 1000 = 750
            long group = k.CgroupCreate(1).Value;
            Assert.True(k.CgroupSetLimit(group, MemcgCounter.Memory, 1500).IsOk);
            small = Spawn(k, group, 500, 10); // 10 + 1 table + 500 = 511, slipped 761
            large = Spawn(k, group, 0, 600); // 600 + 2 tables = 602
            Spawn(k, group, OomScoreAdjMin, 1500);
        });
        Assert.Equal(large, kills[0][0]);
        Assert.Equal(kills[0], kills[1]);
        Assert.Equal(small, kills[2][0]);
    }

    [Fact]
    public void ANegativeAdjWeighsAThousandthOfTotalPagesUnderTheSlipToo()
    {
        long heavy = 0;
        var kills = KillsOn(OomKiller.Slip.AdjScaledAfterDivision, k =>
        {
            // totalpages 1500: adj -1 weighs -1 page both ways (-1 x (1500 / 1000), slipped -1 x 1500 / 1000)
            long group = k.CgroupCreate(1).Value;
            Assert.True(k.CgroupSetLimit(group, MemcgCounter.Memory, 1500).IsOk);
            heavy = Spawn(k, group, -1, 600); // 600 + 2 tables - 1 = 601
            Spawn(k, group, 0, 500); // 500 + 2 tables
            Spawn(k, group, OomScoreAdjMin, 1500);
        });
        Assert.All(kills, victims => Assert.Equal(heavy, victims[0]));
    }

    [Fact]
    public void AGroupKillSparesProtectedTasksUnlessSlipped()
    {
        long victim = 0, protectedTask = 0, pusher = 0;
        var kills = KillsOn(OomKiller.Slip.SweepTakesProtected, k =>
        {
            long group = k.CgroupCreate(1).Value;
            Assert.True(k.CgroupSetOomGroup(group, 1).IsOk);
            Assert.True(k.CgroupSetLimit(group, MemcgCounter.Memory, 64).IsOk);
            victim = Spawn(k, group, 0, 8);
            protectedTask = Spawn(k, group, OomScoreAdjMin, 1);
            pusher = Spawn(k, group, OomScoreAdjMin, 64);
        });
        Assert.Equal([victim], kills[0]);
        Assert.Equal(kills[0], kills[1]);
        Assert.Equal([victim, protectedTask, pusher], kills[2]); // the slipped sweep takes every protected task, in scan order
    }

    [Fact]
    public void TheHighestFlaggedGroupUpToTheDomainDiesWholeUnlessSlipped()
    {
        long inParent = 0;
        var kills = KillsOn(OomKiller.Slip.LowestOomGroup, k =>
        {
            long parent = k.CgroupCreate(1).Value, child = k.CgroupCreate(parent).Value;
            Assert.True(k.CgroupSetOomGroup(parent, 1).IsOk);
            Assert.True(k.CgroupSetOomGroup(child, 1).IsOk);
            Assert.True(k.CgroupSetLimit(parent, MemcgCounter.Memory, 64).IsOk); // the domain is the parent
            inParent = Spawn(k, parent, 0, 2);
            Spawn(k, child, 0, 8); // the victim
            Spawn(k, child, OomScoreAdjMin, 64);
        });
        Assert.Contains(inParent, kills[0]); // the parent's whole subtree goes
        Assert.Equal(kills[0], kills[1]);
        Assert.DoesNotContain(inParent, kills[2]); // only the child's
    }

    /// <summary>Either killer's Exit, until the kernel wires it, fails with a message that says so.</summary>
    [Fact]
    public void AnUnwiredExitSaysSo()
    {
        var oom = new OomKiller(null!, null!, null!, new EffectLog());
        Assert.Equal("OomKiller.Exit is not wired", Assert.Throws<InvalidOperationException>(() => oom.Exit(2)).Message);
        var reference = new Verify.Model.Oom.OomKiller(null!, null!, null!, new EffectLog());
        Assert.Equal("OomKiller.Exit is not wired", Assert.Throws<InvalidOperationException>(() => reference.Exit(2)).Message);
    }

}
