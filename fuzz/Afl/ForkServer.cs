using Verify.Fuzz.Harness;
using Verify.Model.Coverage;

namespace Verify.Fuzz.Afl;

/// <summary>
/// The AFL++ 4.04c fork-server protocol, in persistent mode, spoken by a .NET process that runs
/// every input itself (no fork: forking a running .NET runtime is unsafe). Pipes are the fds
/// afl-fuzz sets up: 198 control (we read), 199 status (we write); every word is a 32-bit
/// little-endian integer.
///
///   hello:  shared-memory test cases (__AFL_SHM_FUZZ_ID set): we write FS_OPT_ENABLED |
///           FS_OPT_MAPSIZE | FS_OPT_SET_MAPSIZE(65536) | FS_OPT_SHDMEM_FUZZ = 0xC101FFFF and read
///           afl-fuzz's 4-byte reply (it echoes FS_OPT_ENABLED | FS_OPT_SHDMEM_FUZZ);
///           otherwise we write 0 (the classic hello, no options, no reply) and read inputs from
///           stdin (or the file afl-fuzz names with @@).
///   a run:  read the control word (1 when afl-fuzz killed the last run for a timeout), read the
///           input, write a pid, reset the edge state, run, write a wait status:
///           0 (exited normally) for a pass, 6 (killed by SIGABRT) for a finding.
///   end:    afl-fuzz closes the control pipe (read returns end-of-file): we return.
///
/// Guarantees: a finding and any exception the harness throws are both reported as status 6 and
/// the server carries on; only a broken pipe or an unreadable input ends it, with an IOException.
/// </summary>
public sealed unsafe class ForkServer(FuzzTarget target, ITestCaseSource inputs, bool sharedMemoryInputs)
{
    public const int ControlFd = 198, StatusFd = 199;
    public const uint FsOptEnabled = 0x80000001, FsOptMapSize = 0x40000000, FsOptShdmemFuzz = 0x01000000;
    public const uint StatusPass = 0, StatusFinding = Libc.SIGABRT;

    /// <summary>FS_OPT_SET_MAPSIZE: the map size minus one, shifted left by one.</summary>
    public const uint SharedMemoryHello = FsOptEnabled | FsOptMapSize | ((AflCoverage.MapSizeBytes - 1) << 1) | FsOptShdmemFuzz;
    public const uint ClassicHello = 0;

    /// <summary>Handshakes and serves runs until afl-fuzz closes the control pipe.</summary>
    public void Serve()
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the AFL protocol words are little-endian; this machine is not");
        Libc.SetCloseOnExec(ControlFd);
        Libc.SetCloseOnExec(StatusFd);
        using var child = new SacrificialChild();
        Handshake();
        while (ReadWord(out uint control))
        {
            if (control != 0) child.Replace();
            var input = inputs.Next();
            WriteWord((uint)child.Pid);
            AflCoverage.BeginRun();
            uint status = RunOne(input);
            WriteWord(status);
        }
    }

    private void Handshake()
    {
        if (!sharedMemoryInputs)
        {
            WriteWord(ClassicHello);
            return;
        }
        WriteWord(SharedMemoryHello);
        if (!ReadWord(out uint reply))
            throw new IOException("afl-fuzz closed the control pipe during the handshake");
        if ((reply & (FsOptEnabled | FsOptShdmemFuzz)) != (FsOptEnabled | FsOptShdmemFuzz))
            throw new IOException($"afl-fuzz did not accept shared-memory test cases (reply 0x{reply:X8}); unset __AFL_SHM_FUZZ_ID to read inputs from stdin");
    }

    private uint RunOne(ReadOnlySpan<byte> input)
    {
        try
        {
            if (target.Run(input).Failure is null) return StatusPass;
        }
        catch (Exception e)
        {
            // The harness itself failed on this input: a finding too (status 6), not a reason to stop serving.
            // afl-fuzz shows the target's stderr only with AFL_DEBUG_CHILD=1; triage re-runs the input and reports it.
            Console.Error.WriteLine($"afl-target: the harness threw {e.GetType().Name}: {e.Message}");
        }
        return StatusFinding;
    }

    private static bool ReadWord(out uint word)
    {
        uint value = 0;
        bool whole = Libc.ReadExactly(ControlFd, (byte*)&value, sizeof(uint));
        word = value;
        return whole;
    }

    private static void WriteWord(uint word) => Libc.WriteExactly(StatusFd, (byte*)&word, sizeof(uint));
}
