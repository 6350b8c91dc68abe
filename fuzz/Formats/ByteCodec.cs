using Verify.Fuzz.Engine;
using Verify.Model.Alphabet;
using Verify.Model.Contract;

namespace Verify.Fuzz.Formats;

/// <summary>
/// The fuzzer's binary form. Total: every byte string decodes to a scenario. Two headers, told
/// apart by byte 0 (missing bytes read as 0):
///   legacy (b0 &lt; 128), 5 bytes: scale bits s = b0 % 21, then 3 bytes little-endian raw,
///       pages = 1 + (raw mod 2^s); cpus = 1 + b4 % 64. Operation codes are taken modulo
///       LegacyAlphabetCount, the alphabet's size when v2 came, so every input written before
///       decodes as it always did while the alphabet grows.
///   v2 (b0 &gt;= 128), 23 bytes: s = (b0 - 128) % 21, 3 bytes raw, the cpus byte, as above; then the
///       swarm choice: N (the alphabet's size when encoded), 16 bytes of enable bits (bit c%8 of
///       byte c/8 enables code c) and the mood byte (Engine.Mood). The enabled operations are the
///       codes c &lt; N whose bit is set (N = 0 or above today's alphabet: today's size; no bit set:
///       every c &lt; N), in code order; an operation's code byte b names the (b mod E)-th of the E
///       enabled ones. So mutating the header explores other subsets and moods. The mood changes
///       the machine only: SmallMachine caps s at Moods.SmallMachineScaleBits, FewCpus reads
///       cpus = 1 + b4 % Moods.FewCpusMax; any other mood byte is carried as it is. Bit 7 of the
///       cpus byte b4 selects the cgroup layout: set, v1; clear, v2 (every input written before
///       layouts existed has it clear when encoded, and cpus never depends on it: 128 % 64 = 0).
///       Legacy inputs are always v2.
///   then operations: one code byte followed by each argument: a reference is 1 byte (k); an
///   integer of range width W takes the fewest bytes that hold W-1, little-endian, and is
///   Min + raw mod W. A truncated last operation is dropped; at most Scenario.OpsMax operations are
///   decoded and any further bytes are ignored (truncated, never rejected).
/// Encode writes v2 with N = today's alphabet size, the enable bits of the swarm given plus those of
/// every operation used, and its mood (Balanced without a swarm); Decode(Encode(s)) == s for every
/// scenario whose arguments are in range. A v2 input whose N is today's size or less means the same
/// forever, as the alphabet only grows. The .trace twin of a corpus input is its canonical form.
/// </summary>
public static class ByteCodec
{
    public const int LegacyHeaderBytes = 5;

    /// <summary>The alphabet's size when the v2 header came: legacy inputs take codes modulo this, forever.</summary>
    public const int LegacyAlphabetCount = 24;

    public const int MaskBytes = Swarm.OperationsMax / 8;

    public const int V2HeaderBytes = LegacyHeaderBytes + 1 + MaskBytes + 1;

    /// <summary>Byte 0 at or above this marks a v2 header.</summary>
    public const int V2Marker = 0x80;

    public const int ScaleBitsMax = 20;

    /// <summary>Bit 7 of a v2 header's cpus byte: the v1 cgroup layout.</summary>
    public const int LayoutV1Bit = 0x80;

    static ByteCodec()
    {
        if (Alphabet.Specs.Count > Swarm.OperationsMax || Alphabet.Specs.Count < LegacyAlphabetCount)
            throw new InvalidOperationException($"the byte header holds {LegacyAlphabetCount}..{Swarm.OperationsMax} operations; the alphabet has {Alphabet.Specs.Count}");
    }

    /// <summary>The header as decoded: its version, the enabled codes in order and the mood byte (Balanced for legacy).</summary>
    public sealed record Header(bool V2, IReadOnlyList<int> Enabled, byte Mood)
    {
        public string Describe() => V2
            ? $"v2 header: mood {Moods.Name(Mood)}, {Enabled.Count} of {Alphabet.Specs.Count} operations enabled: {string.Join(' ', Enabled.Select(c => Alphabet.Specs[c].Keyword))}"
            : $"legacy header: codes modulo {LegacyAlphabetCount}";
    }

    private static readonly Header LegacyHeader = new(false, Enumerable.Range(0, LegacyAlphabetCount).ToArray(), (byte)Mood.Balanced);

