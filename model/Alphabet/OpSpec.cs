using Verify.Model.Contract;

namespace Verify.Model.Alphabet;

/// <summary>Runs one operation on one side, with its references already resolved.</summary>
public delegate Outcome OpExecute(IKernel kernel, in OpArgs args);

/// <summary>Makes the handle that a successful operation creates.</summary>
public delegate Handle OpProduce(in OpArgs args, Outcome outcome);

/// <summary>Whose memory group an operation's kernel-memory charges go to.</summary>
public enum KernelCharger : byte
{
    /// <summary>The operation charges no kernel memory.</summary>
    None = 0,

    /// <summary>The current task's (run_on): accounted objects, kmallocs, blocks, vmalloc areas, dentries.</summary>
    CurrentTask = 1,

    /// <summary>The task its first argument names: a fork's task_struct and kernel stack, charged by the forking task; an anonymous touch's page tables.</summary>
    TaskArgument = 2,
}

/// <summary>
/// Everything the suite knows about one operation, in one place: its trace keyword, its
/// arguments, how it is dispatched onto a kernel, which handle it creates on success, which
/// reference it consumes on success, its default weight for generators, and whose memory group
/// its kernel-memory charges go to (for the per-step memcg invariants).
/// </summary>
public sealed record OpSpec(
    string Keyword,
    IReadOnlyList<ArgSpec> Args,
    OpExecute Execute,
    OpProduce? Produces = null,
    int ConsumesArg = -1,
    int Weight = 10,
    KernelCharger ChargesKernel = KernelCharger.None)
{
    /// <summary>The operation's code: its index in Alphabet.Specs; set when the alphabet is built.</summary>
    public int Code { get; internal set; } = -1;

    public string Format(in Op op)
    {
        if (Args.Count == 0) return Keyword;
        var parts = new string[Args.Count];
        for (int i = 0; i < Args.Count; i++) parts[i] = $"{Args[i].Name}={op.Arg(i)}";
        return $"{Keyword} {string.Join(' ', parts)}";
    }
}
