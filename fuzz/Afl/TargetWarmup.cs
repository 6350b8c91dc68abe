using Verify.Fuzz.Formats;
using Verify.Fuzz.Harness;
using Verify.Model.Alphabet;
using Verify.Model.Contract;

namespace Verify.Fuzz.Afl;

/// <summary>
/// Runs code that executes only once per process (static initializers, cached lambdas, first-use
/// paths) before afl-fuzz starts measuring, so that the first input AFL sends does not show edges
/// no later run repeats (which AFL would count against stability). The inputs are fixed: every
/// operation with its arguments at minimum, middle and maximum, on a tiny, an odd-sized, the
/// default and the largest machine, then a fixed pseudo-random mix. Their outcomes are ignored;
/// only having run matters.
/// </summary>
public static class TargetWarmup
{
    public static void Run(FuzzTarget target)
    {
        foreach (var input in Inputs()) target.Run(input);
    }

    public static IEnumerable<byte[]> Inputs()
    {
        int[] machinePages = [1, 1500, MachineConfig.Default.Pages, KernelConstants.MachinePagesMax];
        foreach (int pages in machinePages)
        {
            var ops = new List<Op>();
            for (int round = 0; round < 3; round++)
            {
                foreach (var spec in Alphabet.Specs)
                {
                    foreach (int position in new[] { 0, 1, 2 }) ops.Add(OpAt(spec, position));
                }
            }
            yield return ByteCodec.Encode(new Scenario(new MachineConfig(pages, 1), ops));
        }
        yield return ByteCodec.Encode(Mixed(new MachineConfig(64, 2), opsCount: 256, seed: 0x9E3779B97F4A7C15UL));
        yield return ByteCodec.Encode(Mixed(new MachineConfig(4096, 8), opsCount: 512, seed: 0xD1B54A32D192ED03UL));
    }

    /// <summary>An operation with every argument at its minimum (0), middle (1) or maximum (2).</summary>
    private static Op OpAt(OpSpec spec, int position)
    {
        var op = new Op(spec.Code);
        for (int i = 0; i < spec.Args.Count; i++)
        {
            var arg = spec.Args[i];
            long value = position switch { 0 => arg.Min, 1 => arg.Min + (arg.Max - arg.Min) / 2, _ => arg.Max };
            op = op.WithArg(i, value);
        }
        return op;
    }

    /// <summary>A fixed sequence drawn by xorshift64 from seed: operation codes, then arguments at small offsets from their minimum.</summary>
    private static Scenario Mixed(MachineConfig machine, int opsCount, ulong seed)
    {
        ulong state = seed;
        ulong Next()
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            return state;
        }
        var ops = new List<Op>(opsCount);
        for (int i = 0; i < opsCount; i++)
        {
            var spec = Alphabet.Specs[(int)(Next() % (ulong)Alphabet.Specs.Count)];
            var op = new Op(spec.Code);
            for (int a = 0; a < spec.Args.Count; a++)
            {
                var arg = spec.Args[a];
                ulong span = (ulong)(arg.Max - arg.Min) + 1;
                ulong small = Next() % 16;
                op = op.WithArg(a, arg.Min + (long)((Next() % 2 == 0 ? small : Next()) % span));
            }
            ops.Add(op);
        }
        return new Scenario(machine, ops);
    }
}
