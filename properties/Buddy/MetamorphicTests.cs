using Verify.Fuzz.Engine;
using Verify.Fuzz.Harness;
using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Buddy;

/// <summary>Relations between runs that must hold whatever the state: undo, order independence.</summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class MetamorphicTests(ITestOutputHelper output)
{
    [Fact]
    [Trait(Profile.MutationOfTrait, Profile.ModelOnly)]
    public void AllocatingAndFreeingABlockRestoresTheSnapshot()
    {
        var runner = new Runner();
        PropertyCheck.ForAll(output, nameof(AllocatingAndFreeingABlockRestoresTheSnapshot), count: 200, opsMax: 150, scenario =>
        {
            if (runner.Run(scenario).Failure is { } failure) return failure;
            int order = (int)(StateDigest.Mix((ulong)scenario.Ops.Count) % (KernelConstants.MaxPageOrder + 1));
            foreach (var (kernel, side) in new[] { (runner.Model, "model"), (runner.Impl, "impl") })
            {
                var before = kernel.TakeSnapshot();
                var allocated = kernel.AllocPages(order);
                if (!allocated.IsOk) continue;
                var freed = kernel.FreePages(allocated.Value, order);
                var diff = SnapshotDiff.Compare(before, kernel.TakeSnapshot());
                if (!freed.IsOk || diff.Count > 0)
                    return new Failure(scenario.Ops.Count, "M1.alloc-free-restores", $"{side}: alloc_pages order={order} then free ({freed}) changed: {string.Join("; ", diff)}");
            }
            return null;
        });
    }

    [Fact]
    public void FreeingASetOfBlocksInAnyOrderEndsInTheSameState()
    {
        var first = new Runner();
        var second = new Runner();
        PropertyCheck.ForAll(output, nameof(FreeingASetOfBlocksInAnyOrderEndsInTheSameState), count: 200, opsMax: 150, scenario =>
        {
            if (first.Run(scenario).Failure is { } failure) return failure;
            second.Run(scenario);
            foreach (var (a, b, side) in new[] { (first.Model, second.Model, "model"), (first.Impl, second.Impl, "impl") })
            {
                // Only page allocations made by the page-allocator operations; slab and vmalloc pages belong to their owners.
                var runs = a.TakeSnapshot().Allocations.Where(r => r.Kind is AllocationKind.Block or AllocationKind.Exact).ToList();
                var random = new SplitMix64((ulong)runs.Count * 31 + (ulong)scenario.Ops.Count);
                var shuffled = runs.OrderBy(_ => random.Next()).ToList();
                var refused = runs.Where(run => !Free(a, run)).Concat(shuffled.Where(run => !Free(b, run))).ToList();
                if (refused.Count > 0)
                    return new Failure(scenario.Ops.Count, "M2.free-order-independent", $"{side}: freeing live {refused[0]} failed");
                var diff = SnapshotDiff.Compare(a.TakeSnapshot(), b.TakeSnapshot());
                if (diff.Count > 0)
                    return new Failure(scenario.Ops.Count, "M2.free-order-independent", $"{side}: freeing in address order and in shuffled order differ: {string.Join("; ", diff)}");
            }
            return null;
        });
    }

    private static bool Free(IKernel kernel, AllocatedRun run) => (run.Kind == AllocationKind.Exact
        ? kernel.FreePagesExact(run.Pfn, run.Pages * KernelConstants.PageSizeBytes)
        : kernel.FreePages(run.Pfn, KernelConstants.GetOrder(run.Pages * KernelConstants.PageSizeBytes))).IsOk;
}
