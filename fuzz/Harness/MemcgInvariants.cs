using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Model.Slab;

namespace Verify.Fuzz.Harness;

/// <summary>
/// The invariants of memory-cgroup accounting. Check reads one snapshot (I1 no double charge: each
/// user page and kernel charge made once, each group's usage and stat recounted from them through
/// the parent links of live and dying groups; I2 charges follow accounting); CheckStep compares the
/// snapshots around one step under CheckLevel.Full (I3 limits after a successful charge, memory.high
/// after it on v2, kmem on v1, I7 isolation).
/// </summary>
public static class MemcgInvariants
{
    private const long MemoryRoot = 1;

    public static void Check(Snapshot snapshot, Action<string, string> fail)
    {
        if (snapshot.Cgroups.Count == 0 && snapshot.Tasks.Count == 0) return;
        var userRuns = snapshot.Allocations.Where(a => a.Kind is AllocationKind.Anon or AllocationKind.PageCache)
            .Select(a => (a.Pfn, File: a.Kind == AllocationKind.PageCache)).ToHashSet();
        var pages = snapshot.UserPages.Select(p => (p.Pfn, p.File)).ToHashSet();
        if (!userRuns.SetEquals(pages) || pages.Count != snapshot.UserPages.Count)
            fail(Invariant.NoDoubleChargePages, $"{snapshot.UserPages.Count} user pages listed but {userRuns.Count} anon and page-cache allocations; listed only: [{string.Join(' ', pages.Except(userRuns).Take(8))}], allocated only: [{string.Join(' ', userRuns.Except(pages).Take(8))}]");

        CheckPageTables(snapshot, fail);

        var parents = new Dictionary<long, long> { [MemoryRoot] = 0 };
        foreach (var group in snapshot.Cgroups.Where(g => g.Hierarchy == snapshot.Machine.Layout.MemoryHierarchy() && !g.IsRoot)) parents[group.Id] = group.ParentId;
        foreach (var dying in snapshot.DyingMemcgs)
            if (!parents.TryAdd(dying.Id, dying.ParentId)) fail(Invariant.NoDoubleChargePages, $"{dying} is also listed as a live group");
        var current = new Dictionary<long, long>();
        var anon = new Dictionary<long, long>();
        var file = new Dictionary<long, long>();
        var sock = new Dictionary<long, long>();
        var tcp = new Dictionary<long, long>();
        long socketPages = snapshot.Allocations.Count(a => a.Kind == AllocationKind.Socket);
        if (socketPages != snapshot.Sockets.Sum(s => (long)s.Pages))
            fail(Invariant.NoDoubleChargePages, $"{socketPages} socket pages allocated but the sockets hold {snapshot.Sockets.Sum(s => (long)s.Pages)}");
        bool v2 = snapshot.Machine.Layout == CgroupLayout.V2;
        foreach (var socket in snapshot.Sockets.Where(s => s.Charged))
        {
            if (!parents.ContainsKey(socket.CgroupId))
            {
                fail(Invariant.NoDoubleChargePages, $"{socket} is charged to a group that is neither live, dying nor the root");
                continue;
            }
            for (long id = socket.CgroupId; id != 0 && parents.TryGetValue(id, out long parent); id = parent)
            {
                var counts = v2 ? current : tcp;
                counts[id] = counts.GetValueOrDefault(id) + socket.Pages;
                if (v2) sock[id] = sock.GetValueOrDefault(id) + socket.Pages;
            }
        }
        foreach (var page in snapshot.UserPages)
        {
            if (!parents.ContainsKey(page.CgroupId))
            {
                fail(Invariant.NoDoubleChargePages, $"{page} is charged to a group that is neither live, dying nor the root");
                continue;
            }
            for (long id = page.CgroupId; id != 0 && parents.TryGetValue(id, out long parent); id = parent)
            {
                current[id] = current.GetValueOrDefault(id) + 1;
                var stat = page.File ? file : anon;
                stat[id] = stat.GetValueOrDefault(id) + 1;
            }
        }
        var (kernel, reclaimable, unreclaimable, stack, tables) = KernelBelow(snapshot, parents, fail);
        foreach (var group in snapshot.Memory)
        {
            long pagesBelow = current.GetValueOrDefault(group.Id), kernelBelow = kernel.GetValueOrDefault(group.Id);
            if (group.Current != pagesBelow + kernelBelow || group.Anon != anon.GetValueOrDefault(group.Id) || group.File != file.GetValueOrDefault(group.Id)
                || group.Sock != sock.GetValueOrDefault(group.Id) || group.TcpUsage != tcp.GetValueOrDefault(group.Id) || group.Kernel != kernelBelow
                || group.SlabReclaimable != reclaimable.GetValueOrDefault(group.Id) || group.SlabUnreclaimable != unreclaimable.GetValueOrDefault(group.Id)
                || group.KernelStack != stack.GetValueOrDefault(group.Id) || group.PageTables != tables.GetValueOrDefault(group.Id))
                fail(Invariant.NoDoubleChargeUsage, $"{group} but its subtree holds {pagesBelow} user and socket pages ({anon.GetValueOrDefault(group.Id)} anon, {file.GetValueOrDefault(group.Id)} file, {sock.GetValueOrDefault(group.Id)} sock), {tcp.GetValueOrDefault(group.Id)} tcp pages and {kernelBelow} kernel pages (slab {reclaimable.GetValueOrDefault(group.Id)}/{unreclaimable.GetValueOrDefault(group.Id)} bytes, kernel_stack {stack.GetValueOrDefault(group.Id)} bytes, pagetables {tables.GetValueOrDefault(group.Id)} bytes)");
        }
        // A dying group's counter also keeps the kernel pages it had when removed, which no snapshot lists: at least its pages.
        foreach (var dying in snapshot.DyingMemcgs)
            if (dying.Current < current.GetValueOrDefault(dying.Id) || current.GetValueOrDefault(dying.Id) == 0 && tcp.GetValueOrDefault(dying.Id) == 0)
                fail(Invariant.NoDoubleChargeUsage, $"{dying} but {current.GetValueOrDefault(dying.Id)} pages and {tcp.GetValueOrDefault(dying.Id)} tcp pages are charged in its subtree (a dying group with none is gone)");
    }

