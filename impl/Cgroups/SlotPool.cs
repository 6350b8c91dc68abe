using System.Runtime.CompilerServices;
using Verify.Model.Contract;
using static Verify.Impl.WordBits;

namespace Verify.Impl.Cgroups;

/// <summary>
/// Dense internal slot numbers for the members of a table (tasks, cgroups), reused through a free list.
/// Guarantees: every slot handed out is below HighWater, and the live slots and the free-stack
/// entries are together exactly 0..HighWater-1, with no slot in both or twice on the stack; Allocate
/// takes the most recently freed slot (O(1)) and only a slot of HighWater grows it, so a table's
/// parallel arrays need at most HighWater entries. Storage grows by doubling and is kept across
/// Reset: no allocation per operation in steady state. CheckConsistency verifies the guarantee
/// with a scratch mark array owned by the pool (no allocation).
/// </summary>
public sealed class SlotPool
{
    private bool[] _live = new bool[16];
    private int[] _free = new int[16];
    private ulong[] _seen = new ulong[1];
    private int _freeCount;

    public int HighWater { get; private set; }

    /// <summary>The free stack's depth (planted bugs only: dropping one loses a slot).</summary>
    internal ref int FreeCount => ref _freeCount;

    public int LiveCount => HighWater - _freeCount;

    /// <summary>Forgets every slot; the arrays stay.</summary>
    public void Reset()
    {
        Array.Clear(_live, 0, HighWater);
        HighWater = 0;
        _freeCount = 0;
    }

    /// <summary>A free slot, now live: the most recently freed one, else HighWater (which then grows by one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Allocate()
    {
        int slot;
        if (_freeCount > 0) slot = _free[--_freeCount];
        else
        {
            if (HighWater == _live.Length) Grow();
            slot = HighWater++;
        }
        _live[slot] = true;
        return slot;
    }

    /// <summary>Gives back a live slot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free(int slot)
    {
        _live[slot] = false;
        _free[_freeCount++] = slot; // _free is as long as _live, and at most HighWater slots are free
    }

    public bool IsLive(int slot) => (uint)slot < (uint)HighWater && _live[slot];

    /// <summary>The invariant's name and the pool's name: every free-stack entry is a distinct slot below HighWater that is not live, and no other slot below HighWater is free.</summary>
    public void CheckConsistency(SelfCheckReport report, string invariant, string name)
    {
        Array.Clear(_seen, 0, WordsFor(HighWater));
        for (int i = 0; i < _freeCount && !report.IsFull; i++)
        {
            int slot = _free[i];
            if ((uint)slot >= (uint)HighWater)
            {
                report.Fail(invariant, $"{name}: free-list entry {i} is slot {slot}, outside 0..{HighWater - 1}");
                continue;
            }
            if (_live[slot]) report.Fail(invariant, $"{name}: slot {slot} is live but on the free list");
            ref ulong word = ref _seen[Word(slot)];
            if ((word & Mask(slot)) != 0) report.Fail(invariant, $"{name}: slot {slot} is on the free list twice");
            word |= Mask(slot);
        }
        for (int slot = 0; slot < HighWater && !report.IsFull; slot++)
        {
            bool listed = (_seen[Word(slot)] & Mask(slot)) != 0;
            if (!_live[slot] && !listed) report.Fail(invariant, $"{name}: slot {slot} is neither live nor on the free list");
        }
    }

    private void Grow()
    {
        int size = _live.Length * 2;
        Array.Resize(ref _live, size);
        Array.Resize(ref _free, size);
        Array.Resize(ref _seen, WordsFor(size));
    }
}
