using BenchmarkDotNet.Attributes;
using Verify.Bench.Config;
using Verify.Bench.Workloads;
using Verify.Impl.Memcg;

namespace Verify.Bench.Benchmarks;

/// <summary>
/// The memcg accounting structures of impl/Memcg on their hot paths, called directly (no kernel
/// around them), each pair leaving the structure as it found it:
/// - PageStocks: consume one page from this CPU's stock of a counter, then refill it (a stock hit,
///   the slot of the counter among 7 with other counters cached). Target: median at most 15 ns.
/// - PageCounters: TryCharge of 64 pages through a chain of 4 counters (a leaf 3 levels below its
///   root, every level with a max the charge fits under), then Uncharge. Target: at most 60 ns.
/// - ByteStocks: a 64-byte object charged from this CPU's byte stock (TryConsume hit), then freed
///   back to it; the structure-level part of kmalloc-cg + kfree. Target: at most 30 ns.
/// All: 0 bytes allocated per operation.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MicroJobConfig))]
public class MemcgStructureBenchmarks
{
    private const int Cpu = 1, Objcg = 0;

    private PageCounters _counters = null!;
    private PageStocks _stocks = null!;
    private ByteStocks _bytes = null!;
    private int _leaf;

    /// <summary>Gives pages back to the page stock of the leaf counter (never reached by the measured pairs).</summary>
    private sealed class LeafSink(PageCounters counters, PageStocks stocks, int leaf) : IObjcgPageSink
    {
        public void UnchargePages(int objcg, int pages) => counters.Uncharge(leaf, pages);

        public void RefillPages(int cpu, int objcg, int pages) => stocks.Refill(cpu, leaf, pages);
    }

    [GlobalSetup]
    public void Setup()
    {
        _counters = new PageCounters();
        int level = _counters.Create(-1, tracksFailcnt: false);
        for (int depth = 1; depth < 4; depth++)
        {
            level = _counters.Create(level, tracksFailcnt: false);
            Require.That(_counters.SetMax(level, 1_000_000), "max to be set");
        }
        _leaf = level;
        Require.That(_counters.DepthOf(_leaf) == 3, "a chain of 4 counters");
        _stocks = new PageStocks(_counters);
        _stocks.Reset(cpus: 4, seed: 1);
        for (int other = 0; other < 3; other++)
        {
            int sibling = _counters.Create(_counters.ParentOf(_leaf), tracksFailcnt: false);
            _counters.Charge(sibling, 10);
            _stocks.Refill(Cpu, sibling, 10);
        }
        _counters.Charge(_leaf, 32);
        _stocks.Refill(Cpu, _leaf, 32);
        _bytes = new ByteStocks(new LeafSink(_counters, _stocks, _leaf));
        _bytes.Reset(cpus: 4);
        _counters.Charge(_leaf, 1);
        _bytes.Charged(Cpu, Objcg, 72, slabObject: true);
        Require.That(_stocks.Consume(Cpu, _leaf, 1) && _counters.TryCharge(_leaf, 64) == -1 && _bytes.TryConsume(Cpu, Objcg, 64), "every pair to hit");
        _stocks.Refill(Cpu, _leaf, 1);
        _counters.Uncharge(_leaf, 64);
        _bytes.Free(Cpu, Objcg, 64);
    }

    [Benchmark(Description = "PageStocks consume+refill 1 page (hit)")]
    public long PageStockHit()
    {
        bool hit = _stocks.Consume(Cpu, _leaf, 1);
        _stocks.Refill(Cpu, _leaf, 1);
        return hit ? _stocks.TotalHeld : -1;
    }

    [Benchmark(Description = "PageCounters try-charge+uncharge 64 pages, 4 levels")]
    public int PageCounterPair()
    {
        int failed = _counters.TryCharge(_leaf, 64);
        _counters.Uncharge(_leaf, 64);
        return failed;
    }

    [Benchmark(Description = "ByteStocks charge+free 64 bytes (hit)")]
    public long ByteStockHit()
    {
        bool hit = _bytes.TryConsume(Cpu, Objcg, 64);
        _bytes.Free(Cpu, Objcg, 64);
        return hit ? _bytes.TotalBytesHeld : -1;
    }
}
