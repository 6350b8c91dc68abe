using Verify.Model.Alphabet;
using Verify.Model.Contract;

namespace Verify.Fuzz.Formats;

/// <summary>
/// The fuzzer's binary form. Total: every byte string decodes to a scenario. Layout:
///   header (5 bytes): scale bits s = b0 % 21, then 3 bytes little-endian raw; pages = 1 + (raw mod 2^s);
///                      then cpus = 1 + b4 % 64. Missing bytes read as 0.
///   then operations: one code byte (code = b % number of operations) followed by each argument:
///   a reference is 1 byte (k); an integer of range width W takes the fewest bytes that hold W-1,
///   little-endian, and is Min + raw mod W. A truncated last operation is dropped; at most
///   Scenario.OpsMax operations are decoded and any further bytes are ignored (truncated, never rejected).
/// Encode is the inverse for every scenario whose arguments are in range: Decode(Encode(s)) == s.
/// Codes are positions in the alphabet; the .trace twin of a corpus input is its canonical form.
/// </summary>
public static class ByteCodec
{
    public const int HeaderBytes = 5;
    private const int ScaleBitsMax = 20;

    public static Scenario Decode(ReadOnlySpan<byte> input)
    {
        var reader = new Reader(input);
        int scaleBits = reader.Byte() % (ScaleBitsMax + 1);
        long raw = reader.Byte() | (reader.Byte() << 8) | (reader.Byte() << 16);
        int pages = 1 + (int)(raw & ((1L << scaleBits) - 1));
        int cpus = 1 + reader.Byte() % KernelConstants.CpusMax;
        var ops = new List<Op>();
        var specs = Alphabet.Specs;
        while (ops.Count < Scenario.OpsMax && reader.Remaining > 0)
        {
            var spec = specs[reader.Byte() % specs.Count];
            var op = new Op(spec.Code);
            bool complete = true;
            for (int i = 0; i < spec.Args.Count; i++)
            {
                int width = BytesFor(spec.Args[i]);
                if (reader.Remaining < width) { complete = false; break; }
                ulong value = reader.Little(width);
                var arg = spec.Args[i];
                op = op.WithArg(i, arg.Min + (long)(value % (ulong)(arg.Max - arg.Min + 1)));
            }
            if (!complete) break;
            ops.Add(op);
        }
        return new Scenario(new MachineConfig(pages, cpus), ops);
    }

    public static byte[] Encode(Scenario scenario)
    {
        var bytes = new List<byte>();
        long raw = scenario.Machine.Pages - 1;
        bytes.Add(ScaleBitsMax);
        bytes.Add((byte)raw);
        bytes.Add((byte)(raw >> 8));
        bytes.Add((byte)(raw >> 16));
        bytes.Add((byte)(scenario.Machine.Cpus - 1));
        foreach (var op in scenario.Ops.Take(Scenario.OpsMax))
        {
            var spec = op.Spec;
            bytes.Add((byte)spec.Code);
            for (int i = 0; i < spec.Args.Count; i++)
            {
                var arg = spec.Args[i];
                if (!arg.Accepts(op.Arg(i))) throw new ArgumentException($"{spec.Keyword}: {arg.Name}={op.Arg(i)} is outside {arg.Min}..{arg.Max}");
                ulong value = (ulong)(op.Arg(i) - arg.Min);
                for (int b = 0; b < BytesFor(arg); b++) bytes.Add((byte)(value >> (8 * b)));
            }
        }
        return bytes.ToArray();
    }

    public static int BytesFor(ArgSpec arg)
    {
        ulong span = (ulong)(arg.Max - arg.Min);
        int bytes = 1;
        while (bytes < 8 && span >> (8 * bytes) != 0) bytes++;
        return bytes;
    }

    private ref struct Reader(ReadOnlySpan<byte> input)
    {
        private readonly ReadOnlySpan<byte> _input = input;
        private int _position;

        public readonly int Remaining => _input.Length - _position;

        public int Byte() => _position < _input.Length ? _input[_position++] : 0;

        public ulong Little(int width)
        {
            ulong value = 0;
            for (int b = 0; b < width; b++) value |= (ulong)Byte() << (8 * b);
            return value;
        }
    }
}
