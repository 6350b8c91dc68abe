namespace Verify.Properties.Support;

/// <summary>Finds the repository from the test's output folder (the folder holding Verify.sln).</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Corpus => Path.Combine(Root, "corpus");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Verify.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Verify.sln above {AppContext.BaseDirectory}");
    }
}
