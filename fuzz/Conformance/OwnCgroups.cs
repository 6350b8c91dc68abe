namespace Verify.Fuzz.Conformance;

/// <summary>
/// Where conformance runs may write: the cgroup v1 memory and pids hierarchies as mounted, and
/// this process's own group in each (/proc/self/cgroup). Every group a run makes is a direct
/// child of its own group named verify-*, or a descendant of one; nothing else is ever written.
/// Unavailable names, in one line, why a machine cannot run the scenarios (no v1 memory or pids
/// mount, a read-only one, not root, not Linux).
/// </summary>
public sealed class OwnCgroups
{
    public const string Prefix = "verify-";

    /// <summary>Our own group's directory in the memory hierarchy and in the pids hierarchy.</summary>
    public string Memory { get; }

    public string Pids { get; }

    private OwnCgroups(string memory, string pids) => (Memory, Pids) = (memory, pids);

    /// <summary>The two own groups, or null with the reason the machine cannot run conformance scenarios.</summary>
    public static OwnCgroups? Find(out string? unavailable)
    {
        unavailable = null;
        if (!OperatingSystem.IsLinux()) return Fail("not Linux", out unavailable);
        if (Environment.UserName != "root") return Fail($"not root (user {Environment.UserName}): cgroup files need root", out unavailable);
        var mounts = V1Mounts();
        var own = OwnPaths();
        string? memory = Dir(mounts, own, "memory"), pids = Dir(mounts, own, "pids");
        if (memory is null || pids is null) return Fail($"no cgroup v1 {(memory is null ? "memory" : "pids")} hierarchy mounted read-write with this process in it (/proc/self/mounts, /proc/self/cgroup)", out unavailable);
        if (!File.Exists(Path.Combine(memory, "memory.kmem.tcp.limit_in_bytes"))) return Fail($"{memory} has no memory.kmem.tcp files", out unavailable);
        if (!File.Exists(Path.Combine(pids, "cgroup.procs"))) return Fail($"{pids} is not a cgroup directory", out unavailable);
        return new OwnCgroups(memory, pids);
    }

    private static OwnCgroups? Fail(string reason, out string? unavailable)
    {
        unavailable = $"conformance scenarios skipped: {reason}";
        return null;
    }

    /// <summary>Each read-write v1 hierarchy's mount point by controller (the options of /proc/self/mounts name them).</summary>
    private static Dictionary<string, string> V1Mounts()
    {
        var mounts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines("/proc/self/mounts"))
        {
            string[] fields = line.Split(' ');
            if (fields.Length < 4 || fields[2] != "cgroup") continue;
            string[] options = fields[3].Split(',');
            if (!options.Contains("rw")) continue;
            foreach (string controller in new[] { "memory", "pids" })
                if (options.Contains(controller)) mounts.TryAdd(controller, fields[1]);
        }
        return mounts;
    }

    /// <summary>This process's group path in each v1 hierarchy, by controller ("4:memory:/a/b").</summary>
    private static Dictionary<string, string> OwnPaths()
    {
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines("/proc/self/cgroup"))
        {
            string[] fields = line.Split(':', 3);
            if (fields.Length != 3) continue;
            foreach (string controller in fields[1].Split(',')) paths.TryAdd(controller, fields[2]);
        }
        return paths;
    }

    private static string? Dir(Dictionary<string, string> mounts, Dictionary<string, string> own, string controller) =>
        mounts.TryGetValue(controller, out string? mount) && own.TryGetValue(controller, out string? path)
        && Directory.Exists(Path.Join(mount, path)) ? Path.Join(mount, path) : null;

    /// <summary>
    /// Removes what an earlier run left (verify-&lt;pid&gt;-* groups under our own ones, deepest
    /// first, whose pid is no live process: a live one is another run's). A group that still holds
    /// a task is left alone and named in the returned list: its task is not ours to end.
    /// </summary>
    public List<string> RemoveLeftovers()
    {
        var kept = new List<string>();
        foreach (string own in new[] { Memory, Pids })
            foreach (string dir in Directory.EnumerateDirectories(own, Prefix + "*").Where(IsFromAnEndedRun))
                foreach (string group in Directory.EnumerateDirectories(dir, "*", SearchOption.AllDirectories).Reverse().Append(dir))
                    if (CgroupFs.TryRemoveDirectory(group) is int errno && errno != 0) kept.Add($"{group} ({CgroupFs.Errno.Name(errno)})");
        return kept;
    }

    /// <summary>Whether the group's name carries the pid of a process that is gone (verify-&lt;pid&gt;-&lt;n&gt;; any other verify-* name counts as ended).</summary>
    private static bool IsFromAnEndedRun(string dir)
    {
        string[] parts = Path.GetFileName(dir)[Prefix.Length..].Split('-');
        return !int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid)
            || pid == Environment.ProcessId || !Directory.Exists($"/proc/{pid}");
    }

    /// <summary>Every verify-* group under our own ones (a test asserts none is left after a run).</summary>
    public List<string> Leftovers() => new[] { Memory, Pids }
        .SelectMany(own => Directory.EnumerateDirectories(own, Prefix + "*")).Order(StringComparer.Ordinal).ToList();
}
