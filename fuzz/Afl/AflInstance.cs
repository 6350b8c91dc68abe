using System.Diagnostics;

namespace Verify.Fuzz.Afl;

/// <summary>
/// One running afl-fuzz (-M main or -S secondary) with its output going to a log file.
/// Guarantees: Stop asks it to finish cleanly (SIGINT, as Ctrl-C would; afl-fuzz then writes its
/// final stats and ends its target) and kills it with its children only if it has not ended
/// within the grace period; Dispose never leaves it running.
/// </summary>
public sealed class AflInstance : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private AflInstance(string name, Process process, StreamWriter log, string logPath)
    {
        Name = name;
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    public string Name { get; }

    public string LogPath { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <param name="main">True for the -M instance (deterministic stages, syncs everyone), false for -S.</param>
    /// <param name="schedule">A power schedule (-p) for secondaries, so they explore differently; null for the default.</param>
    public static AflInstance Start(string aflFuzz, string name, bool main, string? schedule, string inputDirectory, string syncDirectory,
        int timeoutMs, IReadOnlyList<string> target, IReadOnlyDictionary<string, string> environment, string logDirectory)
    {
        var arguments = new List<string> { "-i", inputDirectory, "-o", syncDirectory, main ? "-M" : "-S", name, "-t", timeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "none" };
        if (schedule is not null) arguments.AddRange(["-p", schedule]);
        arguments.Add("--");
        arguments.AddRange(target);
        var start = ExternalCommand.StartInfo(aflFuzz, arguments, environment, workingDirectory: null);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        Directory.CreateDirectory(logDirectory);
        string logPath = Path.Combine(logDirectory, $"{name}.log");
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        log.WriteLine($"$ {aflFuzz} {string.Join(' ', arguments)}");
        var process = ExternalCommand.Start(start);
        void Write(object _, DataReceivedEventArgs line)
        {
            if (line.Data is null) return;
            lock (log) log.WriteLine(line.Data);
        }
        process.OutputDataReceived += Write;
        process.ErrorDataReceived += Write;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new AflInstance(name, process, log, logPath);
    }

    /// <summary>Asks afl-fuzz to stop (SIGINT) without waiting.</summary>
    public void RequestStop()
    {
        if (!_process.HasExited) Libc.Signal(_process.Id, Libc.SIGINT);
    }

    /// <summary>Waits for the instance to end after RequestStop; kills it (and its target) after grace.</summary>
    public void WaitOrKill(TimeSpan grace)
    {
        if (!_process.WaitForExit(grace)) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>The last lines afl-fuzz printed (to explain an instance that ended on its own).</summary>
    public string LogTail(int lines)
    {
        lock (_log) _log.Flush();
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('\n', all.TakeLast(lines).Select(line => "    " + StripAnsi(line)));
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            RequestStop();
            WaitOrKill(TimeSpan.FromSeconds(10));
        }
        _process.WaitForExit(); // also waits until the output handlers have seen end-of-file, so the log can close
        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    private static string StripAnsi(string line) => System.Text.RegularExpressions.Regex.Replace(line, @"\x1b\[[0-9;?]*[A-Za-z]", "");
}
