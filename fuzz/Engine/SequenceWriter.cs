using Verify.Fuzz.Harness;
using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Model.Slab;

namespace Verify.Fuzz.Engine;

/// <summary>
/// Writes one scenario's operations from its swarm plan: picks by weight and draws arguments with
/// the mood's overrides (one favourite order, small orders when fragmenting; when churning one
/// cache, one fixed large-object cache or kmalloc class, and half its frees aimed at the newest
/// object). A mood with a kind first makes the handles that kind's producers need (a valid cache
/// for slab objects). StaleAfterReuse writes bursts
///   make, free(newest), make again (same arguments: the freed slot is reused), stale(newest freed),
///   another use of the newest (an interior or wrong-cache free, a pin) when one is enabled,
///   free(newest), stale(newest freed)
/// aimed with an estimate of how many handles of the kind are live and freed (as if every call
/// succeeded; a wrong estimate still names some handle, as references are taken modulo).
/// </summary>
internal sealed class SequenceWriter
{
    private SplitMix64 _random;
    private readonly SwarmPlan _plan;
    private readonly Mood _mood;
    private readonly HandleKind? _kind;
    private readonly int _count;
    private readonly int _favouriteOrder;
    private readonly List<Op> _ops = new();
    private readonly int[] _live = new int[Enum.GetValues<HandleKind>().Length];
    private readonly int[] _dead = new int[Enum.GetValues<HandleKind>().Length];

    /// <summary>ChurnOneCache: the one cache_create (or kmalloc) every draw of that operation repeats.</summary>
    private readonly Dictionary<int, Op> _fixed = new();

    /// <summary>DeepHierarchy's chain: 6 to 10 nested groups.</summary>
    public const int DeepChainMin = 6, DeepChainMax = 10;

    /// <summary>ForkBomb's pids.max: 0 to 60.</summary>
    public const int BombLimitMax = 60;

    /// <summary>MemoryPressure's limits: 0 to 64 pages.</summary>
    public const int PressureLimitMax = 64;

    private int _pressureGroup;

    /// <summary>KernelMemory's parent group (its child is the newest group).</summary>
    private int _kernelParent;

    /// <summary>KernelMemory's limits on the parent: memory.max 1 to 24 pages, v1 kmem 1 to 6 (a few large kmallocs, or some hundred objects).</summary>
    public const int KernelMemoryLimitMax = 24, KernelKmemLimitMax = 6;

    /// <summary>The operations KernelMemory works through: accounted allocations and frees, the switch, CPUs, moves, removals and limits.</summary>
    public static bool IsKernelMoodOp(OpSpec spec) => spec.Keyword is "cache_alloc" or "cache_free" or "kmalloc" or "kfree" or "cache_set_account"
        or "run_on" or "task_attach" or "cgroup_remove" or "cgroup_create" or "cgroup_set_limit"
        or "alloc_pages_account" or "vmalloc_account" or "free_pages" or "vfree" or "dentry_alloc" or "shrink" or "cache_free_bulk";

    /// <summary>
    /// OutOfMemory's group limit: 8 to 96 pages, or (half the time, room for a fork tree of 10 and
    /// more at 6 pages a fork) up to 384; one scenario in 5 has big tasks instead: a limit of 384 to
    /// 1600 pages, room for a task to take a second and a third page table (513 and 1025 pages).
    /// </summary>
    public const int OomLimitMin = 8, OomLimitMax = 96, OomTreeLimitMax = 384, OomBigLimitMax = 1600;

    /// <summary>OutOfMemory's group (its child is the next cgroup handle).</summary>
    private int _oomGroup;

    /// <summary>OutOfMemory with big tasks: touches of 64 pages most of the time, limit writes up to OomBigLimitMax.</summary>
    private bool _oomBigTasks;

    /// <summary>The operations OutOfMemory works through.</summary>
    public static bool IsOomMoodOp(OpSpec spec) => spec.Keyword is "task_touch_anon" or "task_fork" or "task_exit" or "tick" or "cgroup_set_limit"
        or "task_set_oom_score_adj" or "task_exec" or "cgroup_set_oom_group" or "forkbomb_set_interval" or "forkbomb_enable";

    private readonly MachineConfig _machine;

