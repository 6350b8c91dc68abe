using Verify.Impl;
using Verify.Model.Contract;

namespace Verify.Fuzz.Planted;

/// <summary>
/// The catalogue of planted bugs: test-only wrappers around the impl that each break one
/// behaviour only deep states reveal. The gate must catch every one (properties/PlantedBugTests)
/// and so must a campaign (fuzz campaign --planted NAME).
/// </summary>
public static class PlantedBugs
{
    public static readonly IReadOnlyDictionary<string, (string Description, Func<IKernel, IKernel> Wrap)> All =
        new SortedDictionary<string, (string, Func<IKernel, IKernel>)>(StringComparer.Ordinal)
        {
            ["buddy-last-max-order-block"] = ("an order-10 allocation fails when exactly one order-10 block is free", k => new LastMaxOrderBlockRefused(k)),
            ["buddy-top-free-ignored"] = ("freeing the allocation at the machine's highest address succeeds and does nothing", k => new TopFreeIgnored(k)),
            ["buddy-exact-extra-page"] = ("alloc_pages_exact keeps one tail page too many", k => new ExactKeepsExtraPage(k)),
            ["slab-empty-never-released"] = ("an empty slab is never given back to the buddy allocator", k => new EmptySlabNeverReleased(k)),
            ["slab-freed-object-not-marked-free"] = ("kmem_cache_free succeeds but the object stays in use", k => new FreedObjectNotMarkedFree(k)),
            ["slab-account-off-while-non-empty"] = ("accounting can be switched off on a cache that holds objects", k => new AccountOffWhileNonEmpty(k)),
            ["slab-kmalloc-96-from-128"] = ("kmalloc of 65..96 bytes is served from kmalloc-128", k => new Kmalloc96From128(k)),
        };

    /// <summary>The impl factory for a planted bug, or the plain impl for null.</summary>
    public static Func<MachineConfig, IKernel> ImplFactory(string? planted)
    {
        if (planted is null) return machine => new ImplKernel(machine);
        if (!All.TryGetValue(planted, out var bug))
            throw new ArgumentException($"unknown planted bug '{planted}' (known: {string.Join(", ", All.Keys)})");
        return machine => bug.Wrap(new ImplKernel(machine));
    }
}
