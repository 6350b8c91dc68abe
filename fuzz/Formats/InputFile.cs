using Verify.Model.Alphabet;

namespace Verify.Fuzz.Formats;

/// <summary>Loads a scenario from a .trace (text) or .bin (fuzzer bytes) file, or finds them under a folder.</summary>
public static class InputFile
{
    /// <summary>Files larger than this are refused with an error rather than read.</summary>
    public const long FileBytesMax = 16 << 20;

    public static bool IsInput(string path) =>
        path.EndsWith(".trace", StringComparison.Ordinal) || path.EndsWith(".bin", StringComparison.Ordinal);

    /// <summary>The inputs named: files as given, folders searched recursively for .trace and .bin, sorted by path.</summary>
    public static List<string> Expand(IEnumerable<string> paths)
    {
        var found = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
                found.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Where(IsInput).Order(StringComparer.Ordinal));
            else
                found.Add(path);
        }
        return found;
    }

    public static Scenario Load(string path)
    {
        if (!File.Exists(path)) throw new InputException(path, 0, 0, "no such file");
        long length = new FileInfo(path).Length;
        if (length > FileBytesMax) throw new InputException(path, 0, 0, $"file is {length} bytes, above the {FileBytesMax}-byte limit");
        if (path.EndsWith(".trace", StringComparison.Ordinal)) return TraceFormat.ParseFile(path);
        if (path.EndsWith(".bin", StringComparison.Ordinal)) return ByteCodec.Decode(File.ReadAllBytes(path));
        throw new InputException(path, 0, 0, "unknown input type: expected a .trace or .bin file");
    }
}
