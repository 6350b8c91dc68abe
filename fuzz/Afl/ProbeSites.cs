using Mono.Cecil.Cil;

namespace Verify.Fuzz.Afl;

/// <summary>Why an instruction gets a probe in front of it.</summary>
public enum ProbeKind
{
    MethodEntry,
    BranchTarget,
    FallThrough,
    SwitchTarget,
    HandlerStart,
}

/// <summary>One instruction that gets a probe in front of it, with its IL offset before rewriting.</summary>
public sealed record ProbeSite(Instruction Instruction, int OriginalOffset, ProbeKind Kind);

/// <summary>
/// Finds where a method body's basic blocks start: the first instruction, every branch and leave
/// target, the instruction after every conditional branch (its fall-through), every switch target
/// and the switch's fall-through, and the first instruction of every handler and filter. Each
/// instruction appears once (the first reason found), in IL order. Sites whose probe would break
/// IL rules are left out: a `ret` right after a `tail.`-prefixed call must follow it directly.
/// </summary>
public static class ProbeSites
{
    public static List<ProbeSite> Find(MethodBody body)
    {
        var kinds = new Dictionary<Instruction, ProbeKind>();
        void Add(Instruction? instruction, ProbeKind kind)
        {
            if (instruction is not null) kinds.TryAdd(instruction, kind);
        }

        Add(body.Instructions.Count > 0 ? body.Instructions[0] : null, ProbeKind.MethodEntry);
        foreach (var instruction in body.Instructions)
        {
            switch (instruction.Operand)
            {
                case Instruction target:
                    Add(target, ProbeKind.BranchTarget);
                    break;
                case Instruction[] targets:
                    foreach (var target in targets) Add(target, ProbeKind.SwitchTarget);
                    break;
            }
            if (instruction.OpCode.FlowControl == FlowControl.Cond_Branch) Add(instruction.Next, ProbeKind.FallThrough);
        }
        foreach (var handler in body.ExceptionHandlers)
        {
            Add(handler.HandlerStart, ProbeKind.HandlerStart);
            Add(handler.FilterStart, ProbeKind.HandlerStart);
        }

        var sites = new List<ProbeSite>(kinds.Count);
        foreach (var instruction in body.Instructions)
        {
            if (kinds.TryGetValue(instruction, out var kind) && !FollowsTailCall(instruction))
                sites.Add(new ProbeSite(instruction, instruction.Offset, kind));
        }
        return sites;
    }

    private static bool FollowsTailCall(Instruction instruction) =>
        instruction.OpCode.Code == Code.Ret && instruction.Previous?.Previous?.OpCode.Code == Code.Tail;
}
