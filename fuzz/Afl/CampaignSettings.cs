namespace Verify.Fuzz.Afl;

/// <summary>Everything a campaign is told; every path absolute.</summary>
public sealed record CampaignSettings(
    RepoLayout Repo,
    string OutputDirectory,
    TimeSpan Duration,
    int Jobs,
    string? Planted,
    string SeedsDirectory,
    string RegressionsDirectory,
    int TimeoutMs,
    string HostName,
    string? BuildOutput,
    bool TriageOnly,
    TimeSpan TminLimit,
    bool CompareGenerator = false,
    bool UntilFirstCrash = false)
{
    public string InputDirectory => Path.Combine(OutputDirectory, "in");

    public string SyncDirectory => Path.Combine(OutputDirectory, "sync");

    public string TargetDirectory => Path.Combine(OutputDirectory, "target");

    public string BlocksTargetDirectory => Path.Combine(OutputDirectory, "target-blocks");

    public string LogDirectory => Path.Combine(OutputDirectory, "logs");

    public string TriageDirectory => Path.Combine(OutputDirectory, "triage");

    public string PlotDirectory => Path.Combine(OutputDirectory, "plot");

    /// <summary>The -M instance: one per host, named after it, as AFL++'s multi-machine mode asks.</summary>
    public string MainName => $"main-{HostName}";

    public string SecondaryName(int index) => $"{HostName}-s{index}";
}
