namespace Verify.Fuzz.Afl;

/// <summary>
/// Where a campaign finds the repository: the nearest folder holding Verify.sln above the current
/// folder, else above this program's own folder. Throws a one-line error when there is none.
/// </summary>
public sealed record RepoLayout(string Root)
{
    public string FuzzProject => Path.Combine(Root, "fuzz", "Fuzz.csproj");

    public string Corpus => Path.Combine(Root, "corpus");

    public string Regressions => Path.Combine(Root, "corpus", "regressions");

    public static RepoLayout Find()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Verify.sln"))) return new RepoLayout(directory.FullName);
            }
        }
        throw new IOException($"no Verify.sln above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}; run the campaign from inside the repository");
    }

    /// <summary>Builds fuzz/ in Release and returns the build output folder (the one holding Verify.Fuzz.dll).</summary>
    public string BuildRelease(string logPath)
    {
        var result = ExternalCommand.Run("dotnet", ["build", FuzzProject, "-c", "Release", "--nologo", "-v", "q"], TimeSpan.FromMinutes(10), logPath: logPath);
        if (result.ExitCode != 0)
            throw new IOException($"dotnet build -c Release of {FuzzProject} failed (exit {result.ExitCode}); see {logPath}:\n{result.LastLines(10)}");
        string binRelease = Path.Combine(Root, "fuzz", "bin", "Release");
        var built = Directory.Exists(binRelease)
            ? Directory.EnumerateFiles(binRelease, "Verify.Fuzz.dll", SearchOption.AllDirectories).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;
        return Path.GetDirectoryName(built ?? throw new IOException($"the Release build left no Verify.Fuzz.dll under {binRelease}"))!;
    }
}