    public SequenceWriter(SplitMix64 random, SwarmPlan plan, Mood mood, HandleKind? kind, int count, MachineConfig machine)
    {
        _machine = machine;
        foreach (var handle in Alphabet.InitialHandles(machine)) _live[(int)handle.Kind]++;
        _random = random;
        _plan = plan;
        _mood = mood;
        _kind = kind;
        _count = count;
        _favouriteOrder = (int)_random.Range(0, Alphabet.AllocOrderMax);
        if (mood != Mood.ChurnOneCache) return;
        // Large objects, a few per slab of the largest order: slabs fill, go partial and empty within a few calls.
        if (kind == HandleKind.SlabObject && Alphabet.ByKeyword("cache_create") is { } create)
            _fixed[create.Code] = new Op(create.Code, _random.Range(SlabGeometry.ObjectSizeMax / 6 + 1, SlabGeometry.ObjectSizeMax / 2), _random.Range(0, 6), _random.Range(0, (long)SlabFlags.All));
        if (kind == HandleKind.KmallocObject && Alphabet.ByKeyword("kmalloc") is { } kmalloc)
            _fixed[kmalloc.Code] = new Op(kmalloc.Code, _random.Range(SlabLayout.KmallocMaxCacheBytes / 2 + 1, SlabLayout.KmallocMaxCacheBytes), _random.Range(0, 2));
    }

    public List<Op> Write()
    {
        if (_kind is { } kind) Prelude(kind);
        if (_mood == Mood.ChurnOneCache && _kind == HandleKind.SlabObject && _random.Chance(ReleaseBurstPercent)) ReleaseBurst();
        if (_mood == Mood.DeepHierarchy) DeepChain();
        if (_mood == Mood.ForkBomb) BombGroup();
        if (_mood == Mood.MemoryPressure) PressureGroup();
        if (_mood == Mood.KernelMemory) KernelGroups();
        if (_mood == Mood.OutOfMemory) OomGroups();
        while (_ops.Count < _count)
        {
            if (_mood == Mood.StaleAfterReuse && _random.Chance(20) && Burst(_kind!.Value)) continue;
            var spec = _plan.Pick(ref _random, secondHalf: _ops.Count >= _count / 2);
            // The bomb: most forks are by the newest task, which the prelude put in the limited group.
            if (_mood == Mood.ForkBomb && spec.Keyword == "task_fork" && _random.Chance(70))
            {
                Emit(Aimed(spec, HandleKind.Task));
                continue;
            }
            // Half the protects seal the newest pool and try to change its newest object at once (EPERM, or a rare write).
            if (spec.Keyword == "pool_protect" && _random.Chance(50))
            {
                Emit(Aimed(spec, HandleKind.Pool));
                Emit(Aimed(Alphabet.ByKeyword(_random.Chance(60) ? "pool_write" : "pool_rare_write")!, HandleKind.PoolObject));
                continue;
            }
            if (_mood == Mood.MemoryPressure && Alphabet.IsMemcgOp(spec) && _random.Chance(70))
            {
                Emit(Pressed(spec));
                continue;
            }
            if (_mood == Mood.OutOfMemory && _random.Chance(70))
            {
                Emit(Oomed());
                continue;
            }
            if (_mood == Mood.KernelMemory && _random.Chance(4))
            {
                Reparent();
                continue;
            }
            if (_mood == Mood.KernelMemory && (spec.Keyword is "kmalloc" or "run_on" && _random.Chance(70) || _random.Chance(50)))
            {
                Emit(spec.Keyword is "kmalloc" or "run_on" ? Kerneled(spec) : KernelAllocation());
                continue;
            }
            // Churn: half the frees of the churned kind take the newest handle back (alloc, free, alloc: the same slot again).
            Emit(_mood == Mood.ChurnOneCache && OpRoles.Consumes(spec) == _kind && _random.Chance(50) ? Aimed(spec, _kind!.Value) : Draw(spec));
        }
        return _ops;
    }

    /// <summary>How often ChurnOneCache on a user cache starts with a release burst.</summary>
    public const int ReleaseBurstPercent = 40;