    /// <summary>I4 on page tables: per live task ceil(anonymous pages / 512), none for anyone else, exactly the PageTable allocations, and PageTable charges only on them.</summary>
    private static void CheckPageTables(Snapshot snapshot, Action<string, string> fail)
    {
        var anon = snapshot.UserPages.Where(p => !p.File).GroupBy(p => p.OwnerPid).ToDictionary(g => g.Key, g => (long)g.Count());
        var held = snapshot.PageTables.GroupBy(t => t.OwnerPid).ToDictionary(g => g.Key, g => (long)g.Count());
        foreach (var task in snapshot.Tasks)
        {
            long need = KernelConstants.PageTablesFor(anon.GetValueOrDefault(task.Pid));
            if (held.GetValueOrDefault(task.Pid) != need)
                fail(Invariant.ConservationPageTables, $"{task} holds {held.GetValueOrDefault(task.Pid)} page tables for {anon.GetValueOrDefault(task.Pid)} anonymous pages ({need} needed)");
        }
        var live = snapshot.Tasks.Select(t => t.Pid).ToHashSet();
        foreach (var (pid, count) in held.Where(pair => !live.Contains(pair.Key)))
            fail(Invariant.ConservationPageTables, $"task {pid}, which is not live, still holds {count} page tables");
        var tables = snapshot.PageTables.Select(t => t.Pfn).ToHashSet();
        var runs = snapshot.Allocations.Where(a => a.Kind == AllocationKind.PageTable).ToList();
        if (tables.Count != snapshot.PageTables.Count || runs.Count != tables.Count || runs.Any(r => r.Pages != 1 || !tables.Contains(r.Pfn)))
            fail(Invariant.ConservationPageTables, $"{snapshot.PageTables.Count} page tables listed but the PageTable allocations are [{string.Join(' ', runs.Take(8))}]");
        foreach (var charge in snapshot.KernelCharges.Where(c => c.Kind == KernelChargeKind.PageTable && !tables.Contains(c.Key)))
            fail(Invariant.ConservationPageTables, $"{charge} is on no page table");
    }

