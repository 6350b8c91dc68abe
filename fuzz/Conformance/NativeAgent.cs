using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;

namespace Verify.Fuzz.Conformance;

/// <summary>
/// The native agent (agent/verify-agent.c, embedded in this assembly): built once per source with
/// the system C compiler into the temp directory, started as a child of this process, moved into
/// the groups under test, then driven one action per line. An answer is Ok with a value, or the
/// errno name the agent met (EAGAIN from fork). Dispose ends it by its pid and waits for it.
/// </summary>
public sealed class NativeAgent : IDisposable
{
    private const string SourceResource = "Verify.Fuzz.Conformance.verify-agent.c";

    private readonly Process _process;

    public int Pid { get; }

    private NativeAgent(Process process, int pid) => (_process, Pid) = (process, pid);

    /// <summary>The agent's binary, compiled when this source has not been yet; null with the reason when no C compiler is on PATH or it fails.</summary>
    public static string? Build(out string? unavailable)
    {
        unavailable = null;
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(SourceResource)
            ?? throw new InvalidOperationException($"{SourceResource} is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}");
        using var reader = new StreamReader(stream);
        string source = reader.ReadToEnd();
        string hash = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(source)))[..12].ToLowerInvariant();
        string dir = Path.Combine(Path.GetTempPath(), $"verify-agent-{hash}");
        string binary = Path.Combine(dir, "verify-agent");
        if (File.Exists(binary)) return binary;
        string? compiler = Afl.ExternalCommand.FindOnPath("cc") ?? Afl.ExternalCommand.FindOnPath("gcc");
        if (compiler is null)
        {
            unavailable = "conformance scenarios skipped: no C compiler (cc or gcc) on PATH to build the agent (apt-get install gcc)";
            return null;
        }
        Directory.CreateDirectory(dir);
        string sourcePath = Path.Combine(dir, "verify-agent.c"), building = binary + ".tmp";
        File.WriteAllText(sourcePath, source);
        var result = Afl.ExternalCommand.Run(compiler, ["-O2", "-Wall", "-Wextra", "-o", building, sourcePath], TimeSpan.FromMinutes(2));
        if (result.ExitCode != 0)
        {
            unavailable = $"conformance scenarios skipped: {compiler} could not build {sourcePath} (exit {result.ExitCode}): {result.Output.Trim()}";
            return null;
        }
        File.Move(building, binary, overwrite: true);
        return binary;
    }

    private static int _started;

    /// <summary>Starts the agent with a data file in the temp directory (it unlinks it at once); it has faulted in its stack and stdio before it says ready.</summary>
    public static NativeAgent Start(string binary)
    {
        string data = Path.Combine(Path.GetTempPath(), $"verify-agent-{Environment.ProcessId}-{Interlocked.Increment(ref _started)}.data");
        var info = new ProcessStartInfo(binary, [data]) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        var process = Process.Start(info) ?? throw new IOException($"{binary} did not start");
        string? ready = process.StandardOutput.ReadLine();
        if (ready is null || !ready.StartsWith("ready ", StringComparison.Ordinal))
        {
            process.Kill();
            throw new IOException($"{binary}: expected 'ready <pid>', got '{ready}'");
        }
        return new NativeAgent(process, int.Parse(ready.AsSpan(6), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>One action ("touch 100", "fork 3", ...): the agent's answer.</summary>
    public AgentAnswer Do(string action) => TryDo(action) ?? throw new IOException($"agent {Pid} ended before answering '{action}'");

    /// <summary>One action: the agent's answer, or null when it ended first (the OOM killer took it); then it has been waited for.</summary>
    public AgentAnswer? TryDo(string action)
    {
        string? line;
        try
        {
            _process.StandardInput.WriteLine(action);
            _process.StandardInput.Flush();
            line = _process.StandardOutput.ReadLine();
        }
        catch (IOException)
        {
            line = null; // the pipe broke: it is gone
        }
        if (line is null)
        {
            _process.WaitForExit();
            return null;
        }
        string[] words = line.Split(' ');
        return words switch
        {
            ["ok", var value] => new AgentAnswer("ok", long.Parse(value, System.Globalization.CultureInfo.InvariantCulture)),
            ["err", var errno, var value] => new AgentAnswer(errno, long.Parse(value, System.Globalization.CultureInfo.InvariantCulture)),
            _ => throw new IOException($"agent {Pid}: unreadable answer '{line}' to '{action}'"),
        };
    }

    /// <summary>Ends the agent by its pid (its children die with it: PR_SET_PDEATHSIG) and waits for it.</summary>
    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}

/// <summary>The agent's answer: "ok" or an errno name, and the value (pages, children).</summary>
public readonly record struct AgentAnswer(string Result, long Value)
{
    public bool IsOk => Result == "ok";

    public override string ToString() => IsOk ? $"ok {Value}" : $"{Result} after {Value}";
}
