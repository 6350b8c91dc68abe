using Verify.Model.Contract;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Model.Memcg;

/// <summary>
/// Kernel memory (KERNEL-FACTS.md, "Memory cgroup charging" and "Kernel memory and TCP limits"),
/// kept plain: a list of live charges, each made through the obj_cgroup of the current task's
/// memory group (nothing is charged in a root). An obj_cgroup holds its whole-page charges plus
/// ceil(its live object bytes / 4096) pages (both sums kept beside the list); a live group counts
/// the pages of every obj_cgroup of its subtree, summed whenever asked. A charge recounts its obj_cgroup with the new charge in:
/// n more pages go through try_charge with the slow path (Charge, which asks n again before every
/// try: a reclaim round may free dentries of the same obj_cgroup); on v1 every level's kmem counter
/// must then hold them too, else ENOMEM without reclaim (the memory charge is cancelled); n = 0
/// always succeeds. After a successful charge, memory.high is enforced as for user pages.
/// A removed group's obj_cgroup keeps its charges (reparenting: the ancestors still count them and
/// a free uncharges them); the removed group's own counter keeps the kernel pages it had at removal.
/// </summary>
public sealed partial class MemoryCgroups
{
    private sealed class KernelCharge(KernelChargeKind kind, long key, long objcg, long amount)
    {
        public KernelChargeKind Kind { get; } = kind;
        public long Key { get; } = key;
        public long Objcg { get; } = objcg;
        public long Amount { get; } = amount;
        public bool IsObject => Kind is KernelChargeKind.Slab or KernelChargeKind.SlabReclaimable;
    }

    private readonly List<KernelCharge> _kernel = [];

    /// <summary>Each obj_cgroup's chain (its group up to the root), fixed when it is first charged: groups never move.</summary>
    private readonly Dictionary<long, long[]> _objcgChains = [];

    /// <summary>Each obj_cgroup's whole pages and live object bytes: the sums of its charges in the list, kept with it.</summary>
    private readonly Dictionary<long, (long Pages, long Bytes)> _objcgTotals = [];

    /// <summary>
    /// Charges amount (bytes of an object, or pages) for the thing at key to the memory group of the
    /// charging task (the current task unless a fork names the forking one); ENOMEM when it does not fit.
    /// </summary>
    public Outcome ChargeKernel(KernelChargeKind kind, long key, long amount, long? chargingPid = null)
    {
        _digest = null;
        long charger = chargingPid ?? _containers.CurrentTask;
        long group = _containers.MemoryGroupOf(charger)!.Value;
        var chain = _containers.ChainOf(group)!;
        if (chain.Length == 1) return Outcome.Ok(0);
        _objcgChains.TryAdd(group, chain);
        var charge = new KernelCharge(kind, key, group, amount);
        // The pages the obj_cgroup grows by, asked again before every try: reclaim may free its dentries.
        var charged = Charge(chain, () => (int)(PagesOf(With(Totals(group), charge, +1)) - ObjcgPages(group)), charger);
        if (!charged.IsOk) return charged;
        long pages = charged.Value;
        if (pages > 0 && !ChargeKmem(chain, pages)) return Outcome.Fail(Errno.ENOMEM);
        _kernel.Add(charge);
        _objcgTotals[group] = With(Totals(group), charge, +1);
        ReclaimAboveHigh(chain);
        return Outcome.Ok(0);
    }

    /// <summary>Set by the kernel: frees up to count unpinned dentries charged in the group's subtree, oldest first; returns how many.</summary>
    public Func<long, long, long>? ShrinkDentries { get; set; }

    /// <summary>Whether the object at the address is charged through an obj_cgroup whose chain has the group (it charges the group's subtree).</summary>
    public bool IsObjectChargedBelow(long address, long group) => _kernel.Any(c => c.IsObject && c.Key == address && _objcgChains[c.Objcg].Contains(group));

    /// <summary>
    /// One reclaim round on the group: up to count page-cache pages of its subtree, oldest first;
    /// when that is short, up to ReclaimDentriesPerPage unpinned dentries charged in the subtree per
    /// page short. Returns pages and dentries freed (0: the round made no progress).
    /// </summary>
    private long ReclaimRound(long group, long count)
    {
        long freed = ReclaimOldest(FileIn(group), count);
        if (freed < count && ShrinkDentries is { } shrink) freed += shrink(group, (count - freed) * ReclaimDentriesPerPage);
        if (freed > 0) ReclaimFreed?.Invoke();
        return freed;
    }