    /// <summary>
    /// I1 and I2 on the kernel charges: each made once, on a live object of the charged size or a
    /// large kmalloc of the charged pages, never on an object of a user cache with accounting off;
    /// then per live group the kernel pages (per obj_cgroup: whole pages plus ceil(object bytes /
    /// 4096), counted from the group it charges now up) and slab bytes of its subtree.
    /// </summary>
    private static (Dictionary<long, long> Pages, Dictionary<long, long> Reclaimable, Dictionary<long, long> Unreclaimable, Dictionary<long, long> Stack, Dictionary<long, long> Tables) KernelBelow(
        Snapshot snapshot, Dictionary<long, long> parents, Action<string, string> fail)
    {
        var (pages, reclaimable, unreclaimable, stack, tables) = (new Dictionary<long, long>(), new Dictionary<long, long>(), new Dictionary<long, long>(), new Dictionary<long, long>(), new Dictionary<long, long>());
        if (snapshot.KernelCharges.Count == 0) return (pages, reclaimable, unreclaimable, stack, tables);
        var objects = snapshot.SlabObjects.ToDictionary(o => o.Address);
        var caches = snapshot.SlabCaches.ToDictionary(c => c.Id);
        var large = snapshot.LargeKmallocs.ToDictionary(l => l.Pfn, l => l.Order);
        var runs = snapshot.Allocations.ToDictionary(a => a.Pfn);
        var seen = new HashSet<(bool, long)>();
        var perObjcg = new SortedDictionary<long, (long Memcg, long Pages, long Bytes)>();
        foreach (var charge in snapshot.KernelCharges)
        {
            bool isObject = charge.IsObject;
            if (!seen.Add((isObject, charge.Key))) fail(Invariant.NoDoubleChargeKernel, $"{charge} is listed twice");
            if (isObject)
            {
                if (!objects.TryGetValue(charge.Key, out var obj) || KernelConstants.ObjcgFullSize(caches[obj.CacheId].SizeBytes) != charge.Amount)
                    fail(Invariant.NoDoubleChargeKernel, $"{charge} is not a live slab object of that size");
                else if (obj.CacheId >= SlabLayout.FirstUserCacheId && !caches[obj.CacheId].Accounted)
                    fail(Invariant.UnaccountingChargesFollowAccounting, $"{charge} is charged but its cache {caches[obj.CacheId]} has accounting off");
            }
            else if (charge.Kind == KernelChargeKind.Pages ? !large.TryGetValue(charge.Key, out int order) || 1L << order != charge.Amount
                : !runs.TryGetValue(charge.Key, out var run) || run.Pages != charge.Amount
                  || run.Kind != charge.Kind switch
                  {
                      KernelChargeKind.Vmalloc => AllocationKind.Vmalloc,
                      KernelChargeKind.KernelStack => AllocationKind.KernelStack,
                      KernelChargeKind.PageTable => AllocationKind.PageTable,
                      _ => AllocationKind.Block,
                  })
                fail(Invariant.NoDoubleChargeKernel, $"{charge} is not a live large kmalloc, block, vmalloc page, kernel stack or page table of that many pages");
            if (!parents.ContainsKey(charge.Memcg) || snapshot.DyingMemcgs.Any(d => d.Id == charge.Memcg)
                || parents.ContainsKey(charge.Objcg) && !snapshot.DyingMemcgs.Any(d => d.Id == charge.Objcg) && charge.Memcg != charge.Objcg)
            {
                fail(Invariant.NoDoubleChargeKernel, $"{charge} charges neither a live group nor the root, or a live obj_cgroup charges another group");
                continue;
            }
            var sum = perObjcg.GetValueOrDefault(charge.Objcg, (charge.Memcg, 0, 0));
            perObjcg[charge.Objcg] = isObject ? sum with { Bytes = sum.Bytes + charge.Amount } : sum with { Pages = sum.Pages + charge.Amount };
            if (isObject || charge.Kind is KernelChargeKind.KernelStack or KernelChargeKind.PageTable)
            {
                var stat = charge.Kind == KernelChargeKind.SlabReclaimable ? reclaimable : isObject ? unreclaimable : charge.Kind == KernelChargeKind.PageTable ? tables : stack;
                long bytes = isObject ? charge.Amount : charge.Amount * KernelConstants.PageSizeBytes;
                for (long id = charge.Memcg; id != 0 && parents.TryGetValue(id, out long parent); id = parent) stat[id] = stat.GetValueOrDefault(id) + bytes;
            }
        }
        foreach (var (_, (memcg, whole, bytes)) in perObjcg)
            for (long id = memcg; id != 0 && parents.TryGetValue(id, out long parent); id = parent)
                pages[id] = pages.GetValueOrDefault(id) + whole + KernelConstants.PagesFor(bytes);
        return (pages, reclaimable, unreclaimable, stack, tables);
    }

