using Verify.Model.Contract;
using Verify.Model.Slab;
using Verify.Properties.Support;

namespace Verify.Properties;

/// <summary>
/// The contract types' own words and numbers that reports, traces and the self-checks print or
/// read: a kernel charge's text (page charges and objects, the group it moved to), the layout's
/// trace word, a slab cache's waste per slab, the self-check report's cap, and the texts of
/// groups, tasks, memory groups, sockets, machines (with Validate's messages), effects and the
/// forkbomb tracker, each with its optional parts on and off. Expected texts are
/// written here by hand from the formats the README and the doc comments give.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class ContractTextTests
{
    [Fact]
    public void AKernelChargeSaysWhatItIsAndWhereItMoved()
    {
        Assert.Equal("[kernelstack at pfn 40 x4 objcg 3]", new KernelChargeInfo(KernelChargeKind.KernelStack, 40, 3, 3, 4).ToString());
        Assert.Equal("[pagetable at pfn 41 x1 objcg 3 now 1]", new KernelChargeInfo(KernelChargeKind.PageTable, 41, 3, 1, 1).ToString());
        Assert.Equal("[object 8192 64 bytes objcg 5]", new KernelChargeInfo(KernelChargeKind.Slab, 8192, 5, 5, 64).ToString());
        Assert.Equal("[reclaimable object 8256 200 bytes objcg 5 now 2]", new KernelChargeInfo(KernelChargeKind.SlabReclaimable, 8256, 5, 2, 200).ToString());
    }

    [Fact]
    public void TheLayoutWordsAreThoseOfTheTraceFormat()
    {
        Assert.Equal("v1", CgroupLayout.V1.Word());
        Assert.Equal("v2", CgroupLayout.V2.Word());
    }

    /// <summary>Two pages of three 2000-byte objects leave 8192 - 6000 bytes.</summary>
    [Fact]
    public void ASlabsWasteIsWhatItsObjectsLeaveOfItsPages()
    {
        var cache = new SlabCacheInfo(Id: 30, Name: "c", ObjectSizeBytes: 2000, SizeBytes: 2000, ObjectsPerSlab: 3, PagesPerSlab: 2, MinPartial: 5,
            ActiveObjects: 0, TotalObjects: 0, Slabs: 0, Flags: 0, Accounted: false, AccountedObjects: 0);
        Assert.Equal(2192, cache.WasteBytesPerSlab);
    }

    /// <summary>A cache's line names every field, min_order only when it has one; a slab and an object theirs.</summary>
    [Fact]
    public void ASlabCacheASlabAndAnObjectPrintTheirFields()
    {
        var cache = new SlabCacheInfo(Id: 30, Name: "c", ObjectSizeBytes: 2000, SizeBytes: 2048, ObjectsPerSlab: 3, PagesPerSlab: 2, MinPartial: 5,
            ActiveObjects: 4, TotalObjects: 6, Slabs: 2, Flags: 0, Accounted: true, AccountedObjects: 1);
        Assert.Equal("[c id 30 active 4 total 6 objsize 2048 objperslab 3 pagesperslab 2 waste 2048 min_partial 5 slabs 2 accounted True (1)]", cache.ToString());
        Assert.Equal("[c id 30 active 4 total 6 objsize 2048 objperslab 3 pagesperslab 2 waste 2048 min_partial 5 min_order 1 slabs 2 accounted True (1)]",
            (cache with { MinOrder = 1 }).ToString());
        Assert.Equal("[slab cache 30 pfn 8 pages 2 inuse 3]", new SlabPage(30, 8, 2, 3).ToString());
        Assert.Equal("[object 8192 cache 30 accounted]", new SlabObjectInfo(8192, 30, true).ToString());
        Assert.Equal("[object 8256 cache 30]", new SlabObjectInfo(8256, 30, false).ToString());
    }

    /// <summary>KERNEL-FACTS (page stock, 6.16+): 7 slots of up to 64 pages per CPU, all full, plus the one batch of 64 charged on the way to a failure.</summary>
    [Fact]
    public void TheStockBoundIsEverySlotFullPlusOneBatch()
    {
        Assert.Equal(64 * (7 * 1 + 1), KernelConstants.MemcgStockBound(1));
        Assert.Equal(64 * (7 * 3 + 1), KernelConstants.MemcgStockBound(3));
    }

    [Fact]
    public void ASelfCheckReportKeepsSixteenViolationsAndIsFullThen()
    {
        var report = new SelfCheckReport();
        for (int i = 0; i < SelfCheckReport.ViolationsMax - 1; i++) report.Fail("S", $"v{i}");
        Assert.False(report.IsFull);
        report.Fail("S", "last kept");
        Assert.True(report.IsFull);
        report.Fail("S", "dropped");
        Assert.Equal(16, report.Found.Count);
        Assert.Equal(("S", "last kept"), report.Found[^1]);
        report.Clear();
        Assert.True(report.IsClean);
    }

    [Fact]
    public void ACgroupAndATaskPrintTheirFields()
    {
        Assert.Equal("[cgroup 5 h1 /g3/g5 parent 3 tasks 2 populated pids 4/max events.max 1 events.local.max 0 notify_on_release]",
            new CgroupInfo(1, 5, 3, "/g3/g5", 2, true, 4, KernelConstants.PidsMaxValue, 1, 0, true).ToString());
        Assert.Equal("[cgroup 6 h0 /g6 parent 1 tasks 0 pids 0/7 events.max 0 events.local.max 2]",
            new CgroupInfo(0, 6, 1, "/g6", 0, false, 0, 7, 0, 2, false).ToString());
        Assert.Equal("[task 9 parent 1 cgroups 3/4 execs 2 oom_score_adj -500]", new TaskInfo(9, 1, 3, 4, 2, -500).ToString());
        Assert.Equal("[task 1 parent 0 cgroups 1/2 execs 0]", new TaskInfo(1, 0, 1, 2, 0, 0).ToString());
    }

    [Fact]
    public void AMemoryGroupPrintsItsCountersAndOnlyTheFlagsItHas()
    {
        long max = KernelConstants.LimitUnlimited;
        var plain = new CgroupMemoryInfo(3, 10, max, 20, 1, 2, 3, 4, 5, 6, max, 30, 7, 8, false, false, 9, 11, 12, 13, 0, 0, false, default, 0);
        Assert.Equal("[memcg 3 current 10 max max high 20 events max 1/3 high 2/4 anon 5 file 6 kmem.max max tcp.max 30 sock 7 tcp 8 kernel 9 slab 11/12 kernel_stack 13]",
            plain.ToString());
        var flagged = plain with { Max = 40, KmemMax = 41, TcpActive = true, TcpPressure = true, PageTables = 14, TcpPeak = 15, KmemPeak = 16, OomGroup = true, Oom = new OomEvents(1, 2, 3, 4, 5, 6) };
        Assert.Equal("[memcg 3 current 10 max 40 high 20 events max 1/3 high 2/4 anon 5 file 6 kmem.max 41 tcp.max 30 sock 7 tcp 8 tcp-accounted tcp-pressure kernel 9 slab 11/12 kernel_stack 13 pagetables 14 tcp.peak 15 kmem.peak 16 oom.group oom 1/4 oom_kill 2/5 oom_group_kill 3/6]",
            flagged.ToString());
        Assert.Equal("[dying memcg 7 parent 3 current 2]", new DyingMemcgInfo(7, 3, 2).ToString());
        Assert.Equal("[socket 4 of 3, 2 pages charged]", new SocketInfo(4, 3, 2, true).ToString());
        Assert.Equal("[socket 5 of 1, 1 pages]", new SocketInfo(5, 1, 1, false).ToString());
        Assert.Equal("[file page 12 of task 4 charged to 3]", new UserPageInfo(12, true, 4, 3).ToString());
        Assert.Equal("[anon page 13 of task 5 charged to 2]", new UserPageInfo(13, false, 5, 2).ToString());
        Assert.Equal("[page table 14 of task 6]", new PageTableInfo(14, 6).ToString());
    }

    /// <summary>An OOM event counts on memory.events always and on memory.events.local only for the group it happened to (KERNEL-FACTS: memory.events and .local).</summary>
    [Fact]
    public void AnOomEventCountsLocallyOnlyWhereItHappened()
    {
        var events = new OomEvents(10, 20, 30, 1, 2, 3);
        Assert.Equal(new OomEvents(11, 20, 30, 2, 2, 3), events.Counted(MemcgOomEvent.Oom, local: true));
        Assert.Equal(new OomEvents(11, 20, 30, 1, 2, 3), events.Counted(MemcgOomEvent.Oom, local: false));
        Assert.Equal(new OomEvents(10, 21, 30, 1, 3, 3), events.Counted(MemcgOomEvent.OomKill, local: true));
        Assert.Equal(new OomEvents(10, 21, 30, 1, 2, 3), events.Counted(MemcgOomEvent.OomKill, local: false));
        Assert.Equal(new OomEvents(10, 20, 31, 1, 2, 4), events.Counted(MemcgOomEvent.OomGroupKill, local: true));
        Assert.Equal(new OomEvents(10, 20, 31, 1, 2, 3), events.Counted(MemcgOomEvent.OomGroupKill, local: false));
    }

    [Fact]
    public void AMachinePrintsAsItsTraceHeaderAndSaysWhatIsWrongWithIt()
    {
        Assert.Equal("pages=64 cpus=2", new MachineConfig(64, 2).ToString());
        Assert.Equal("pages=64 cpus=2 cgroups=v1", new MachineConfig(64, 2, CgroupLayout.V1).ToString());
        Assert.Null(new MachineConfig(1, 1).Validate());
        Assert.Null(new MachineConfig(1 << 20, 64, CgroupLayout.V1).Validate());
        Assert.Equal("pages must be in 1..1048576, got 0", new MachineConfig(0, 1).Validate());
        Assert.Equal("pages must be in 1..1048576, got 1048577", new MachineConfig((1 << 20) + 1, 1).Validate());
        Assert.Equal("cpus must be in 1..64, got 0", new MachineConfig(64, 0).Validate());
        Assert.Equal("cpus must be in 1..64, got 65", new MachineConfig(64, 65).Validate());
        Assert.Equal("cgroups must be v1 or v2, got 9", new MachineConfig(64, 1, (CgroupLayout)9).Validate());
    }

    [Fact]
    public void EffectsPrintAsTheTraceReportsThem()
    {
        Assert.Equal("release cgroup=3", new Effect(EffectKind.Release, 3).ToString());
        Assert.Equal("populated cgroup=3 value=1", new Effect(EffectKind.Populated, 3, 1).ToString());
        Assert.Equal("oom-kill task=9 cgroup=3", new Effect(EffectKind.OomKill, 3, 9).ToString());
        Assert.Equal("oom-group-kill cgroup=3", new Effect(EffectKind.OomGroupKill, 3).ToString());
        Assert.Equal("oom domain=3 pages=2 usage=8", new Effect(EffectKind.Oom, 3, 2, 8).ToString());
        Assert.Equal("forkbomb domain=1 record=4 family=12", new Effect(EffectKind.Forkbomb, 1, 4, 12).ToString());
        Assert.Equal("effect-99 cgroup=3 value=1", new Effect((EffectKind)99, 3, 1).ToString());
        var log = new EffectLog();
        Assert.Equal("none", log.ToString());
        log.Add(new Effect(EffectKind.Release, 3));
        log.Add(new Effect(EffectKind.Populated, 3, 0));
        Assert.Equal("release cgroup=3; populated cgroup=3 value=0", log.ToString());
        var same = new EffectLog();
        same.Add(new Effect(EffectKind.Release, 3));
        Assert.False(log.SameAs(same));
        same.Add(new Effect(EffectKind.Populated, 3, 0));
        Assert.True(log.SameAs(same));
        var other = new EffectLog();
        other.Add(new Effect(EffectKind.Release, 3));
        other.Add(new Effect(EffectKind.Populated, 3, 1));
        Assert.False(log.SameAs(other));
    }

    [Fact]
    public void TheForkbombTrackerPrintsItsRecordsAndKnobs()
    {
        Assert.Equal("[mm_record 4 parent 2 task 9 born 1500 ms]", new MmRecordInfo(4, 2, 9, 1500).ToString());
        Assert.Equal("[forkbomb on interval 1000 ms now 2500 ms last check 2000 ms tasks then 7 reclaimed since]",
            new ForkbombInfo(true, 1000, 2500, 2000, 7, true).ToString());
        Assert.Equal("[forkbomb off interval 1000 ms now 0 ms last check 0 ms tasks then 1]", new ForkbombInfo(false, 1000, 0, 0, 1, false).ToString());
    }
}