    /// <summary>
    /// try_charge on the kmem counters (their max is "max" on v2): from the group up, the first level
    /// the pages would take above its kmem max fails (ENOMEM, no reclaim); levels before it bump
    /// their watermark, as page_counter_try_charge does.
    /// </summary>
    private bool ChargeKmem(long[] chain, long pages)
    {
        foreach (long level in Charged(chain))
        {
            long usage = KernelPages(level) + pages;
            if (usage > Limit(level).KmemMax) return false;
            Limit(level).KmemPeak = Math.Max(Limit(level).KmemPeak, usage);
        }
        return true;
    }

    /// <summary>The thing at key was freed: its charge, if it had one, goes (an object's of either slab kind, pages' of that kind).</summary>
    public void UnchargeKernel(KernelChargeKind kind, long key)
    {
        bool isObject = kind is KernelChargeKind.Slab or KernelChargeKind.SlabReclaimable;
        int index = _kernel.FindIndex(c => c.Key == key && (isObject ? c.IsObject : c.Kind == kind));
        if (index < 0) return;
        _digest = null;
        var charge = _kernel[index];
        _kernel.RemoveAt(index);
        _objcgTotals[charge.Objcg] = With(Totals(charge.Objcg), charge, -1);
    }

    /// <summary>A group was removed: its counter keeps the kernel pages it counts now.</summary>
    public void GroupRemoved(long id)
    {
        _digest = null;
        Limit(id).FrozenKernel = LiveKernelPages(id);
    }

    /// <summary>An obj_cgroup's pages: its whole-page charges plus its live object bytes rounded up to pages.</summary>
    private long ObjcgPages(long objcg) => PagesOf(Totals(objcg));

    private static long PagesOf((long Pages, long Bytes) totals) => totals.Pages + PagesFor(totals.Bytes);

    private (long Pages, long Bytes) Totals(long objcg) => _objcgTotals.GetValueOrDefault(objcg);

    private static (long Pages, long Bytes) With((long Pages, long Bytes) totals, KernelCharge charge, int sign) =>
        charge.IsObject ? (totals.Pages, totals.Bytes + sign * charge.Amount) : (totals.Pages + sign * charge.Amount, totals.Bytes);

    /// <summary>The kernel pages a group counts: a removed group what it counted when removed; a live one every obj_cgroup of its subtree.</summary>
    private long KernelPages(long group) => Limit(group).FrozenKernel ?? LiveKernelPages(group);

    private long LiveKernelPages(long group) =>
        _objcgChains.Where(pair => pair.Value.Contains(group)).Sum(pair => ObjcgPages(pair.Key));

    /// <summary>memory.stat slab_reclaimable (reclaimable: true) or slab_unreclaimable of a live group, in bytes.</summary>
    private long SlabBytes(long group, bool reclaimable) => _kernel
        .Where(c => c.IsObject && (c.Kind == KernelChargeKind.SlabReclaimable) == reclaimable && _objcgChains[c.Objcg].Contains(group))
        .Sum(c => c.Amount);

    /// <summary>memory.stat kernel_stack (kind KernelStack) or pagetables (PageTable) of a live group, in bytes.</summary>
    private long KernelPagesBytes(long group, KernelChargeKind kind) => _kernel
        .Where(c => c.Kind == kind && _objcgChains[c.Objcg].Contains(group)).Sum(c => c.Amount * PageSizeBytes);

    public List<KernelChargeInfo> KernelCharges()
    {
        var live = _containers.LiveGroups(_layout.MemoryHierarchy()).ToHashSet();
        return _kernel.Select(c => new KernelChargeInfo(c.Kind, c.Key, c.Objcg, MemcgOf(c.Objcg, live), c.Amount)).OrderBy(c => c.Kind).ThenBy(c => c.Key).ToList();
    }

    /// <summary>objcg->memcg: the first live group of the obj_cgroup's chain, else its root.</summary>
    private long MemcgOf(long objcg, HashSet<long> live) => _objcgChains[objcg].FirstOrDefault(live.Contains, _objcgChains[objcg][^1]);

    private ulong KernelDigest() => _kernel.Aggregate(0UL, (digest, c) => digest + StateDigest.KernelCharge(c.Kind, c.Key, c.Objcg, c.Amount));
}