    /// <summary>
    /// Raw usage, peak and failcnt count what stocks hold, so they are compared within the stock
    /// bound, not exactly: the same groups on both sides, the impl's raw usage and watermark at least
    /// the model's (logical) usage and peak and at most the stock bound above them, the impl's
    /// failcnt at least the model's (a batch charge that fails counts too). Returns the
    /// differences, empty when within.
    /// </summary>
    public static List<string> CompareWatermarks(Snapshot model, Snapshot impl)
    {
        var lines = new List<string>();
        long bound = KernelConstants.MemcgStockBound(model.Machine.Cpus);
        var implById = impl.Watermarks.ToDictionary(w => w.Id);
        if (model.Watermarks.Count != impl.Watermarks.Count) lines.Add($"watermarks listed: model {model.Watermarks.Count} groups, impl {impl.Watermarks.Count}");
        foreach (var m in model.Watermarks)
        {
            if (!implById.TryGetValue(m.Id, out var i)) { lines.Add($"memcg {m.Id}: no watermark on the impl"); continue; }
            if (i.RawCurrent < m.RawCurrent || i.RawCurrent > m.RawCurrent + bound) lines.Add($"memcg {m.Id}: raw usage model {m.RawCurrent}, impl {i.RawCurrent} (allowed {m.RawCurrent}..{m.RawCurrent + bound})");
            if (i.Peak < m.Peak || i.Peak > m.Peak + bound) lines.Add($"memcg {m.Id}: peak model {m.Peak}, impl {i.Peak} (allowed {m.Peak}..{m.Peak + bound})");
            if (i.Failcnt < m.Failcnt) lines.Add($"memcg {m.Id}: failcnt model {m.Failcnt}, impl {i.Failcnt} (the impl counts at least as many)");
        }
        return lines;
    }

    /// <summary>The invariants of one step: before and after are one side's snapshots around it.</summary>
    public static void CheckStep(Snapshot before, Snapshot after, Op op, in OpArgs args, Outcome outcome, Action<string, string> fail)
    {
        string keyword = op.Spec.Keyword;
        var was = before.Memory.ToDictionary(g => g.Id);
        var now = after.Memory.ToDictionary(g => g.Id);
        var chain = new HashSet<long>();
        if (op.Spec.ChargesKernel != KernelCharger.None)
        {
            ChainOf(after, op.Spec.ChargesKernel == KernelCharger.TaskArgument ? args.Ref(0).Value : after.CurrentTask, chain);
            if (outcome.IsOk)
            {
                foreach (long id in chain)
                {
                    if (!now.TryGetValue(id, out var group)) continue;
                    if (group.Current > group.Max && group.Kernel > (was.TryGetValue(id, out var old) ? old.Kernel : 0))
                        fail(Invariant.LimitsMemoryAfterCharge, $"{keyword} succeeded but left {group} above memory.max");
                    if (after.Machine.Layout == CgroupLayout.V1 && group.Kernel > group.KmemMax)
                        fail(Invariant.LimitsKmemAfterCharge, $"{keyword} succeeded but left {group} above memory.kmem.limit_in_bytes");
                }
            }
        }
        if (keyword is "task_touch_anon" or "task_touch_file" or "sock_alloc")
        {
            ChainOf(after, args.Ref(0).Value, chain);
            // DoS freedom: a task in a non-root group whose every level has room for the request (a v1
            // socket answers to its tcp limit instead, so it is left out). The next anonymous page of a
            // task holding a multiple of 512 needs a page table too, kernel memory that on v1 must fit
            // the kmem limit as well.
            long pid = args.Ref(0).Value;
            bool table = keyword == "task_touch_anon" && after.UserPages.Count(p => !p.File && p.OwnerPid == pid) % KernelConstants.PtesPerTable == 0;
            long request = keyword == "sock_alloc" ? KernelConstants.PagesFor(args.Int(1)) : table ? 2 : 1;
            bool memoryRequest = keyword != "sock_alloc" || after.Machine.Layout == CgroupLayout.V2;
            bool v1 = after.Machine.Layout == CgroupLayout.V1;
            if (outcome.Errno == Errno.ENOMEM && memoryRequest && chain.Count > 1
                && chain.All(id => !now.TryGetValue(id, out var level) || level.Current + request <= level.Max && (!table || !v1 || level.Kernel + 1 <= level.KmemMax))
                && LimitsFitTheMachine(after))
                fail(Invariant.IsolationDosFreedom, $"{keyword} failed with ENOMEM though every level of the task's chain had room and the top-level limits plus unaccounted memory fit in the machine");
            if (outcome.IsOk)
            {
                foreach (long id in chain)
                {
                    if (!now.TryGetValue(id, out var group)) continue;
                    if (group.Current > group.Max)
                        fail(Invariant.LimitsMemoryAfterCharge, $"{keyword} succeeded but left {group} above memory.max");
                    if (after.Machine.Layout == CgroupLayout.V2 && group.Current > group.High && FileBelow(after, id) > 0)
                        fail(Invariant.LimitsMemoryHigh, $"{keyword} succeeded and left {group} above memory.high with page cache still to reclaim");
                }
            }
        }
        CheckRawCounters(before, after, keyword, fail);
        if (keyword == "cgroup_remove" && outcome.IsOk)
            foreach (var (id, group) in now)
                if (was.TryGetValue(id, out var old) && (group.Current != old.Current || group.Kernel != old.Kernel))
                    fail(Invariant.ConservationReparenting, $"removing a group changed {old} into {group}");
        foreach (var (id, group) in now)
            if (was.TryGetValue(id, out var old) && group.Current > old.Current && !chain.Contains(id))
                fail(Invariant.IsolationMemory, $"{keyword} raised the usage of {group} (was {old.Current}), which is not in the charging task's chain");
    }

