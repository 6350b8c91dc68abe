using Verify.Fuzz.Engine;
using Verify.Impl.Memcg;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Structures;

/// <summary>
/// ByteStocks against plain per-CPU (objcg, bytes) pairs and per-objcg (pages, live, nr_charged)
/// triples following KERNEL-FACTS and mm/memcontrol.c of 6.18 (consume_obj_stock,
/// obj_cgroup_charge_account, refill_obj_stock, drain_obj_stock, obj_cgroup_release) step by
/// step: random allocations (slab objects of obj_full_size sizes, plain charges, some of whole
/// pages or several pages) on random CPUs and objcgs, frees of live objects on any CPU, CPU and
/// whole drains, releases of objcgs left without objects, resets, and the suite's own merge
/// (TrimRemainder; after a full drain and trim, charges from the remainder, ChargedFromRemainder,
/// which must leave less than a page; FreeToRemainder). After every step the same
/// stock hits, the same pages given back in the same order and the same way (uncharged or to the
/// page stock), every CPU's stock, every objcg's ledger, BytesHeld and TotalBytesHeld agree, and
/// S13 (4096 x pages = live + stock + nr_charged_bytes, per objcg) holds.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class ByteStocksProperty(ITestOutputHelper output)
{
    private const int Page = ByteStocks.PageBytes, ObjcgsMax = 6;

    private static readonly int[] Sizes = [16, 24, 72, 136, 264, 520, 1032, 2056, 4104, 8200, 4096, 8192, 4088];

    public enum Kind { Alloc, Free, DrainCpu, DrainAll, Release, Reset, Trim, ChargeDrained, FreeToRemainder }

    public readonly record struct ByteOp(Kind Kind, long Cpu, long Objcg, long Size, bool Slab)
    {
        public override string ToString() => Kind switch
        {
            Kind.Alloc => $"Alloc cpu={Cpu} objcg={Objcg} size={Size} slab={Slab}",
            Kind.Free => $"Free cpu={Cpu} object={Size} (modulo the live objects, oldest first)",
            Kind.Reset => $"Reset cpus={Size}",
            Kind.Release => $"Release objcg={Objcg}",
            Kind.DrainCpu => $"DrainCpu cpu={Cpu}",
            Kind.Trim => $"TrimRemainder objcg={Objcg}",
            Kind.ChargeDrained => $"DrainAll, TrimRemainder of every objcg, then ChargedFromRemainder objcg={Objcg} size={Size}",
            Kind.FreeToRemainder => $"FreeToRemainder object={Size} (modulo the live objects, oldest first)",
            _ => $"{Kind}",
        };
    }

    /// <summary>Records what ByteStocks gives back, in order.</summary>
    private sealed class Sink : IObjcgPageSink
    {
        public readonly List<string> Given = [];

        public void UnchargePages(int objcg, int pages) => Given.Add($"uncharge objcg {objcg} {pages} pages");

        public void RefillPages(int cpu, int objcg, int pages) => Given.Add($"refill cpu {cpu} objcg {objcg} {pages} pages");
    }

    private sealed class Plain
    {
        public int[] Cached = [], Stock = [];
        public readonly long[] Pages = new long[ObjcgsMax], Live = new long[ObjcgsMax], NrCharged = new long[ObjcgsMax];
        public readonly List<string> Given = [];
        public readonly List<(int Objcg, int Size)> Objects = [];

        public void Reset(int cpus)
        {
            Cached = Enumerable.Repeat(-1, cpus).ToArray();
            Stock = new int[cpus];
            Array.Clear(Pages);
            Array.Clear(Live);
            Array.Clear(NrCharged);
            Objects.Clear();
        }

        public void Drain(int cpu)
        {
            int old = Cached[cpu];
            if (old < 0) return;
            if (Stock[cpu] / Page > 0)
            {
                Pages[old] -= Stock[cpu] / Page;
                Given.Add($"uncharge objcg {old} {Stock[cpu] / Page} pages");
            }
            NrCharged[old] += Stock[cpu] % Page;
            Stock[cpu] = 0;
            Cached[cpu] = -1;
        }

        /// <summary>The whole pages of nr_charged_bytes uncharged; returns them.</summary>
        public long Trim(int objcg)
        {
            long whole = NrCharged[objcg] / Page;
            if (whole == 0) return 0;
            Pages[objcg] -= whole;
            NrCharged[objcg] -= whole * Page;
            Given.Add($"uncharge objcg {objcg} {whole} pages");
            return whole;
        }

        public void Refill(int cpu, int objcg, int bytes, bool allowRelease)
        {
            if (Cached[cpu] != objcg)
            {
                Drain(cpu);
                Stock[cpu] = (int)NrCharged[objcg];
                NrCharged[objcg] = 0;
                Cached[cpu] = objcg;
                allowRelease = true;
            }
            Stock[cpu] += bytes;
            if (!allowRelease || Stock[cpu] <= Page) return;
            int pages = Stock[cpu] / Page;
            Stock[cpu] %= Page;
            Pages[objcg] -= pages;
            Given.Add($"refill cpu {cpu} objcg {objcg} {pages} pages");
        }
    }

    [Fact]
    public void KeepsEveryObjcgsBytesAccountedLikeTheKernel()
    {
        StructureProperty.Check(output, nameof(KeepsEveryObjcgsBytesAccountedLikeTheKernel), 10_000, Generate, Run);
    }

    /// <summary>
    /// The sequence of obj_cgroup_release's comment: a sub-page remainder drained from one CPU and
    /// a freed object's bytes drained from another add up to a whole page in nr_charged_bytes; it
    /// stays there (no release on the way) until Release uncharges it.
    /// </summary>
    [Fact]
    public void RemaindersFromTwoCpusMakeAWholePageThatReleaseUncharges()
    {
        var sink = new Sink();
        var stocks = new ByteStocks(sink);
        stocks.Reset(2);
        const int G = 0, H = 1;
        stocks.Charged(0, G, Page, slabObject: true); // CPU0 caches G with 0 bytes
        stocks.Charged(1, G, 92, slabObject: true); // CPU1: one more page, 4004 bytes in its stock
        stocks.Charged(1, H, 92, slabObject: true); // CPU1 switches to H: G's 4004 bytes go to nr_charged_bytes
        stocks.Free(0, G, 92);
        stocks.Free(0, G, Page); // CPU0 holds 4188 bytes: one page to the page stock, 92 stay
        stocks.DrainCpu(0); // the 92 bytes join the 4004: a whole page in nr_charged_bytes
        Assert.Null(StructureProperty.Violation(stocks.CheckConsistency));
        Assert.Equal((1L, 0L, (long)Page), (stocks.PagesCharged(G), stocks.LiveBytes(G), stocks.NrChargedBytes(G)));
        Assert.Equal(["refill cpu 0 objcg 0 1 pages"], sink.Given);
        Assert.Equal(1, stocks.Release(G));
        Assert.Equal("uncharge objcg 0 1 pages", sink.Given[^1]);
        Assert.Equal((0L, 0L), (stocks.PagesCharged(G), stocks.NrChargedBytes(G)));
        Assert.Null(StructureProperty.Violation(stocks.CheckConsistency));
    }

    /// <summary>Freeing bytes that were never charged is not absorbed: S13 reports negative live bytes.</summary>
    [Fact]
    public void FreeingBytesNeverChargedIsReported()
    {
        var stocks = new ByteStocks(new Sink());
        stocks.Reset(1);
        stocks.Free(0, 3, 64);
        var violation = StructureProperty.Violation(stocks.CheckConsistency);
        Assert.True(violation is not null && violation.StartsWith(StructureInvariant.ByteStocks) && violation.Contains("negative"), violation ?? "S13 found nothing");
    }

    private static ByteOp Generate(SplitMix64 random)
    {
        long roll = random.Range(0, 999);
        var kind = roll switch
        {
            < 4 => Kind.Reset, < 480 => Kind.Alloc, < 840 => Kind.Free, < 870 => Kind.DrainCpu, < 880 => Kind.DrainAll, < 900 => Kind.Release,
            < 920 => Kind.Trim, < 970 => Kind.ChargeDrained, _ => Kind.FreeToRemainder,
        };
        long size = random.Range(0, 9) == 0 ? random.Range(1, 20_000) : Sizes[random.Range(0, Sizes.Length - 1)];
        return new ByteOp(kind, random.Range(0, 3), random.Range(0, ObjcgsMax - 1), kind == Kind.Reset ? random.Range(1, 4) : size, random.Chance(80));
    }

    private static string? Run(IReadOnlyList<ByteOp> ops)
    {
        var sink = new Sink();
        var stocks = new ByteStocks(sink);
        var plain = new Plain();
        stocks.Reset(2);
        plain.Reset(2);
        for (int step = 0; step < ops.Count; step++)
        {
            var op = ops[step];
            sink.Given.Clear();
            plain.Given.Clear();
            string? wrong = Apply(stocks, plain, op);
            wrong ??= Compare(stocks, plain, sink);
            wrong ??= StructureProperty.Violation(stocks.CheckConsistency);
            if (wrong is not null) return $"step {step + 1} ({op}): {wrong}";
        }
        return null;
    }

    private static string? Apply(ByteStocks stocks, Plain plain, ByteOp op)
    {
        int cpus = plain.Cached.Length, cpu = (int)(op.Cpu % cpus), objcg = (int)op.Objcg, size = (int)op.Size;
        switch (op.Kind)
        {
            case Kind.Alloc:
                bool hit = stocks.TryConsume(cpu, objcg, size);
                bool expected = plain.Cached[cpu] == objcg && plain.Stock[cpu] >= size;
                if (hit != expected) return $"TryConsume returned {hit}, expected {expected}";
                if (hit)
                {
                    plain.Stock[cpu] -= size;
                    plain.Live[objcg] += size;
                }
                else
                {
                    stocks.Charged(cpu, objcg, size, op.Slab);
                    int pages = (size + Page - 1) / Page, rest = size % Page;
                    plain.Pages[objcg] += pages;
                    plain.Live[objcg] += size;
                    if (rest != 0 || op.Slab) plain.Refill(cpu, objcg, rest == 0 ? 0 : Page - rest, allowRelease: false);
                }
                plain.Objects.Add((objcg, size));
                break;
            case Kind.Free when plain.Objects.Count > 0:
                var victim = plain.Objects[(int)(op.Size % plain.Objects.Count)];
                plain.Objects.Remove(victim);
                stocks.Free(cpu, victim.Objcg, victim.Size);
                plain.Live[victim.Objcg] -= victim.Size;
                plain.Refill(cpu, victim.Objcg, victim.Size, allowRelease: true);
                break;
            case Kind.DrainCpu:
                stocks.DrainCpu(cpu);
                plain.Drain(cpu);
                break;
            case Kind.DrainAll:
                stocks.DrainAll();
                for (int c = 0; c < cpus; c++) plain.Drain(c);
                break;
            case Kind.Release when plain.Live[objcg] == 0 && !plain.Cached.Contains(objcg):
                int released = stocks.Release(objcg);
                long whole = plain.NrCharged[objcg] / Page;
                if (whole > 0)
                {
                    plain.Pages[objcg] -= whole;
                    plain.NrCharged[objcg] -= whole * Page;
                    plain.Given.Add($"uncharge objcg {objcg} {whole} pages");
                }
                if (released != whole) return $"Release returned {released} pages, expected {whole}";
                if (plain.Pages[objcg] != 0 || plain.NrCharged[objcg] != 0) return $"the plain ledger of released objcg {objcg} is not empty";
                break;
            case Kind.Reset:
                stocks.Reset(size);
                plain.Reset(size);
                break;
            case Kind.Trim:
                int trimmed = stocks.TrimRemainder(objcg);
                long expectedTrim = plain.Trim(objcg);
                if (trimmed != expectedTrim) return $"TrimRemainder returned {trimmed} pages, expected {expectedTrim}";
                break;
            case Kind.ChargeDrained:
                stocks.DrainAll();
                for (int c = 0; c < cpus; c++) plain.Drain(c);
                for (int g = 0; g < ObjcgsMax; g++)
                {
                    stocks.TrimRemainder(g);
                    plain.Trim(g);
                }
                int needed = stocks.PagesNeededFromRemainder(objcg, size);
                long remainder = plain.NrCharged[objcg];
                long expectedNeeded = size <= remainder ? 0 : (size - remainder + Page - 1) / Page;
                if (needed != expectedNeeded) return $"PagesNeededFromRemainder returned {needed}, expected {expectedNeeded} (remainder {remainder})";
                stocks.ChargedFromRemainder(objcg, size, needed);
                plain.Pages[objcg] += needed;
                plain.Live[objcg] += size;
                plain.NrCharged[objcg] += needed * (long)Page - size;
                plain.Objects.Add((objcg, size));
                if (plain.NrCharged[objcg] is < 0 or >= Page) return $"the remainder is {plain.NrCharged[objcg]} bytes after a charge from it: not below a page";
                break;
            case Kind.FreeToRemainder when plain.Objects.Count > 0:
                var freed = plain.Objects[(int)(op.Size % plain.Objects.Count)];
                plain.Objects.Remove(freed);
                stocks.FreeToRemainder(freed.Objcg, freed.Size);
                plain.Live[freed.Objcg] -= freed.Size;
                plain.NrCharged[freed.Objcg] += freed.Size;
                plain.Trim(freed.Objcg);
                break;
        }
        return null;
    }

    private static string? Compare(ByteStocks stocks, Plain plain, Sink sink)
    {
        if (!sink.Given.SequenceEqual(plain.Given)) return $"gave back [{string.Join("; ", sink.Given)}], expected [{string.Join("; ", plain.Given)}]";
        long total = 0;
        for (int cpu = 0; cpu < plain.Cached.Length; cpu++)
        {
            if (stocks.CachedObjcg(cpu) != plain.Cached[cpu] || stocks.StockBytes(cpu) != plain.Stock[cpu])
                return $"cpu {cpu} caches objcg {stocks.CachedObjcg(cpu)} with {stocks.StockBytes(cpu)} bytes, expected {plain.Cached[cpu]} with {plain.Stock[cpu]}";
            total += plain.Stock[cpu];
        }
        for (int objcg = 0; objcg < ObjcgsMax; objcg++)
        {
            if (stocks.PagesCharged(objcg) != plain.Pages[objcg] || stocks.LiveBytes(objcg) != plain.Live[objcg] || stocks.NrChargedBytes(objcg) != plain.NrCharged[objcg])
                return $"objcg {objcg}: pages/live/nr_charged {stocks.PagesCharged(objcg)}/{stocks.LiveBytes(objcg)}/{stocks.NrChargedBytes(objcg)}, expected {plain.Pages[objcg]}/{plain.Live[objcg]}/{plain.NrCharged[objcg]}";
            long held = plain.NrCharged[objcg] + Enumerable.Range(0, plain.Cached.Length).Where(c => plain.Cached[c] == objcg).Sum(c => (long)plain.Stock[c]);
            if (stocks.BytesHeld(objcg) != held) return $"objcg {objcg}: BytesHeld {stocks.BytesHeld(objcg)}, expected {held}";
            total += plain.NrCharged[objcg];
        }
        return stocks.TotalBytesHeld == total ? null : $"TotalBytesHeld {stocks.TotalBytesHeld}, expected {total}";
    }
}
