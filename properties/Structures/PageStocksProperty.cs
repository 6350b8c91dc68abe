using Verify.Fuzz.Engine;
using Verify.Impl.Memcg;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Structures;

/// <summary>
/// PageStocks against per-CPU arrays of 7 (counter, pages) pairs that follow KERNEL-FACTS "Memory
/// cgroup charging" word by word, with the eviction draw taken from a SplitMix64 of the same seed:
/// random consumes (some over 64 pages, some of counters not cached), refills of freshly charged
/// pages (some over 64), CPU, whole and subtree drains, and resets with other trees of counters,
/// CPU counts and seeds. After every step every slot, HeldPages and CachedSlots of every counter,
/// TotalHeld and the usage of every counter (what was charged minus what the stocks uncharged,
/// summed over its subtree) agree, and S11 and S12 hold.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class PageStocksProperty(ITestOutputHelper output)
{
    public enum Kind { Consume, Refill, DrainCpu, DrainAll, DrainSubtree, Reset }

    public readonly record struct StockOp(Kind Kind, long Cpu, long Counter, long Pages)
    {
        public override string ToString() => $"{Kind} cpu={Cpu} counter={Counter} pages={Pages}";
    }

    private sealed class World
    {
        public readonly PageCounters Counters = new();
        public readonly PageStocks Stocks;
        public (int Counter, int Pages)[,] Slots = new (int, int)[0, 0];
        public readonly List<int> Parents = [];
        public readonly List<long> Own = [];
        public SplitMix64 Draw;
        public int Cpus;

        public World() => Stocks = new PageStocks(Counters);

        /// <summary>A tree of 2..13 counters (slot i has a parent below i) on 1..4 CPUs, the stocks empty, the draw reseeded.</summary>
        public void Reset(ulong seed)
        {
            var random = new SplitMix64(seed);
            Cpus = (int)random.Range(1, 4);
            int count = (int)random.Range(2, 13);
            Counters.Reset();
            Parents.Clear();
            Own.Clear();
            for (int i = 0; i < count; i++)
            {
                int parent = i == 0 ? -1 : (int)random.Range(0, i - 1);
                if (Counters.Create(parent, tracksFailcnt: false) != i) throw new InvalidOperationException("slots are handed out in order after Reset");
                Parents.Add(parent);
                Own.Add(0);
            }
            Stocks.Reset(Cpus, seed);
            Draw = new SplitMix64(seed);
            Slots = new (int, int)[Cpus, PageStocks.SlotsPerCpu];
            for (int cpu = 0; cpu < Cpus; cpu++)
                for (int i = 0; i < PageStocks.SlotsPerCpu; i++) Slots[cpu, i] = (-1, 0);
        }

        /// <summary>drain_stock of one model slot: its pages leave the counter, the slot is empty.</summary>
        public void DrainSlot(int cpu, int i)
        {
            var (counter, pages) = Slots[cpu, i];
            if (counter >= 0) Own[counter] -= pages;
            Slots[cpu, i] = (-1, 0);
        }

        public bool InSubtree(int counter, int root)
        {
            for (int level = counter; level >= 0; level = Parents[level])
                if (level == root) return true;
            return false;
        }
    }

    [Fact]
    public void StocksAndEvictsLikeTheKernelsSevenSlots()
    {
        StructureProperty.Check(output, nameof(StocksAndEvictsLikeTheKernelsSevenSlots), 8_000, Generate, Run);
    }

    private static StockOp Generate(SplitMix64 random)
    {
        long roll = random.Range(0, 999);
        var kind = roll switch { < 5 => Kind.Reset, < 430 => Kind.Consume, < 900 => Kind.Refill, < 940 => Kind.DrainCpu, < 955 => Kind.DrainAll, _ => Kind.DrainSubtree };
        long pages = random.Range(0, 19) switch { 0 => random.Range(65, 300), 1 => 64, < 4 => random.Range(0, 3), _ => random.Range(1, 40) };
        return new StockOp(kind, random.Range(0, 3), random.Range(0, 12), kind == Kind.Reset ? (long)random.Next() : pages);
    }

    private static string? Run(IReadOnlyList<StockOp> ops)
    {
        var world = new World();
        world.Reset(1);
        for (int step = 0; step < ops.Count; step++)
        {
            var op = ops[step];
            string? wrong = Apply(world, op);
            wrong ??= Compare(world);
            wrong ??= StructureProperty.Violation(world.Counters.CheckConsistency);
            wrong ??= StructureProperty.Violation(world.Stocks.CheckConsistency);
            if (wrong is not null) return $"step {step + 1} ({op}): {wrong}";
        }
        return null;
    }

    private static string? Apply(World world, StockOp op)
    {
        int cpu = (int)(op.Cpu % world.Cpus), counter = (int)(op.Counter % world.Parents.Count), pages = (int)op.Pages;
        var stocks = world.Stocks;
        switch (op.Kind)
        {
            case Kind.Consume:
                bool consumed = stocks.Consume(cpu, counter, pages);
                bool expected = false;
                if (pages <= PageStocks.ChargeBatch)
                {
                    for (int i = 0; i < PageStocks.SlotsPerCpu; i++)
                    {
                        if (world.Slots[cpu, i].Counter != counter) continue;
                        expected = world.Slots[cpu, i].Pages >= pages;
                        if (expected) world.Slots[cpu, i].Pages -= pages;
                        break;
                    }
                }
                if (consumed != expected) return $"Consume returned {consumed}, expected {expected}";
                break;
            case Kind.Refill:
                world.Counters.Charge(counter, pages);
                world.Own[counter] += pages;
                stocks.Refill(cpu, counter, pages);
                PlainRefill(world, cpu, counter, pages);
                break;
            case Kind.DrainCpu:
                stocks.DrainCpu(cpu);
                for (int i = 0; i < PageStocks.SlotsPerCpu; i++) world.DrainSlot(cpu, i);
                break;
            case Kind.DrainAll:
                stocks.DrainAll();
                for (int c = 0; c < world.Cpus; c++)
                    for (int i = 0; i < PageStocks.SlotsPerCpu; i++) world.DrainSlot(c, i);
                break;
            case Kind.DrainSubtree:
                stocks.DrainSubtree(counter);
                for (int c = 0; c < world.Cpus; c++)
                {
                    bool needed = false;
                    for (int i = 0; i < PageStocks.SlotsPerCpu; i++)
                        needed |= world.Slots[c, i].Counter >= 0 && world.Slots[c, i].Pages > 0 && world.InSubtree(world.Slots[c, i].Counter, counter);
                    if (needed)
                        for (int i = 0; i < PageStocks.SlotsPerCpu; i++) world.DrainSlot(c, i);
                }
                break;
            case Kind.Reset:
                world.Reset((ulong)op.Pages);
                break;
        }
        return null;
    }

    /// <summary>refill_stock as KERNEL-FACTS words it.</summary>
    private static void PlainRefill(World world, int cpu, int counter, int pages)
    {
        if (pages > PageStocks.ChargeBatch)
        {
            world.Own[counter] -= pages;
            return;
        }
        int empty = -1;
        for (int i = 0; i < PageStocks.SlotsPerCpu; i++)
        {
            if (world.Slots[cpu, i].Counter == counter)
            {
                world.Slots[cpu, i].Pages += pages;
                if (world.Slots[cpu, i].Pages > PageStocks.ChargeBatch) world.DrainSlot(cpu, i);
                return;
            }
            if (world.Slots[cpu, i].Counter < 0 && empty < 0) empty = i;
        }
        if (empty < 0)
        {
            empty = (int)(((world.Draw.Next() >> 32) * PageStocks.SlotsPerCpu) >> 32);
            world.DrainSlot(cpu, empty);
        }
        world.Slots[cpu, empty] = (counter, pages);
    }

    private static string? Compare(World world)
    {
        var stocks = world.Stocks;
        long total = 0;
        for (int cpu = 0; cpu < world.Cpus; cpu++)
            for (int i = 0; i < PageStocks.SlotsPerCpu; i++)
            {
                var (counter, pages) = world.Slots[cpu, i];
                if (stocks.CachedCounter(cpu, i) != counter || stocks.CachedPages(cpu, i) != pages)
                    return $"cpu {cpu} slot {i} holds ({stocks.CachedCounter(cpu, i)}, {stocks.CachedPages(cpu, i)}), expected ({counter}, {pages})";
                total += pages;
            }
        if (stocks.TotalHeld != total) return $"TotalHeld {stocks.TotalHeld}, expected {total}";
        for (int counter = 0; counter < world.Parents.Count; counter++)
        {
            int held = 0, slots = 0;
            foreach (var (c, pages) in world.Slots)
                if (c == counter) { held += pages; slots++; }
            if (stocks.HeldPages(counter) != held || stocks.CachedSlots(counter) != slots)
                return $"counter {counter}: HeldPages {stocks.HeldPages(counter)} CachedSlots {stocks.CachedSlots(counter)}, expected {held} and {slots}";
            long usage = 0;
            for (int c = 0; c < world.Parents.Count; c++)
                if (world.InSubtree(c, counter)) usage += world.Own[c];
            if (world.Counters.Usage(counter) != usage) return $"counter {counter}: usage {world.Counters.Usage(counter)}, expected {usage}";
        }
        return null;
    }
}
