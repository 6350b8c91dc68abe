namespace Verify.Fuzz.Afl;

/// <summary>
/// The environment every AFL++ program of a campaign runs with (afl-fuzz, afl-tmin), and which
/// the .NET target inherits from them. Each setting has its reason beside it.
/// </summary>
public static class AflEnvironment
{
    /// <summary>afl-fuzz's per-run limit (-t): generous for .NET (a first-time JIT or a GC can take a few ms; the largest machines take tens).</summary>
    public const int TimeoutMsDefault = 2000;

    public static Dictionary<string, string> Create() => new(StringComparer.Ordinal)
    {
        // The target is `dotnet`, which carries no AFL instrumentation signature: do not look for one.
        ["AFL_SKIP_BIN_CHECK"] = "1",
        // Containers and VMs rarely let us set the CPU governor; a slower clock is not an error.
        ["AFL_SKIP_CPUFREQ"] = "1",
        // Do not pin instances to cores: the .NET runtime's JIT and GC threads want to float, and a
        // container may hide which cores are free.
        ["AFL_NO_AFFINITY"] = "1",
        // Findings are reported by status word, not by core dumps, so core_pattern does not matter.
        ["AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES"] = "1",
        // The campaign prints its own progress line; instances write plain logs.
        ["AFL_NO_UI"] = "1",
        // .NET startup plus the warm-up takes longer than a native binary's.
        ["AFL_FORKSRV_INIT_TMOUT"] = "60000",
        // Rerunning a campaign into the same folder resumes it instead of refusing.
        ["AFL_AUTORESUME"] = "1",
        // A seed that already fails is filtered out beforehand; this is the safety net.
        ["AFL_SKIP_CRASHES"] = "1",
        // The target: a 64 MiB gen0 and non-concurrent GC make short runs ~15% faster (measured).
        ["DOTNET_GCgen0size"] = "4000000",
        ["DOTNET_gcConcurrent"] = "0",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    /// <summary>The command afl-fuzz and afl-tmin run: the instrumented harness's afl-target.</summary>
    public static List<string> TargetCommand(string instrumentedDirectory, string? planted)
    {
        var command = new List<string> { "dotnet", Path.Combine(instrumentedDirectory, InstrumentedCopy.HarnessAssembly), "afl-target" };
        if (planted is not null) command.AddRange(["--planted", planted]);
        return command;
    }
}
