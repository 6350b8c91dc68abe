using Verify.Model.Contract;

namespace Verify.Impl.Memcg;

/// <summary>
/// ByteStocks' self-check (S13), O(Cpus + objcgs used): the CPUs' stock bytes are summed per
/// objcg into a scratch array the stocks own (a clean check allocates nothing), then every objcg's
/// ledger is checked against them.
/// </summary>
public sealed partial class ByteStocks
{
    private long[] _stockScratch = [];

    /// <summary>
    /// Per CPU: no bytes without a cached objcg, a cached objcg among those used, stock bytes not
    /// negative. Per objcg: no negative count and 4096 x pages charged = live bytes + stock bytes +
    /// nr_charged_bytes. TotalBytesHeld equals the recount.
    /// </summary>
    public void CheckConsistency(SelfCheckReport report)
    {
        const string S13 = StructureInvariant.ByteStocks;
        if (_stockScratch.Length < _objcgsUsed) _stockScratch = new long[_objcgs.Length];
        Array.Clear(_stockScratch, 0, _objcgsUsed);
        long held = 0;
        for (int cpu = 0; cpu < Cpus; cpu++)
        {
            int objcg = _cached[cpu], bytes = _stock[cpu];
            held += bytes;
            if (bytes < 0) report.Fail(S13, $"cpu {cpu}: stock of {bytes} bytes is negative");
            if (objcg < 0)
            {
                if (bytes != 0) report.Fail(S13, $"cpu {cpu}: caches no objcg but holds {bytes} bytes");
            }
            else if (objcg >= _objcgsUsed) report.Fail(S13, $"cpu {cpu}: caches objcg {objcg}, which was never charged");
            else _stockScratch[objcg] += bytes;
        }
        for (int objcg = 0; objcg < _objcgsUsed && !report.IsFull; objcg++)
        {
            ref var g = ref _objcgs[objcg];
            held += g.NrChargedBytes;
            if (g.PagesCharged < 0 || g.LiveBytes < 0 || g.NrChargedBytes < 0)
                report.Fail(S13, $"objcg {objcg}: {g.PagesCharged} pages charged, {g.LiveBytes} live bytes, {g.NrChargedBytes} nr_charged_bytes: a negative count");
            long accounted = g.LiveBytes + _stockScratch[objcg] + g.NrChargedBytes;
            if (g.PagesCharged * PageBytes != accounted)
                report.Fail(S13, $"objcg {objcg}: {g.PagesCharged} pages charged ({g.PagesCharged * PageBytes} bytes), but {g.LiveBytes} live + {_stockScratch[objcg]} in stock + {g.NrChargedBytes} nr_charged_bytes = {accounted}");
        }
        if (!report.IsFull && held != TotalBytesHeld) report.Fail(S13, $"TotalBytesHeld says {TotalBytesHeld}, a recount {held}");
    }
}
