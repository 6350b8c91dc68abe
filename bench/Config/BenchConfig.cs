using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;

namespace Verify.Bench.Config;

/// <summary>
/// The configuration every benchmark shares: the default loggers, exporters and columns plus a
/// Median column; ratios shown as "Nx faster/slower" against the model baseline; artifacts kept
/// under bench/ so a run never writes into other projects' folders. It adds no job: each class
/// picks its own short job (MicroJobConfig, MacroJobConfig) to keep runs practical on 2 cores.
/// </summary>
public static class BenchConfig
{
    public const string ArtifactsFolder = "BenchmarkDotNet.Artifacts";

    public static IConfig Global() => DefaultConfig.Instance
        .AddColumn(StatisticColumn.Median)
        .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend))
        .WithArtifactsPath(Path.Combine(BenchProjectFolder(), ArtifactsFolder));

    /// <summary>The folder holding Bench.csproj, found upwards from the binary; the working directory when not found.</summary>
    private static string BenchProjectFolder()
    {
        const int LevelsUpMax = 8;
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        for (int level = 0; level < LevelsUpMax && folder is not null; level++, folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Bench.csproj"))) return folder.FullName;
        }
        return Directory.GetCurrentDirectory();
    }
}
