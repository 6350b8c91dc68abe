using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;

namespace Verify.Fuzz.Afl;

/// <summary>The coverage hook's fields as seen from the module being rewritten.</summary>
public sealed record CoverageFields(FieldReference Map, FieldReference Previous);

/// <summary>
/// Rewrites one method body: in front of every probe site it inserts a stack-neutral probe
///   edges:  Map[id ^ Previous]++; Previous = id >> 1;
///   blocks: Map[id]++;
/// and then makes everything that pointed at a probed instruction point at its probe instead:
/// branch and leave operands, switch tables, and the try/handler/filter boundaries of every
/// exception handler. So the probe runs exactly when control arrives at the site by any path
/// (jump, fall-through, exception dispatch), and stays inside (or outside) the same protected
/// region as the site. Short branches are widened first and re-shortened after (SimplifyMacros /
/// OptimizeMacros), so the longer body never overflows a short branch.
/// </summary>
public static class ProbeEmitter
{
    /// <summary>Instruments body at its sites; idFor gives each site's probe id (below the map size).</summary>
    public static int Instrument(MethodBody body, CoverageFields fields, ProbeMode mode, Func<ProbeSite, int> idFor)
    {
        body.SimplifyMacros();
        var sites = ProbeSites.Find(body);
        var il = body.GetILProcessor();
        var probeFor = new Dictionary<Instruction, Instruction>(sites.Count);
        foreach (var site in sites)
        {
            int id = idFor(site);
            var probe = Probe(fields, mode, id);
            foreach (var instruction in probe) il.InsertBefore(site.Instruction, instruction);
            probeFor.Add(site.Instruction, probe[0]);
        }
        Retarget(body, probeFor);
        body.OptimizeMacros();
        return sites.Count;
    }

    private static List<Instruction> Probe(CoverageFields fields, ProbeMode mode, int id)
    {
        var probe = new List<Instruction> { Instruction.Create(OpCodes.Ldsfld, fields.Map), Instruction.Create(OpCodes.Ldc_I4, id) };
        if (mode == ProbeMode.Edges)
        {
            probe.Add(Instruction.Create(OpCodes.Ldsfld, fields.Previous));
            probe.Add(Instruction.Create(OpCodes.Xor));
        }
        probe.Add(Instruction.Create(OpCodes.Add));
        probe.Add(Instruction.Create(OpCodes.Dup));
        probe.Add(Instruction.Create(OpCodes.Ldind_U1));
        probe.Add(Instruction.Create(OpCodes.Ldc_I4_1));
        probe.Add(Instruction.Create(OpCodes.Add));
        probe.Add(Instruction.Create(OpCodes.Stind_I1));
        if (mode == ProbeMode.Edges)
        {
            probe.Add(Instruction.Create(OpCodes.Ldc_I4, id >> 1));
            probe.Add(Instruction.Create(OpCodes.Stsfld, fields.Previous));
        }
        return probe;
    }

    private static void Retarget(MethodBody body, Dictionary<Instruction, Instruction> probeFor)
    {
        Instruction? Moved(Instruction? target) =>
            target is not null && probeFor.TryGetValue(target, out var probe) ? probe : target;

        foreach (var instruction in body.Instructions)
        {
            switch (instruction.Operand)
            {
                case Instruction target:
                    instruction.Operand = Moved(target);
                    break;
                case Instruction[] targets:
                    for (int i = 0; i < targets.Length; i++) targets[i] = Moved(targets[i])!;
                    break;
            }
        }
        foreach (var handler in body.ExceptionHandlers)
        {
            handler.TryStart = Moved(handler.TryStart);
            handler.TryEnd = Moved(handler.TryEnd);
            handler.HandlerStart = Moved(handler.HandlerStart);
            handler.HandlerEnd = Moved(handler.HandlerEnd);
            handler.FilterStart = Moved(handler.FilterStart);
        }
    }
}
