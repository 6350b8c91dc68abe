using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using Verify.Fuzz.Afl;
using Verify.Properties.Support;

namespace Verify.Properties.Afl;

/// <summary>Paths and helpers the AFL bridge tests share.</summary>
public static class AflTestSupport
{
    /// <summary>The fuzz project's build output for the configuration these tests were built in (fuzz/bin/CONFIG/TFM).</summary>
    public static string FuzzBuildOutput { get; } = FindFuzzBuildOutput();

    public static string NewTempDirectory(string purpose)
    {
        string path = Path.Combine(Path.GetTempPath(), $"verify-afl-{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Runs `dotnet args...` to completion (at most limit); returns the exit code and everything it printed.</summary>
    public static (int ExitCode, string Output) RunDotnet(IEnumerable<string> args, TimeSpan limit, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish within {limit.TotalSeconds} s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string FindFuzzBuildOutput()
    {
        // The tests run from properties/bin/CONFIG/TFM; the fuzz project builds into fuzz/bin/CONFIG/TFM.
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        string framework = testOutput.Name, configuration = testOutput.Parent!.Name;
        string path = Path.Combine(RepoPaths.Root, "fuzz", "bin", configuration, framework);
        if (!File.Exists(Path.Combine(path, InstrumentedCopy.HarnessAssembly)))
            throw new InvalidOperationException($"no fuzz build output at {path}; build Verify.sln first");
        return path;
    }
}

/// <summary>One instrumented copy of the fuzz build output (AFL edges), made once for the tests that share it and deleted after.</summary>
public sealed class InstrumentedBuildFixture : IDisposable
{
    public InstrumentedBuildFixture()
    {
        Root = AflTestSupport.NewTempDirectory("instrumented");
        Copy = InstrumentedCopy.Create(AflTestSupport.FuzzBuildOutput, Path.Combine(Root, "target"), ProbeMode.Edges);
    }

    public string Root { get; }

    public InstrumentedCopy.Result Copy { get; }

    public string Harness => Path.Combine(Copy.TargetDirectory, InstrumentedCopy.HarnessAssembly);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>
/// Loads the instrumented Verify.Model, Verify.Impl and Verify.Fuzz side by side with the
/// uninstrumented ones this test process runs on; everything else comes from the default context.
/// </summary>
public sealed class InstrumentedLoadContext(string directory) : AssemblyLoadContext($"afl-instrumented {directory}", isCollectible: true)
{
    private static readonly string[] Instrumented = ["Verify.Model", "Verify.Impl", "Verify.Fuzz"];

    protected override Assembly? Load(AssemblyName name)
    {
        string path = Path.Combine(directory, name.Name + ".dll");
        return Instrumented.Contains(name.Name) && File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }
}
