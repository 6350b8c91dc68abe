using Verify.Impl.Buddy;
using Verify.Impl.Cgroups;
using Verify.Impl.Slab;
using Verify.Model.Contract;

namespace Verify.Impl.Memcg;

/// <summary>
/// The kernel memory every task but init holds; the semantics are the model's
/// (model/Memcg/TaskKernelMemory.cs): a task_struct of the task_struct cache and an order-2
/// kernel stack, taken before the fork asks for a pid, charged to the forking task's group (the
/// task_struct only while its cache is accounted), freed at exit (the stack first). Storage: per task slot the task_struct's address and
/// the stack's pfn (valid while the slot holds a live task other than init; the caller frees them
/// before the slot can be reused), and a per-pfn flag for stack blocks; no allocation per fork
/// once the arrays have grown.
/// </summary>
public sealed class TaskKernelMemory(BuddyAllocator buddy, SlabAllocator slab, MemoryCgroups memcg, ProcessContainers containers)
{
    private long[] _taskStruct = [];
    private int[] _stackPfn = [];
    private bool[] _isStack = [];

    public void Reset(int pages)
    {
        if (_isStack.Length < pages) _isStack = new bool[pages];
        else Array.Clear(_isStack, 0, pages);
    }

    /// <summary>dup_task_struct for a fork by the task: the task_struct and its charge, then the stack and its charge; ENOMEM undoes what was taken.</summary>
    public Outcome Allocate(long forkingPid, out long taskStruct, out int stackPfn)
    {
        (taskStruct, stackPfn) = (-1, -1);
        var allocated = slab.AllocTaskStruct();
        if (!allocated.IsOk) return allocated;
        slab.TryLocate(allocated.Value, out var location);
        if (!memcg.ChargeObject(location, gfpAccount: false, forkingPid))
        {
            slab.FreeTaskStruct(allocated.Value);
            return Outcome.Fail(Errno.ENOMEM);
        }
        var stack = memcg.AllocPages(KernelConstants.KernelStackOrder, forkingPid); // global reclaim and OOM may kill the forking task: ENOMEM
        bool charged = stack.IsOk && memcg.ChargePages(stack.Value, 1 << KernelConstants.KernelStackOrder, KernelChargeKind.KernelStack, forkingPid);
        if (!charged)
        {
            if (stack.IsOk) buddy.FreePages(stack.Value, KernelConstants.KernelStackOrder);
            FreeTaskStruct(allocated.Value);
            return stack.IsOk ? Outcome.Fail(Errno.ENOMEM) : stack;
        }
        (taskStruct, stackPfn) = (allocated.Value, (int)stack.Value);
        _isStack[stackPfn] = true;
        return Outcome.Ok(0);
    }

    /// <summary>The fork went through: the child's slot holds what was taken for it.</summary>
    public void Attach(long childPid, long taskStruct, int stackPfn)
    {
        int slot = containers.TaskSlotOf(childPid);
        if (slot >= _stackPfn.Length)
        {
            int size = ArrayGrowth.SizeFor(_stackPfn.Length, slot + 1);
            Array.Resize(ref _taskStruct, size);
            Array.Resize(ref _stackPfn, size);
        }
        (_taskStruct[slot], _stackPfn[slot]) = (taskStruct, stackPfn);
    }

    /// <summary>free_task: the stack, then the task_struct, each uncharged first (a refused fork, or an exit).</summary>
    public void Free(long taskStruct, int stackPfn)
    {
        memcg.UnchargePages(stackPfn);
        _isStack[stackPfn] = false;
        buddy.FreePages(stackPfn, KernelConstants.KernelStackOrder);
        FreeTaskStruct(taskStruct);
    }

    /// <summary>The task in the slot exited (called before the slot can be reused): what it held goes.</summary>
    public void Exited(int slot) => Free(_taskStruct[slot], _stackPfn[slot]);

    /// <summary>True when pfn is a kernel stack (free_pages must refuse it).</summary>
    public bool OwnsStack(long pfn) => (ulong)pfn < (ulong)_isStack.Length && _isStack[pfn];

    private void FreeTaskStruct(long address)
    {
        if (slab.TryLocate(address, out var location)) memcg.UnchargeObject(location);
        slab.FreeTaskStruct(address);
    }
}