    /// <summary>
    /// ChurnOneCache on its user cache: min_partial + 2 slabs filled, one object freed in each (last
    /// slab first, so the references of the earlier objects stay put) so that all are partial, then
    /// the rest of the first slab freed: it empties with more than min_partial partial slabs and goes
    /// back to the buddy allocator (the state otherwise reached in about one scenario in 600).
    /// </summary>
    private void ReleaseBurst()
    {
        if (!_fixed.TryGetValue(Alphabet.ByKeyword("cache_create")!.Code, out var create)) return;
        var geometry = SlabGeometry.For((int)create.Arg(0), 1 << (int)create.Arg(1), (SlabFlags)create.Arg(2), _machine.Cpus);
        int slabs = geometry.MinPartial + 2, perSlab = geometry.ObjectsPerSlab, first = _live[(int)HandleKind.SlabObject];
        if (perSlab < 2) return;
        for (int i = 0; i < slabs * perSlab && _ops.Count < _count; i++) Emit(Op.Of("cache_alloc", 0));
        for (int slab = slabs - 1; slab >= 0 && _ops.Count < _count; slab--) Emit(Op.Of("cache_free", first + slab * perSlab));
        for (int i = 1; i < perSlab && _ops.Count < _count; i++) Emit(Op.Of("cache_free", first));
    }

    /// <summary>DeepHierarchy: a chain of nested groups under one root (on v1 with notify_on_release inherited from it), then a few children of init spread down it.</summary>
    private void DeepChain()
    {
        int root = (int)_random.Range(0, _machine.Layout.HierarchyCount() - 1);
        int depth = (int)_random.Range(DeepChainMin, DeepChainMax);
        // v1: the chain inherits notify_on_release from its root, so groups emptied by moves raise releases.
        if (_machine.Layout == CgroupLayout.V1) Emit(Op.Of("cgroup_set_notify_on_release", root, 1));
        int first = _live[(int)HandleKind.Cgroup];
        Emit(Op.Of("cgroup_create", root));
        for (int level = 1; level < depth; level++) Emit(Op.Of("cgroup_create", _live[(int)HandleKind.Cgroup] - 1));
        for (int task = 0; task < 4; task++)
        {
            Emit(Op.Of("task_fork", 0));
            Emit(Op.Of("task_attach", _live[(int)HandleKind.Task] - 1, _random.Range(first, Math.Max(first, _live[(int)HandleKind.Cgroup] - 1))));
        }
    }

    /// <summary>ForkBomb: a group of the pids hierarchy with a tight pids.max, and a child of init moved into it.</summary>
    private void BombGroup()
    {
        Emit(Op.Of("cgroup_create", _machine.Layout.PidsHierarchy()));
        int group = _live[(int)HandleKind.Cgroup] - 1;
        Emit(Op.Of("cgroup_set_pids_max", group, _random.Range(0, BombLimitMax)));
        Emit(Op.Of("task_fork", 0));
        Emit(Op.Of("task_attach", _live[(int)HandleKind.Task] - 1, group));
    }

    /// <summary>
    /// MemoryPressure: a memory group with a small memory.max (on v1 a tcp limit of 1 to 15 pages too)
    /// and a child of init moved into it; or,
    /// half the time, a group with a limit of 64 to 192 pages (room for a batch, so stocks fill) and
    /// two children with a task each, the first of which touches one page (its stock keeps the rest
    /// of the batch) before the second, the newest task, presses against the shared limit.
    /// </summary>
    private void PressureGroup()
    {
        Emit(Op.Of("cgroup_create", _machine.Layout.MemoryHierarchy()));
        _pressureGroup = _live[(int)HandleKind.Cgroup] - 1;
        bool shared = _random.Chance(50);
        Emit(Op.Of("cgroup_set_limit", _pressureGroup, (long)MemcgCounter.Memory,
            shared ? _random.Range(KernelConstants.MemcgChargeBatch, 3 * KernelConstants.MemcgChargeBatch) : _random.Range(1, PressureLimitMax)));
        int children = shared ? 2 : 0;
        for (int child = 0; child < children; child++)
        {
            Emit(Op.Of("cgroup_create", _pressureGroup));
            Emit(Op.Of("task_fork", 0));
            Emit(Op.Of("task_attach", _live[(int)HandleKind.Task] - 1, _live[(int)HandleKind.Cgroup] - 1));
            if (child == 0) Emit(Op.Of("task_touch_anon", _live[(int)HandleKind.Task] - 1, 1));
        }
        if (shared) return;
        // v1: a small tcp limit too, so the group's sockets are accounted and some do not fit.
        if (_machine.Layout == CgroupLayout.V1)
            Emit(Op.Of("cgroup_set_limit", _pressureGroup, (long)MemcgCounter.Tcp, _random.Range(1, 16)));
        Emit(Op.Of("task_fork", 0));
        Emit(Op.Of("task_attach", _live[(int)HandleKind.Task] - 1, _pressureGroup));
    }

