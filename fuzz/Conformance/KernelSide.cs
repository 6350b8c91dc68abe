namespace Verify.Fuzz.Conformance;

/// <summary>
/// One scenario's footprint on the real kernel: a verify-&lt;pid&gt;-&lt;n&gt; group under our own
/// group in each hierarchy, the groups made below them, and the agents started. Every memory group
/// it makes gets memory.limit_in_bytes CapBytes at once: 256 MiB, or our own group's limit when
/// that is lower (never above what the parent allows; a scenario only lowers it). Dispose ends
/// every agent by its pid, then removes every group deepest first, waiting up to 5 s for exiting
/// tasks to leave; a group it cannot remove is an IOException (a test must not pass over a leak).
/// </summary>
public sealed class KernelSide : IDisposable
{
    public const long GroupLimitBytes = 256L << 20;

    private static int _runs;

    private readonly OwnCgroups _own;
    private readonly string _agentBinary;
    private readonly string _name = $"{OwnCgroups.Prefix}{Environment.ProcessId}-{Interlocked.Increment(ref _runs)}";
    private readonly List<string> _groups = [];
    private readonly List<NativeAgent> _agents = [];

    public KernelSide(OwnCgroups own, string agentBinary)
    {
        (_own, _agentBinary) = (own, agentBinary);
        CapBytes = Math.Min(GroupLimitBytes, CgroupFs.ReadNumber(Path.Combine(own.Memory, "memory.limit_in_bytes")));
    }

    /// <summary>The memory.limit_in_bytes every memory group gets when it is made.</summary>
    public long CapBytes { get; }

    /// <summary>A new memory group at the path below this scenario's top group ("" is the top group itself, made first).</summary>
    public string MemoryGroup(string relative = "")
    {
        string path = Make(_own.Memory, relative);
        CgroupFs.Write(Path.Combine(path, "memory.limit_in_bytes"), CapBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return path;
    }

    /// <summary>A new pids group at the path below this scenario's top group.</summary>
    public string PidsGroup(string relative = "") => Make(_own.Pids, relative);

    private string Make(string own, string relative)
    {
        string top = Path.Combine(own, _name);
        if (!_groups.Contains(top)) Create(top);
        string path = relative.Length == 0 ? top : Path.Combine(top, relative);
        if (!_groups.Contains(path)) Create(path);
        return path;
    }

    private void Create(string path)
    {
        int errno = CgroupFs.TryMakeDirectory(path);
        if (errno != 0) throw new IOException($"mkdir {path}: {CgroupFs.Errno.Name(errno)}");
        _groups.Add(path);
    }

    /// <summary>An agent moved into each of the groups (cgroup.procs) before it does anything.</summary>
    public NativeAgent Agent(params string[] groups)
    {
        var agent = NativeAgent.Start(_agentBinary);
        _agents.Add(agent);
        foreach (string group in groups) CgroupFs.Write(Path.Combine(group, "cgroup.procs"), agent.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return agent;
    }

    /// <summary>Ends the agent now (by its pid) and forgets it.</summary>
    public void End(NativeAgent agent)
    {
        agent.Dispose();
        _agents.Remove(agent);
    }

    public void Dispose()
    {
        foreach (var agent in _agents) agent.Dispose();
        _agents.Clear();
        var failures = new List<string>();
        foreach (string group in _groups.OrderByDescending(g => g.Length))
        {
            int errno = CgroupFs.TryRemoveDirectory(group);
            for (int waited = 0; errno == CgroupFs.Errno.EBUSY && waited < 100; waited++)
            {
                Thread.Sleep(50); // an ended task leaves its group when its exit completes
                errno = CgroupFs.TryRemoveDirectory(group);
            }
            if (errno != 0 && errno != CgroupFs.Errno.ENOENT) failures.Add($"{group}: {CgroupFs.Errno.Name(errno)}");
        }
        _groups.Clear();
        if (failures.Count > 0) throw new IOException($"conformance groups left behind: {string.Join("; ", failures)}");
    }
}
