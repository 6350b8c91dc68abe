using System.Security.Cryptography;
using Verify.Fuzz.Formats;
using Verify.Fuzz.Harness;

namespace Verify.Fuzz.Afl;

/// <summary>
/// Fills AFL's input folder from the corpus: every .trace file as its bytes
/// (ByteCodec.Encode(TraceFormat.ParseFile(path))), every .bin file as is, one file per distinct
/// content. A seed that already fails on the target (for instance one that reaches the planted bug)
/// is left out and listed, because afl-fuzz refuses crashing seeds and the point of a campaign is
/// to find failures itself. When nothing is left, the fixed warm-up inputs that pass are used.
/// Unreadable traces are reported and skipped, never fatal.
///
/// Encoded traces get the v2 header (ByteCodec): its enable bits are the operations the trace
/// uses and its mood Balanced, so AFL mutates each seed within its own swarm subset and explores
/// other subsets and moods by mutating the header. They also get a tight scale: ByteCodec.Encode
/// always writes the largest scale (20 bits) in byte 0, so any mutation of the page bytes can make
/// a machine of up to 2^20 pages, whose runs are tens of times slower. Writing the fewest scale
/// bits that hold pages-1 instead decodes to the same scenario (the masked bits are zero) while
/// most page-byte mutations stay within that scale; AFL reaches larger machines by mutating byte 0.
/// </summary>
public static class SeedCorpus
{
    public sealed record Result(int Written, IReadOnlyList<string> Failing, IReadOnlyList<string> Unreadable, bool BuiltIn);

    public static Result Prepare(string seedsDirectory, string inputDirectory, FuzzTarget target)
    {
        Directory.CreateDirectory(inputDirectory);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var failing = new List<string>();
        var unreadable = new List<string>();
        int written = 0;
        var files = Directory.Exists(seedsDirectory) ? InputFile.Expand([seedsDirectory]) : [];
        foreach (string path in files)
        {
            byte[] bytes;
            try { bytes = path.EndsWith(".trace", StringComparison.Ordinal) ? TightHeader(ByteCodec.Encode(TraceFormat.ParseFile(path))) : File.ReadAllBytes(path); }
            catch (Exception e) when (e is InputException or ArgumentException or IOException)
            {
                unreadable.Add($"{path}: {e.Message}");
                continue;
            }
            if (target.Run(bytes).Failure is { } failure)
            {
                failing.Add($"{Path.GetRelativePath(seedsDirectory, path)} ({Report.Describe(failure, ByteCodec.Decode(bytes))})");
                continue;
            }
            if (Write(inputDirectory, Path.GetFileNameWithoutExtension(path), bytes, seen)) written++;
        }
        if (written > 0) return new Result(written, failing, unreadable, BuiltIn: false);
        int index = 0;
        var empty = ByteCodec.Encode(new Model.Alphabet.Scenario(new Model.Contract.MachineConfig(1, 1), []));
        foreach (byte[] bytes in TargetWarmup.Inputs().Append(empty).Select(TightHeader))
        {
            if (target.Run(bytes).Failure is null && Write(inputDirectory, $"builtin-{index}", bytes, seen)) written++;
            index++;
        }
        if (written == 0) throw new IOException("no seed passes on this target, not even an empty scenario; nothing for afl-fuzz to start from");
        return new Result(written, failing, unreadable, BuiltIn: true);
    }

    /// <summary>
    /// The same input with the scale in byte 0 lowered to the bit length of pages-1 (keeping the v2
    /// marker bit of a v2 header); decodes to the same scenario.
    /// </summary>
    public static byte[] TightHeader(byte[] encoded)
    {
        if (encoded.Length < ByteCodec.LegacyHeaderBytes) return encoded;
        var tight = (byte[])encoded.Clone();
        int raw = encoded[1] | (encoded[2] << 8) | (encoded[3] << 16);
        int marker = encoded[0] & ByteCodec.V2Marker;
        int scaleBits = (encoded[0] - marker) % (ByteCodec.ScaleBitsMax + 1);
        if ((raw >> scaleBits) != 0) return encoded; // the encoder masks nothing away; anything else is not its output
        tight[0] = (byte)(marker | (32 - System.Numerics.BitOperations.LeadingZeroCount((uint)raw)));
        return tight;
    }

    private static bool Write(string directory, string stem, byte[] bytes, HashSet<string> seen)
    {
        string hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!seen.Add(hash)) return false;
        File.WriteAllBytes(Path.Combine(directory, $"{stem}-{hash[..8]}.bin"), bytes);
        return true;
    }
}