    /// <summary>OutOfMemory: a tight memory group and its child (on v2 oom.group on both, or one, 3 times in 5), and 3 to 6 children of init, most in the child, with varied adj.</summary>
    private void OomGroups()
    {
        Emit(Op.Of("cgroup_create", _machine.Layout.MemoryHierarchy()));
        _oomGroup = _live[(int)HandleKind.Cgroup] - 1;
        _oomBigTasks = _random.Chance(20);
        long limit = _oomBigTasks ? _random.Range(OomTreeLimitMax, OomBigLimitMax)
            : _random.Chance(50) ? _random.Range(OomLimitMin, OomLimitMax) : _random.Range(OomLimitMax, OomTreeLimitMax);
        Emit(Op.Of("cgroup_set_limit", _oomGroup, (long)MemcgCounter.Memory, limit));
        Emit(Op.Of("cgroup_create", _oomGroup));
        bool flagged = _machine.Layout == CgroupLayout.V2 && _random.Chance(60);
        if (flagged)
        {
            // Both flagged 4 times in 5 (the highest flagged group is the one killed whole), else one of the two.
            long first = _random.Range(0, 1);
            Emit(Op.Of("cgroup_set_oom_group", _oomGroup + first, 1));
            if (_random.Chance(80)) Emit(Op.Of("cgroup_set_oom_group", _oomGroup + 1 - first, 1));
        }
        for (long task = 0, tasks = _random.Range(3, 6); task < tasks; task++)
        {
            Emit(Op.Of("task_fork", 0));
            // Most tasks in the child: a victim there, under a flagged parent, shows which flagged group dies whole.
            Emit(Op.Of("task_attach", _live[(int)HandleKind.Task] - 1, _oomGroup + (_random.Chance(70) ? 1 : 0)));
            // With a flagged group, the first task is exempt half the time: a sweep must spare it.
            if (flagged && task == 0 && _random.Chance(50)) Emit(Op.Of("task_set_oom_score_adj", _live[(int)HandleKind.Task] - 1, KernelConstants.OomScoreAdjMin));
            else if (_random.Chance(40)) Emit(Op.Of("task_set_oom_score_adj", _live[(int)HandleKind.Task] - 1, OomAdj()));
        }
    }

    /// <summary>An oom_score_adj: -1000 (never killed), -500, 500, 1000, or 0 the rest of the time.</summary>
    private long OomAdj() => _random.Range(0, 6) switch { 0 => KernelConstants.OomScoreAdjMin, 1 => -500, 2 => 500, 3 => KernelConstants.OomScoreAdjMax, _ => 0 };

