using Verify.Model.Contract;

namespace Verify.Impl.Slab;

/// <summary>
/// An indexed binary min-heap of page frame numbers: one per cache, holding its partial slabs.
/// Guarantees: Min is the lowest member in O(1); Add and Remove of any member are O(log n);
/// each member's position lives in a page-indexed array shared by all heaps (a pfn is in at most
/// one heap, since it heads at most one slab), so Remove needs no search. Storage grows by
/// doubling and is reused across Reset: no allocation per operation in steady state.
/// CheckConsistency verifies the heap order and the position index of every member.
/// </summary>
public sealed class PfnMinHeap
{
    private int[] _heap = new int[16];
    private readonly int[][] _positionsHolder;

    /// <summary>positionsHolder[0] is the shared pfn -> heap index array (-1 when in no heap).</summary>
    public PfnMinHeap(int[][] positionsHolder) => _positionsHolder = positionsHolder;

    public int Count { get; private set; }

    public int Min => Count == 0 ? -1 : _heap[0];

    /// <summary>True when pfn is a member: its recorded position holds it.</summary>
    public bool Contains(int pfn)
    {
        int index = _positionsHolder[0][pfn];
        return index >= 0 && index < Count && _heap[index] == pfn;
    }

    /// <summary>S3: every parent is below its children, and positions[heap[i]] == i for every member.</summary>
    public void CheckConsistency(SelfCheckReport report, string name)
    {
        var positions = _positionsHolder[0];
        for (int i = 0; i < Count && !report.IsFull; i++)
        {
            int pfn = _heap[i];
            if ((uint)pfn >= (uint)positions.Length)
            {
                report.Fail(StructureInvariant.PartialHeap, $"{name}: slot {i} holds pfn {pfn}, outside the machine");
                continue;
            }
            if (positions[pfn] != i) report.Fail(StructureInvariant.PartialHeap, $"{name}: pfn {pfn} sits in slot {i} but its position says {positions[pfn]}");
            if (i > 0 && _heap[ParentOf(i)] > pfn)
                report.Fail(StructureInvariant.PartialHeap, $"{name}: pfn {pfn} in slot {i} is below its parent pfn {_heap[ParentOf(i)]}");
        }
    }

    /// <summary>The heap array, for planted bugs that emulate a slip (test code only).</summary>
    internal int[] Slots => _heap;

    public void Clear()
    {
        var positions = _positionsHolder[0];
        for (int i = 0; i < Count; i++) positions[_heap[i]] = -1;
        Count = 0;
    }

    public void Add(int pfn)
    {
        if (Count == _heap.Length) Array.Resize(ref _heap, _heap.Length * 2);
        _heap[Count] = pfn;
        _positionsHolder[0][pfn] = Count;
        Count++;
        SiftUp(Count - 1);
    }

    public void Remove(int pfn)
    {
        var positions = _positionsHolder[0];
        int index = positions[pfn];
        positions[pfn] = -1;
        Count--;
        if (index == Count) return;
        int last = _heap[Count];
        _heap[index] = last;
        positions[last] = index;
        SiftDown(index);
        SiftUp(positions[last]);
    }

    private void SiftUp(int index)
    {
        var positions = _positionsHolder[0];
        int pfn = _heap[index];
        while (index > 0)
        {
            int parent = ParentOf(index);
            if (_heap[parent] <= pfn) break;
            _heap[index] = _heap[parent];
            positions[_heap[index]] = index;
            index = parent;
        }
        _heap[index] = pfn;
        positions[pfn] = index;
    }

    /// <summary>The slot of a slot's parent: slot s > 0 has children 2s + 1 and 2s + 2.</summary>
    private static int ParentOf(int slot) => (slot - 1) >> 1;

    private void SiftDown(int index)
    {
        var positions = _positionsHolder[0];
        int pfn = _heap[index];
        while (true)
        {
            int child = 2 * index + 1;
            if (child >= Count) break;
            if (child + 1 < Count && _heap[child + 1] < _heap[child]) child++;
            if (_heap[child] >= pfn) break;
            _heap[index] = _heap[child];
            positions[_heap[index]] = index;
            index = child;
        }
        _heap[index] = pfn;
        positions[pfn] = index;
    }
}
