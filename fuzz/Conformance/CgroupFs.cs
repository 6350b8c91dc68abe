using System.Runtime.InteropServices;
using System.Text;

namespace Verify.Fuzz.Conformance;

/// <summary>
/// Reads and writes cgroup v1 control files with the kernel's answer kept exactly: a write returns
/// 0 or the errno the kernel gave (EBUSY, EINVAL, ...), never an exception, so a scenario can
/// compare it with the model's Errno. Linux only.
/// </summary>
public static partial class CgroupFs
{
    private const int O_WRONLY = 1;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeDirectory(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "rmdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RemoveDirectory(string path);

    /// <summary>Writes the text in one write(2): 0, or the errno of open or write.</summary>
    public static unsafe int TryWrite(string path, string text)
    {
        int fd = Open(path, O_WRONLY);
        if (fd < 0) return Marshal.GetLastPInvokeError();
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        nint written;
        fixed (byte* buffer = bytes) written = Write(fd, buffer, bytes.Length);
        int errno = written < 0 ? Marshal.GetLastPInvokeError() : 0;
        Close(fd);
        return errno;
    }

    /// <summary>Writes the text; an IOException naming the file and errno when the kernel refuses.</summary>
    public static void Write(string path, string text)
    {
        int errno = TryWrite(path, text);
        if (errno != 0) throw new IOException($"{path}: writing '{text}' failed with {Errno.Name(errno)}");
    }

    /// <summary>mkdir(2): 0 or the errno.</summary>
    public static int TryMakeDirectory(string path) => MakeDirectory(path, 0b111_101_101) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>rmdir(2) of a cgroup: 0 or the errno (EBUSY while it holds tasks or children).</summary>
    public static int TryRemoveDirectory(string path) => RemoveDirectory(path) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>A control file holding one number.</summary>
    public static long ReadNumber(string path) => long.Parse(File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>One "key value" line of a flat keyed file (memory.stat, memory.oom_control, pids.events).</summary>
    public static long ReadKey(string path, string key)
    {
        foreach (string line in File.ReadLines(path))
        {
            int space = line.IndexOf(' ');
            if (space > 0 && line.AsSpan(0, space).SequenceEqual(key)) return long.Parse(line.AsSpan(space + 1), System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new IOException($"{path}: no line '{key}'");
    }

    /// <summary>The errno names the scenarios meet.</summary>
    public static class Errno
    {
        public const int EPERM = 1, ENOENT = 2, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EBUSY = 16, EEXIST = 17, EINVAL = 22, EROFS = 30;

        public static string Name(int errno) => errno switch
        {
            0 => "ok", EPERM => "EPERM", ENOENT => "ENOENT", EAGAIN => "EAGAIN", ENOMEM => "ENOMEM", EACCES => "EACCES",
            EBUSY => "EBUSY", EEXIST => "EEXIST", EINVAL => "EINVAL", EROFS => "EROFS", _ => $"errno {errno}",
        };
    }
}