    /// <summary>
    /// OutOfMemory's own draw, in hundredths: a touch by any task (40; 1 to 4 pages half the time, so fork trees grow before the limit binds), a fork of the newest (26), a
    /// tick (2, a whole default interval half the time: aging that often would forget the fork trees before they grow), a memory.max write near the limits (10, on the child a quarter of the time), an
    /// adj write (8), an exec (6), an oom.group write (4), a reset interval (4). With big tasks a touch is of 64 pages 3 times in 4,
    /// mostly by the first task forked (one task must grow past 512 pages), and a memory.max write goes up to OomBigLimitMax.
    /// </summary>
    private Op Oomed()
    {
        // The estimate of live tasks can fall to 0 (exits counted, kills not): references are taken modulo, so any index names a task.
        long tasks = Math.Max(1, _live[(int)HandleKind.Task]), anyTask = _random.Range(0, tasks - 1);
        return _random.Range(0, 99) switch
        {
            < 40 when _oomBigTasks && _random.Chance(75) => Op.Of("task_touch_anon", _random.Chance(70) ? 1 : anyTask, Alphabet.TouchPagesMax),
            < 40 => Op.Of("task_touch_anon", anyTask, _random.Range(1, _random.Chance(50) ? 4 : Alphabet.TouchPagesMax)),
            < 66 => Op.Of("task_fork", tasks - 1),
            < 68 => Op.Of("tick", _random.Chance(50) ? KernelConstants.ForkbombIntervalDefaultMs : _random.Range(0, KernelConstants.TickMaxMs)),
            < 78 => Op.Of("cgroup_set_limit", _oomGroup + (_random.Chance(25) ? 1 : 0), (long)MemcgCounter.Memory, _random.Range(0, _oomBigTasks ? OomBigLimitMax : OomLimitMax)),
            < 86 => Op.Of("task_set_oom_score_adj", anyTask, OomAdj()),
            < 92 => Op.Of("task_exec", anyTask),
            < 96 => Op.Of("cgroup_set_oom_group", _oomGroup + _random.Range(0, 1), _random.Range(0, 1)),
            _ => Op.Of("forkbomb_set_interval", _random.Range(KernelConstants.ForkbombIntervalMinMs, KernelConstants.ForkbombIntervalDefaultMs)),
        };
    }

    /// <summary>KernelMemory: a group (limits half the time) and its child, a child of init moved into the child and made current, and an accounted cache.</summary>
    private void KernelGroups()
    {
        Emit(Op.Of("cgroup_create", _machine.Layout.MemoryHierarchy()));
        _kernelParent = Newest(HandleKind.Cgroup);
        Emit(Op.Of("cgroup_create", _kernelParent));
        if (_random.Chance(60)) Emit(Op.Of("cgroup_set_limit", _kernelParent, (long)MemcgCounter.Memory, _random.Range(1, KernelMemoryLimitMax)));
        if (_machine.Layout == CgroupLayout.V1 && _random.Chance(60))
            Emit(Op.Of("cgroup_set_limit", _kernelParent, (long)MemcgCounter.Kmem, _random.Range(1, KernelKmemLimitMax)));
        Emit(Op.Of("task_fork", 0));
        Emit(Op.Of("task_attach", Newest(HandleKind.Task), Newest(HandleKind.Cgroup)));
        Emit(Kerneled(Alphabet.ByKeyword("run_on")!));
        var flags = _random.Chance(25) ? SlabFlags.Account | SlabFlags.ReclaimAccount : _random.Chance(30) ? SlabFlags.Account | SlabFlags.HwcacheAlign : SlabFlags.Account;
        Emit(Op.Of("cache_create", _random.Range(8, 8L << (int)_random.Range(0, 8)), 0, (long)flags));
    }

    /// <summary>KernelMemory: the newest task moves to the parent, the child is removed under its live objects, and a new child gets the task.</summary>
    private void Reparent()
    {
        int task = Newest(HandleKind.Task);
        Emit(Op.Of("task_attach", task, _kernelParent));
        Emit(Op.Of("cgroup_remove", Newest(HandleKind.Cgroup)));
        Emit(Op.Of("cgroup_create", _kernelParent));
        Emit(Op.Of("task_attach", task, Newest(HandleKind.Cgroup)));
    }