    public static Scenario Decode(ReadOnlySpan<byte> input) => DecodeWithHeader(input).Scenario;

    public static (Scenario Scenario, Header Header) DecodeWithHeader(ReadOnlySpan<byte> input)
    {
        var reader = new Reader(input);
        int first = reader.Byte();
        bool v2 = first >= V2Marker;
        int scaleBits = (v2 ? first - V2Marker : first) % (ScaleBitsMax + 1);
        long raw = reader.Byte() | (reader.Byte() << 8) | (reader.Byte() << 16);
        int cpusByte = reader.Byte();
        var header = v2 ? ReadSwarm(ref reader) : LegacyHeader;
        if (header.Mood == (byte)Mood.SmallMachine) scaleBits = Math.Min(scaleBits, Moods.SmallMachineScaleBits);
        int pages = 1 + (int)(raw & ((1L << scaleBits) - 1));
        int cpus = 1 + cpusByte % (header.Mood == (byte)Mood.FewCpus ? Moods.FewCpusMax : KernelConstants.CpusMax);
        var layout = v2 && (cpusByte & LayoutV1Bit) != 0 ? CgroupLayout.V1 : CgroupLayout.V2;
        var ops = new List<Op>();
        var enabled = header.Enabled;
        while (ops.Count < Scenario.OpsMax && reader.Remaining > 0)
        {
            var spec = Alphabet.Specs[enabled[reader.Byte() % enabled.Count]];
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
        return (new Scenario(new MachineConfig(pages, cpus, layout), ops), header);
    }

    private static Header ReadSwarm(ref Reader reader)
    {
        int count = reader.Byte();
        if (count == 0 || count > Alphabet.Specs.Count) count = Alphabet.Specs.Count;
        Span<byte> mask = stackalloc byte[MaskBytes];
        for (int b = 0; b < MaskBytes; b++) mask[b] = (byte)reader.Byte();
        byte mood = (byte)reader.Byte();
        var enabled = new List<int>();
        for (int code = 0; code < count; code++)
            if ((mask[code / 8] & (1 << (code % 8))) != 0) enabled.Add(code);
        if (enabled.Count == 0) enabled.AddRange(Enumerable.Range(0, count));
        return new Header(true, enabled, mood);
    }

    /// <summary>The v2 form: the swarm's enable bits and mood when given (a generated scenario's), else those of the operations used and Balanced.</summary>
    public static byte[] Encode(Scenario scenario, Swarm? swarm = null)
    {
        var mood = swarm?.Mood ?? Mood.Balanced;
        UInt128 mask = ((swarm?.Enabled ?? UInt128.Zero) | Swarm.Used(scenario)) & Swarm.AllOperations;
        var machine = scenario.Machine;
        if (mood == Mood.SmallMachine && machine.Pages > Moods.SmallMachinePagesMax)
            throw new ArgumentException($"mood {mood} holds at most {Moods.SmallMachinePagesMax} pages, the machine has {machine.Pages}");
        if (mood == Mood.FewCpus && machine.Cpus > Moods.FewCpusMax)
            throw new ArgumentException($"mood {mood} holds at most {Moods.FewCpusMax} CPUs, the machine has {machine.Cpus}");
        var bytes = new List<byte>();
        long raw = machine.Pages - 1;
        bytes.Add(V2Marker | ScaleBitsMax);
        bytes.Add((byte)raw);
        bytes.Add((byte)(raw >> 8));
        bytes.Add((byte)(raw >> 16));
        bytes.Add((byte)((machine.Cpus - 1) | (machine.Layout == CgroupLayout.V1 ? LayoutV1Bit : 0)));
        bytes.Add((byte)Alphabet.Specs.Count);
        for (int b = 0; b < MaskBytes; b++) bytes.Add((byte)(mask >> (8 * b)));
        bytes.Add((byte)mood);
        // An operation's byte is its position among the enabled codes.
        var position = new int[Alphabet.Specs.Count];
        int enabled = 0;
        for (int code = 0; code < Alphabet.Specs.Count; code++)
            if (((mask >> code) & UInt128.One) != UInt128.Zero) position[code] = enabled++;
        foreach (var op in scenario.Ops.Take(Scenario.OpsMax))
        {
            var spec = op.Spec;
            bytes.Add((byte)position[spec.Code]);
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
