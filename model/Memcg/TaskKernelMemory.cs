using Verify.Model.Buddy;
using Verify.Model.Contract;
using Verify.Model.Slab;

namespace Verify.Model.Memcg;

/// <summary>
/// The kernel memory every task but init holds (KERNEL-FACTS.md, "The kmem accounting container":
/// kernel stacks are one of the four sources): a task_struct object of the task_struct cache and
/// an order-2 kernel stack block, both taken by dup_task_struct before the fork asks for a pid, both
/// charged to the forking task's memory group (a root charges nothing; the task_struct only while
/// its cache is accounted, as it is unless CacheSetAccount switched it off, since dup_task_struct
/// asks without __GFP_ACCOUNT), and both freed when the task exits, the stack first. A dictionary by
/// pid, looked up only.
/// </summary>
public sealed class TaskKernelMemory(BuddyAllocator buddy, SlabAllocator slab, MemoryCgroups memcg)
{
    /// <summary>One task's kernel memory: its task_struct's address and its stack's pfn.</summary>
    public readonly record struct Held(long TaskStruct, long StackPfn);

    private readonly Dictionary<long, Held> _byPid = [];
    private readonly HashSet<long> _stacks = [];

    /// <summary>dup_task_struct for a fork by the task: the task_struct and its charge, then the stack and its charge; ENOMEM undoes what was taken.</summary>
    public Outcome Allocate(long forkingPid, out Held held)
    {
        held = default;
        var taskStruct = slab.AllocTaskStruct();
        if (!taskStruct.IsOk) return taskStruct;
        var (sizeBytes, accounted, _) = slab.CacheOfObject(taskStruct.Value); // no __GFP_ACCOUNT: the cache's flag decides
        var charged = accounted ? memcg.ChargeKernel(KernelChargeKind.Slab, taskStruct.Value, KernelConstants.ObjcgFullSize(sizeBytes), forkingPid) : Outcome.Ok(0);
        if (!charged.IsOk)
        {
            slab.FreeTaskStruct(taskStruct.Value);
            return charged;
        }
        var stack = memcg.AllocPages(KernelConstants.KernelStackOrder, forkingPid); // global reclaim and OOM may kill the forking task: ENOMEM
        if (stack.IsOk) charged = memcg.ChargeKernel(KernelChargeKind.KernelStack, stack.Value, 1L << KernelConstants.KernelStackOrder, forkingPid);
        if (!stack.IsOk || !charged.IsOk)
        {
            if (stack.IsOk) buddy.FreePages(stack.Value, KernelConstants.KernelStackOrder);
            FreeTaskStruct(taskStruct.Value);
            return stack.IsOk ? charged : stack;
        }
        held = new Held(taskStruct.Value, stack.Value);
        _stacks.Add(stack.Value);
        return Outcome.Ok(0);
    }

    /// <summary>The fork went through: the child holds what was taken for it.</summary>
    public void Attach(long childPid, Held held) => _byPid.Add(childPid, held);

    /// <summary>free_task: the stack, then the task_struct, each uncharged first (a refused fork, or the task's exit).</summary>
    public void Free(Held held)
    {
        memcg.UnchargeKernel(KernelChargeKind.KernelStack, held.StackPfn);
        buddy.FreePages(held.StackPfn, KernelConstants.KernelStackOrder);
        _stacks.Remove(held.StackPfn);
        FreeTaskStruct(held.TaskStruct);
    }

    /// <summary>The task exited: what it held goes.</summary>
    public void Exited(long pid)
    {
        if (_byPid.Remove(pid, out var held)) Free(held);
    }

    /// <summary>True when pfn is a kernel stack (free_pages must refuse it).</summary>
    public bool OwnsStack(long pfn) => _stacks.Contains(pfn);

    private void FreeTaskStruct(long address)
    {
        memcg.UnchargeKernel(KernelChargeKind.Slab, address);
        slab.FreeTaskStruct(address);
    }
}
