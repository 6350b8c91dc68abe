namespace Verify.Impl.Memcg;

/// <summary>
/// Where ByteStocks sends the whole pages it gives back, the two ways mm/memcontrol.c (6.18) does:
/// the caller maps the objcg to its memcg now (after reparenting, the parent; nothing to uncharge
/// when that is the root) and lowers its kernel-memory stat by the pages either way.
/// </summary>
public interface IObjcgPageSink
{
    /// <summary>drain_obj_stock and obj_cgroup_release: memcg_uncharge, straight to the counters, not through a page stock.</summary>
    void UnchargePages(int objcg, int pages);

    /// <summary>refill_obj_stock over a page: obj_cgroup_uncharge_pages, i.e. refill_stock of the memcg on this CPU.</summary>
    void RefillPages(int cpu, int objcg, int pages);
}