    /// <summary>
    /// KernelMemory's own draw, in 33rds (a bulk free of 1 to 16 slots from any object: 2), and in 33rds of the rest: an accounted kmalloc (7), an object of the newest cache (4),
    /// a free of the newest kmalloc or object (5), an accounted block of order 0 to 3 (2) or vmalloc
    /// area of 1 to 8 pages (2), a free of the newest block or area (2), a CPU switch (3), a dentry
    /// (3: a long name half the time) or a shrink of a few (1), a limit near usage on the parent (4:
    /// v1 kmem 4 times in 5, else memory.max), which reclaims the group's dentries when page cache falls short.
    /// </summary>
    private Op KernelAllocation()
    {
        if (_random.Range(0, 32) < 2) return Draw(Alphabet.ByKeyword("cache_free_bulk")!);
        long pick = _random.Range(0, 32);
        if (pick >= 29)
        {
            var counter = _machine.Layout == CgroupLayout.V1 && _random.Chance(80) ? MemcgCounter.Kmem : MemcgCounter.Memory;
            return Op.Of("cgroup_set_limit", _kernelParent, (long)counter, _random.Range(0, counter == MemcgCounter.Kmem ? KernelKmemLimitMax : KernelMemoryLimitMax));
        }
        if (pick >= 25) return pick == 25 ? Op.Of("shrink", _random.Range(1, 8)) : Op.Of("dentry_alloc", _random.Chance(50) ? _random.Range(0, SlabLayout.DentryInlineNameBytes) : _random.Range(SlabLayout.DentryInlineNameBytes + 1, 200));
        return pick switch
        {
            < 7 => Kerneled(Alphabet.ByKeyword("kmalloc")!),
            < 11 => Aimed(Alphabet.ByKeyword("cache_alloc")!, HandleKind.Cache),
            < 14 => Aimed(Alphabet.ByKeyword("kfree")!, HandleKind.KmallocObject),
            < 16 => Aimed(Alphabet.ByKeyword("cache_free")!, HandleKind.SlabObject),
            < 18 => Op.Of("alloc_pages_account", _random.Range(0, 3)),
            < 20 => Op.Of("vmalloc_account", _random.Range(1, 8 * KernelConstants.PageSizeBytes)),
            < 21 => Aimed(Alphabet.ByKeyword("free_pages")!, HandleKind.PageRun),
            < 22 => Aimed(Alphabet.ByKeyword("vfree")!, HandleKind.VmallocArea),
            _ => Kerneled(Alphabet.ByKeyword("run_on")!),
        };
    }

    /// <summary>A KernelMemory operation: run_on the newest task on a random CPU; kmalloc with __GFP_ACCOUNT (with __GFP_RECLAIMABLE a quarter of the time), mostly small.</summary>
    private Op Kerneled(OpSpec spec)
    {
        if (spec.Keyword == "run_on") return Op.Of("run_on", Newest(HandleKind.Task), _random.Range(0, _machine.Cpus - 1));
        long bytes = _random.Chance(75) ? _random.Range(1, 1L << (int)_random.Range(3, 11)) : _random.Range(SlabLayout.KmallocMaxCacheBytes + 1, 4 * SlabLayout.KmallocMaxCacheBytes);
        return Op.Of("kmalloc", bytes, (long)(_random.Chance(25) ? KmallocFlags.Account | KmallocFlags.Reclaimable : KmallocFlags.Account));
    }

    /// <summary>The reference of the newest live handle of the kind by the estimate (0 when none is live).</summary>
    private int Newest(HandleKind kind) => (int)Math.Clamp(_live[(int)kind] - 1, 0, ArgSpec.RefIndexMax);

    /// <summary>A memory operation of the pressure mood: by the newest task (sockets of one page or of 4 to 16), or a memory, high or (v1) tcp limit near usage on the pressed group.</summary>
    private Op Pressed(OpSpec spec)
    {
        var op = Aimed(spec, HandleKind.Task);
        // Sockets of one page and of 4 to 16: the small ones fit where the large ones do not.
        if (spec.Keyword == "sock_alloc") return op.WithArg(1, _random.Chance(50) ? _random.Range(1, KernelConstants.PageSizeBytes) : _random.Range(4 * KernelConstants.PageSizeBytes, KernelConstants.SockBytesMax));
        if (spec.Keyword != "cgroup_set_limit") return op;
        var counter = _machine.Layout == CgroupLayout.V1 && _random.Chance(40) ? MemcgCounter.Tcp : _random.Chance(70) ? MemcgCounter.Memory : MemcgCounter.High;
        return op.WithArg(0, _pressureGroup).WithArg(1, (long)counter).WithArg(2, _random.Range(0, PressureLimitMax));
    }

    /// <summary>One handle of each other kind the kind's producer names (a cache before slab objects).</summary>
    private void Prelude(HandleKind kind)
    {
        var producer = _plan.PickEnabled(ref _random, spec => OpRoles.Produces(spec) == kind);
        if (producer is null) return;
        foreach (var needed in OpRoles.LiveRefKinds(producer).Where(k => k != kind).Distinct())
        {
            var maker = _plan.PickEnabled(ref _random, spec => OpRoles.Produces(spec) == needed);
            if (maker is null) continue;
            Emit(maker.Keyword == "cache_create" && !_fixed.ContainsKey(maker.Code) ? ValidCacheCreate(maker) : Draw(maker));
        }
    }