    /// <summary>
    /// The raw counters of one side across a step: peak and failcnt of a group listed before and
    /// after never go down; raw usage is above memory.max only while logical usage is too (stocks are
    /// held only under the limit).
    /// </summary>
    private static void CheckRawCounters(Snapshot before, Snapshot after, string keyword, Action<string, string> fail)
    {
        var was = before.Watermarks.ToDictionary(w => w.Id);
        var memory = after.Memory.ToDictionary(m => m.Id);
        foreach (var now in after.Watermarks)
        {
            if (was.TryGetValue(now.Id, out var old) && (now.Peak < old.Peak || now.Failcnt < old.Failcnt))
                fail(Invariant.LimitsRawCounters, $"{keyword} lowered memcg {now.Id}'s peak or failcnt: {old} became {now}");
            if (memory.TryGetValue(now.Id, out var group) && now.RawCurrent > group.Max && group.Current <= group.Max)
                fail(Invariant.LimitsRawCounters, $"after {keyword}, memcg {now.Id}'s raw usage {now.RawCurrent} is above its max {group.Max} though its logical usage {group.Current} is not");
        }
    }

    /// <summary>The memory-hierarchy chain of the task, from its group up to the root (nothing for no live task).</summary>
    private static void ChainOf(Snapshot snapshot, long pid, HashSet<long> chain)
    {
        var task = snapshot.Tasks.FirstOrDefault(t => t.Pid == pid);
        var parents = snapshot.Cgroups.ToDictionary(g => g.Id, g => g.ParentId);
        for (long id = task.Cgroup0; id != 0 && parents.TryGetValue(id, out long parent); id = parent) chain.Add(id);
    }

    /// <summary>
    /// The DoS-freedom premise: the top-level memory groups' limits (or their usage, where a lowered
    /// limit left it above), the dying top-level groups' usage and every page no non-root group is
    /// charged for (kernel allocations, the root's tasks, uncharged sockets) fit in the machine.
    /// </summary>
    private static bool LimitsFitTheMachine(Snapshot snapshot)
    {
        const long root = 1;
        var topLevel = snapshot.Cgroups.Where(g => g.ParentId == root && g.Hierarchy == snapshot.Machine.Layout.MemoryHierarchy()).Select(g => g.Id).ToHashSet();
        long limits = 0;
        foreach (var group in snapshot.Memory.Where(m => topLevel.Contains(m.Id)))
        {
            if (group.Max == KernelConstants.LimitUnlimited) return false;
            limits += Math.Max(group.Max, group.Current);
        }
        limits += snapshot.DyingMemcgs.Where(d => d.ParentId == root).Sum(d => d.Current);
        long allocated = snapshot.Allocations.Sum(a => a.Pages);
        long chargedBelowRoot = snapshot.Memory.Where(m => topLevel.Contains(m.Id)).Sum(m => m.Current) + snapshot.DyingMemcgs.Where(d => d.ParentId == root).Sum(d => d.Current);
        return limits + (allocated - chargedBelowRoot) <= snapshot.Machine.Pages;
    }

    /// <summary>Page-cache pages charged in the group's subtree (live and dying descendants).</summary>
    private static long FileBelow(Snapshot snapshot, long groupId) =>
        snapshot.Memory.FirstOrDefault(g => g.Id == groupId).File;
}
