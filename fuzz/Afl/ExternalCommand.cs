using System.Diagnostics;

namespace Verify.Fuzz.Afl;

/// <summary>
/// Runs a program to completion with its output captured (or sent to a log file), a working folder,
/// extra environment variables and a time limit. Guarantees: never throws for a non-zero exit
/// (the caller reads ExitCode), throws a one-line IOException when the program cannot be started,
/// and kills the program and its children when the limit passes (TimedOut is then true).
/// </summary>
public static class ExternalCommand
{
    public sealed record Result(int ExitCode, string Output, bool TimedOut)
    {
        public string LastLines(int count) => string.Join('\n', Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(count));
    }

    public static Result Run(string program, IEnumerable<string> arguments, TimeSpan limit,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, string? logPath = null)
    {
        var start = StartInfo(program, arguments, environment, workingDirectory);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var output = new System.Text.StringBuilder();
        using var log = logPath is null ? null : new StreamWriter(logPath, append: true) { AutoFlush = true };
        void Collect(object _, DataReceivedEventArgs line)
        {
            if (line.Data is null) return;
            lock (output)
            {
                output.AppendLine(line.Data);
                log?.WriteLine(line.Data);
            }
        }
        using var process = Start(start);
        process.OutputDataReceived += Collect;
        process.ErrorDataReceived += Collect;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        bool finished = process.WaitForExit(limit);
        if (!finished) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        lock (output) return new Result(finished ? process.ExitCode : -1, output.ToString(), !finished);
    }

    public static ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment, string? workingDirectory)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        return start;
    }

    public static Process Start(ProcessStartInfo start)
    {
        try { return Process.Start(start) ?? throw new IOException($"could not start {start.FileName}"); }
        catch (System.ComponentModel.Win32Exception e) { throw new IOException($"could not start {start.FileName}: {e.Message}", e); }
    }

    /// <summary>The full path of program on PATH, or null.</summary>
    public static string? FindOnPath(string program)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
