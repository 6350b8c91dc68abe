using System.Runtime.InteropServices;

namespace Verify.Fuzz.Afl;

/// <summary>
/// The few libc calls the AFL bridge needs (Linux only): System V shared memory for AFL's map and
/// test case, raw reads and writes on the fork-server pipes, and signals. Every wrapper either
/// succeeds or throws an IOException naming the call and errno; none retries silently except on
/// EINTR, which is not a failure.
/// </summary>
public static unsafe partial class Libc
{
    public const int EINTR = 4;
    public const int SEEK_SET = 0;
    public const int SIGINT = 2, SIGKILL = 9, SIGABRT = 6, SIGTERM = 15;
    public const int IPC_CREAT = 0x200, IPC_PRIVATE = 0, IPC_RMID = 0;
    public const int F_GETFD = 1, F_SETFD = 2, FD_CLOEXEC = 1;

    [LibraryImport("libc", EntryPoint = "shmat", SetLastError = true)]
    private static partial nint ShmAt(int shmId, nint address, int flags);

    [LibraryImport("libc", EntryPoint = "shmdt", SetLastError = true)]
    private static partial int ShmDt(nint address);

    [LibraryImport("libc", EntryPoint = "shmget", SetLastError = true)]
    private static partial int ShmGet(int key, nuint sizeBytes, int flags);

    [LibraryImport("libc", EntryPoint = "shmctl", SetLastError = true)]
    private static partial int ShmCtl(int shmId, int command, nint buffer);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "abort")]
    private static partial void LibcAbort();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Attaches the shared-memory segment shmId read-write; throws if the kernel refuses.</summary>
    public static byte* AttachShared(int shmId, string what)
    {
        nint address = ShmAt(shmId, 0, 0);
        if (address == -1) throw Failed($"shmat({what}={shmId})");
        return (byte*)address;
    }

    /// <summary>Detaches a segment attached with AttachShared.</summary>
    public static void DetachShared(byte* address)
    {
        if (ShmDt((nint)address) != 0) throw Failed("shmdt");
    }

    /// <summary>Creates a private segment of sizeBytes (for tests and tools that play AFL's part).</summary>
    public static int CreateShared(int sizeBytes)
    {
        int id = ShmGet(IPC_PRIVATE, (nuint)sizeBytes, IPC_CREAT | Convert.ToInt32("600", 8));
        if (id < 0) throw Failed($"shmget({sizeBytes} bytes)");
        return id;
    }

    /// <summary>Marks a segment for removal once the last process detaches.</summary>
    public static void RemoveShared(int shmId)
    {
        if (ShmCtl(shmId, IPC_RMID, 0) != 0) throw Failed($"shmctl({shmId}, IPC_RMID)");
    }

    /// <summary>Reads exactly count bytes; false when the stream ends first (the peer closed it before a whole word).</summary>
    public static bool ReadExactly(int fd, byte* buffer, int count)
    {
        int done = 0;
        while (done < count)
        {
            nint got = Read(fd, buffer + done, count - done);
            if (got == 0) return false;
            if (got < 0)
            {
                if (Marshal.GetLastPInvokeError() == EINTR) continue;
                throw Failed($"read(fd {fd})");
            }
            done += (int)got;
        }
        return true;
    }

    /// <summary>Reads until end of file or until capacity bytes; returns how many were read.</summary>
    public static int ReadUpTo(int fd, byte* buffer, int capacity)
    {
        int done = 0;
        while (done < capacity)
        {
            nint got = Read(fd, buffer + done, capacity - done);
            if (got == 0) break;
            if (got < 0)
            {
                if (Marshal.GetLastPInvokeError() == EINTR) continue;
                throw Failed($"read(fd {fd})");
            }
            done += (int)got;
        }
        return done;
    }

    public static void WriteExactly(int fd, byte* buffer, int count)
    {
        int done = 0;
        while (done < count)
        {
            nint put = Write(fd, buffer + done, count - done);
            if (put < 0)
            {
                if (Marshal.GetLastPInvokeError() == EINTR) continue;
                throw Failed($"write(fd {fd})");
            }
            done += (int)put;
        }
    }

    public static void SeekToStart(int fd)
    {
        if (LSeek(fd, 0, SEEK_SET) < 0) throw Failed($"lseek(fd {fd}, 0) (is the input a pipe? afl-fuzz gives a file)");
    }

    /// <summary>Keeps fd out of every process this one starts (so a helper child never holds a fork-server pipe open).</summary>
    public static void SetCloseOnExec(int fd)
    {
        if (Fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) throw Failed($"fcntl(fd {fd}, F_SETFD, FD_CLOEXEC)");
    }

    /// <summary>Whether fd is an open descriptor of this process.</summary>
    public static bool IsOpen(int fd) => Fcntl(fd, F_GETFD, 0) >= 0;

    /// <summary>
    /// Ends this process the way a crashing native target would: killed by SIGABRT. libc's abort(),
    /// not kill(self, SIGABRT): the .NET runtime handles a SIGABRT sent to the process and lives on,
    /// whereas abort() restores the default action and raises it again if a handler returns.
    /// </summary>
    public static void Abort()
    {
        Console.Out.Flush();
        Console.Error.Flush();
        LibcAbort();
    }

    /// <summary>Sends a signal; false when the process no longer exists.</summary>
    public static bool Signal(int pid, int signal)
    {
        if (Kill(pid, signal) == 0) return true;
        const int ESRCH = 3;
        if (Marshal.GetLastPInvokeError() == ESRCH) return false;
        throw Failed($"kill({pid}, {signal})");
    }

    private static IOException Failed(string call)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }
}
