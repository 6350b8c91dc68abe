namespace Verify.Fuzz.Afl;

/// <summary>Where the fork server finds each run's input. Each Next() returns the current test case in full (up to its cap).</summary>
public interface ITestCaseSource
{
    ReadOnlySpan<byte> Next();
}

/// <summary>
/// AFL++'s shared-memory test case (FS_OPT_SHDMEM_FUZZ): the segment named by __AFL_SHM_FUZZ_ID
/// holds a 4-byte little-endian length, then the bytes. afl-fuzz writes it before it sends the
/// control word, so it is complete when Next is called. Lengths above the segment's data size
/// (AFL's MAX_FILE) are clamped.
/// </summary>
public sealed unsafe class SharedMemoryTestCase(byte* segment) : ITestCaseSource
{
    /// <summary>AFL's MAX_FILE: the data part of the segment is this large.</summary>
    public const int DataBytesMax = 1 << 20;

    public ReadOnlySpan<byte> Next()
    {
        uint length = *(uint*)segment;
        return new ReadOnlySpan<byte>(segment + sizeof(uint), (int)Math.Min(length, DataBytesMax));
    }
}

/// <summary>
/// A file descriptor that afl-fuzz rewrites before every run (its .cur_input file as the target's
/// stdin): seeked to the start and read to its end, every time. Inputs longer than BytesMax are cut
/// (the codec ignores bytes past Scenario.OpsMax operations anyway).
/// </summary>
public sealed unsafe class DescriptorTestCase(int fd) : ITestCaseSource
{
    public const int BytesMax = 1 << 20;
    private readonly byte[] _buffer = new byte[BytesMax];

    public ReadOnlySpan<byte> Next()
    {
        Libc.SeekToStart(fd);
        fixed (byte* buffer = _buffer)
        {
            int length = Libc.ReadUpTo(fd, buffer, BytesMax);
            return new ReadOnlySpan<byte>(_buffer, 0, length);
        }
    }
}

/// <summary>A named file (afl-fuzz's @@), read afresh for every run; at most DescriptorTestCase.BytesMax bytes.</summary>
public sealed class FileTestCase(string path) : ITestCaseSource
{
    private readonly byte[] _buffer = new byte[DescriptorTestCase.BytesMax];

    public ReadOnlySpan<byte> Next()
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        int length = stream.ReadAtLeast(_buffer, _buffer.Length, throwOnEndOfStream: false);
        return new ReadOnlySpan<byte>(_buffer, 0, length);
    }
}
