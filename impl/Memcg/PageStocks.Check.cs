using Verify.Model.Contract;

namespace Verify.Impl.Memcg;

/// <summary>
/// PageStocks' self-check (S12), O(Cpus x 7 x 7 + counters): every slot against its CPU's other
/// slots and the counters, then the per-counter held pages, slot counts and the total against a
/// recount into scratch arrays the stocks own (a clean check allocates nothing).
/// </summary>
public sealed partial class PageStocks
{
    private int[] _heldScratch = [], _slotsScratch = [];

    /// <summary>
    /// Per slot: an empty slot holds no pages, a cached counter is live in the counters and in no
    /// other slot of its CPU, pages are within 0..64. Then HeldPages, CachedSlots and TotalHeld
    /// equal the recount.
    /// </summary>
    public void CheckConsistency(SelfCheckReport report)
    {
        const string S12 = StructureInvariant.PageStocks;
        if (_heldScratch.Length < _held.Length)
        {
            _heldScratch = new int[_held.Length];
            _slotsScratch = new int[_held.Length];
        }
        Array.Clear(_heldScratch);
        Array.Clear(_slotsScratch);
        long total = 0;
        for (int cpu = 0; cpu < Cpus && !report.IsFull; cpu++)
        {
            int base_ = cpu * Stride;
            for (int i = base_; i < base_ + SlotsPerCpu; i++)
            {
                int counter = _cached[i], pages = _pages[i];
                if (counter < 0)
                {
                    if (pages != 0) report.Fail(S12, $"cpu {cpu} slot {i - base_}: caches no counter but holds {pages} pages");
                    continue;
                }
                if (!counters.IsLive(counter) || counter >= _held.Length)
                {
                    report.Fail(S12, $"cpu {cpu} slot {i - base_}: caches counter {counter}, which is not live or was never counted");
                    continue;
                }
                if (pages < 0 || pages > ChargeBatch) report.Fail(S12, $"cpu {cpu} slot {i - base_}: holds {pages} pages of counter {counter}, outside 0..{ChargeBatch}");
                for (int j = base_; j < i; j++)
                    if (_cached[j] == counter) report.Fail(S12, $"cpu {cpu}: counter {counter} is cached in slots {j - base_} and {i - base_}");
                _heldScratch[counter] += pages;
                _slotsScratch[counter]++;
                total += pages;
            }
        }
        for (int counter = 0; counter < _held.Length && !report.IsFull; counter++)
        {
            if (_held[counter] != _heldScratch[counter]) report.Fail(S12, $"counter {counter}: HeldPages says {_held[counter]}, the slots hold {_heldScratch[counter]}");
            if (_cachedSlots[counter] != _slotsScratch[counter]) report.Fail(S12, $"counter {counter}: CachedSlots says {_cachedSlots[counter]}, {_slotsScratch[counter]} slots name it");
        }
        if (!report.IsFull && total != TotalHeld) report.Fail(S12, $"TotalHeld says {TotalHeld}, the slots hold {total}");
    }
}