    private bool Burst(HandleKind kind)
    {
        var make = _plan.PickEnabled(ref _random, spec => OpRoles.Produces(spec) == kind);
        var free = _plan.PickEnabled(ref _random, spec => OpRoles.Consumes(spec) == kind);
        var stale = _plan.PickEnabled(ref _random, spec => OpRoles.HasStaleRef(spec, kind));
        if (make is null || free is null || stale is null) return false;
        var use = _plan.PickEnabled(ref _random, spec => OpRoles.LiveRefKinds(spec).Contains(kind) && OpRoles.Consumes(spec) != kind && OpRoles.Produces(spec) is null);
        var made = Draw(make);
        Emit(made);
        Emit(Aimed(free, kind));
        Emit(made);
        Emit(Aimed(stale, kind));
        if (use is not null) Emit(Aimed(use, kind));
        Emit(Aimed(free, kind));
        Emit(Aimed(stale, kind));
        return true;
    }

    /// <summary>The operation with its references of the kind at the newest live (or, stale, the newest freed) handle by the estimate.</summary>
    private Op Aimed(OpSpec spec, HandleKind kind)
    {
        var op = Draw(spec);
        for (int a = 0; a < spec.Args.Count; a++)
        {
            var arg = spec.Args[a];
            if (!arg.IsReference || arg.RefKind != kind) continue;
            int count = arg.Kind == ArgKind.StaleRef ? _dead[(int)kind] : _live[(int)kind];
            op = op.WithArg(a, Math.Clamp(count - 1, 0, ArgSpec.RefIndexMax));
        }
        return op;
    }

    private void Emit(Op op)
    {
        if (_ops.Count >= _count) return;
        _ops.Add(op);
        if (OpRoles.Produces(op.Spec) is { } made) _live[(int)made]++;
        if (OpRoles.Consumes(op.Spec) is { } freed && _live[(int)freed] > 0)
        {
            _live[(int)freed]--;
            _dead[(int)freed] = Math.Min(_dead[(int)freed] + 1, HandleTable.DeadPerKindMax);
        }
    }

    private Op Draw(OpSpec spec)
    {
        if (_fixed.TryGetValue(spec.Code, out var repeated)) return repeated;
        var op = new Op(spec.Code);
        for (int a = 0; a < spec.Args.Count; a++)
        {
            var arg = spec.Args[a];
            long value = arg.Name == "order" && _mood == Mood.FavouriteOrder && _random.Chance(70) ? _favouriteOrder : Value(arg);
            if (arg.Name == "order" && _mood == Mood.Fragment && _random.Chance(80)) value = _random.Chance(75) ? 0 : 1;
            if (_mood == Mood.ChurnOneCache && arg.Kind == ArgKind.Ref && arg.RefKind == HandleKind.Cache) value = 0;
            op = op.WithArg(a, value);
        }
        return op;
    }

    /// <summary>A cache_create that succeeds whenever memory allows: size 8 bytes to 4 KiB (log-uniform), alignment up to 64, any flags.</summary>
    private Op ValidCacheCreate(OpSpec create) =>
        new(create.Code, _random.Range(8, 8L << (int)_random.Range(0, 9)), _random.Range(0, 6), _random.Range(0, (long)SlabFlags.All));

    private long Value(ArgSpec arg)
    {
        if (arg.IsReference) return _random.Chance(30) ? 0 : _random.Range(0, ArgSpec.RefIndexMax);
        // The edges one time in ten (logarithmic) or five (uniform: the largest order, the dentry cache among the setup caches).
        if (_random.Chance(arg.Spread == Spread.Uniform ? 20 : 10)) return _random.Chance(50) ? arg.Min : arg.Max;
        if (arg.Spread == Spread.Uniform) return _random.Range(arg.Min, arg.Max);
        // Logarithmic: a random power of two, then a random value up to it.
        int bits = 64 - (int)ulong.LeadingZeroCount((ulong)(arg.Max - arg.Min));
        long top = Math.Min(arg.Max - arg.Min, (1L << (int)_random.Range(0, bits)) - 1);
        return arg.Min + _random.Range(0, top);
    }
}
