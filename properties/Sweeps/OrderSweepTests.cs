using Verify.Properties.Support;
using Verify.Impl;
using Verify.Model;
using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Xunit.Abstractions;

namespace Verify.Properties.Sweeps;

/// <summary>
/// Every order the alphabet can ask for (alloc_pages order=0..12; 11 and 12 fail), and for each
/// order the smallest and the largest size get_order maps to it, through alloc_pages_exact and
/// kmalloc (large kmalloc from order 2 up), on model and impl. Each call runs on three fresh
/// machines: 1024 pages (one block of MAX_PAGE_ORDER: the block is split, the lowest part returned,
/// one free block left at every order between), exactly 1 &lt;&lt; order pages (fits), and one page
/// fewer (ENOMEM even where the size needs fewer pages: the request is for a whole block of its order).
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class OrderSweepTests(ITestOutputHelper output)
{
    private const int Cpus = 1;

    private static readonly OpSpec AllocPages = SweepOps.Spec("alloc_pages");
    private static readonly OpSpec AllocPagesExact = SweepOps.Spec("alloc_pages_exact");
    private static readonly OpSpec Kmalloc = SweepOps.Spec("kmalloc");

    private static string Seed(MachineConfig machine, Op op) => op.Code == AllocPages.Code
        ? $"order {op.A0}, pages {machine.Pages}"
        : $"{op.Spec.Keyword} of {op.A0} bytes (order {SlubOracle.GetOrder(op.A0)}), pages {machine.Pages}";

    [Fact]
    public void EveryOrderAllocatesItsBlockOnBothSides()
    {
        var model = new ModelKernel(new MachineConfig(1, Cpus));
        var impl = new ImplKernel(new MachineConfig(1, Cpus));
        var failures = new SweepFailures("order sweep", Seed);
        var clock = SweepClock.Start();
        int calls = 0;
        for (int order = (int)AllocPages.Args[0].Min; order <= AllocPages.Args[0].Max; order++)
        {
            var ops = new List<Op> { new(AllocPages.Code, order) };
            foreach (long size in SizesOfOrder(order))
            {
                if (AllocPagesExact.Args[0].Accepts(size)) ops.Add(new Op(AllocPagesExact.Code, size));
                if (size > SlubOracle.KmallocMaxCacheBytes && Kmalloc.Args[0].Accepts(size)) ops.Add(new Op(Kmalloc.Code, size, 0));
            }
            foreach (var op in ops)
            {
                foreach (int pages in MachinesFor(order))
                {
                    var machine = new MachineConfig(pages, Cpus);
                    model.Reset(machine);
                    impl.Reset(machine);
                    failures.CompareSetupDigests(machine, model, impl);
                    calls++;
                    Check(failures, machine, op, order, model, impl);
                }
            }
        }
        failures.AssertNone(output, $"{calls} calls per side (orders {AllocPages.Args[0].Min}..{AllocPages.Args[0].Max})", clock);
    }

    /// <summary>The smallest and the largest size whose get_order is order: 1 and 4096 for order 0, else (4096 &lt;&lt; (order - 1)) + 1 and 4096 &lt;&lt; order.</summary>
    private static long[] SizesOfOrder(int order) =>
        order == 0 ? [1, SlubOracle.PageBytes] : [((long)SlubOracle.PageBytes << (order - 1)) + 1, (long)SlubOracle.PageBytes << order];

    /// <summary>1024 pages, 1 &lt;&lt; order pages, and one page fewer (where those are machines).</summary>
    private static IEnumerable<int> MachinesFor(int order)
    {
        int maxBlock = 1 << SlubOracle.MaxPageOrder;
        yield return maxBlock;
        if (order > SlubOracle.MaxPageOrder) yield break;
        if (1 << order != maxBlock) yield return 1 << order;
        if ((1 << order) - 1 >= 1) yield return (1 << order) - 1;
    }

    /// <summary>The free call that matches op's allocation at pfn 0 (address 0).</summary>
    private static Outcome Free(IKernel kernel, Op op, int order) =>
        op.Code == AllocPages.Code ? kernel.FreePages(0, order)
        : op.Code == AllocPagesExact.Code ? kernel.FreePagesExact(0, op.A0)
        : kernel.Kfree(0);

    private static void Check(SweepFailures failures, MachineConfig machine, Op op, int order, IKernel model, IKernel impl)
    {
        ulong modelBefore = model.Digest, implBefore = impl.Digest;
        var modelOutcome = SweepOps.Run(model, op);
        var implOutcome = SweepOps.Run(impl, op);
        long bytes = op.A0;
        bool tooLarge = op.Code == AllocPages.Code ? order > SlubOracle.MaxPageOrder
            : op.Code == AllocPagesExact.Code ? bytes > SlubOracle.ExactMaxBytes
            : bytes > SlubOracle.KmallocMaxBytes;
        var expected = tooLarge ? Outcome.Fail(Errno.EINVAL)
            : machine.Pages < 1 << order ? Outcome.Fail(Errno.ENOMEM)
            : Outcome.Ok(0); // the lowest block of a fresh machine: pfn 0, or byte address 0 for kmalloc
        failures.Compare(machine, op, "outcome", modelOutcome, implOutcome, expected);
        if (model.Digest - modelBefore != impl.Digest - implBefore)
            failures.Add(machine, op, "digest change", $"model {model.Digest - modelBefore:x16}, impl {impl.Digest - implBefore:x16}");
        // alloc_pages_exact keeps ceil(size / PAGE_SIZE) pages and frees the tail of its block; the others keep the block.
        long kept = !expected.IsOk ? 0 : op.Code == AllocPagesExact.Code ? (bytes + SlubOracle.PageBytes - 1) / SlubOracle.PageBytes : 1L << order;
        failures.Compare(machine, op, "pages allocated", model.AllocatedPageCount, impl.AllocatedPageCount, kept);
        if (!expected.IsOk || !modelOutcome.IsOk || !implOutcome.IsOk) return;
        if (op.Code == AllocPages.Code)
        {
            // Splitting the one block of order log2(pages) down to order leaves one free block at every order between.
            int machineOrder = SlubOracle.GetOrder((long)machine.Pages * SlubOracle.PageBytes);
            for (int k = 0; k <= SlubOracle.MaxPageOrder; k++)
                failures.Compare(machine, op, $"free blocks of order {k}", model.FreeBlockCount(k), impl.FreeBlockCount(k), k >= order && k < machineOrder ? 1L : 0L);
        }
        failures.Compare(machine, op, "freeing it", Free(model, op, order), Free(impl, op, order), Outcome.Ok(0));
        failures.Compare(machine, op, "free pages after freeing it", model.FreePageCount, impl.FreePageCount, (long)machine.Pages);
    }
}
