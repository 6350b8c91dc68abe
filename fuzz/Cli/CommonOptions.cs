using System.CommandLine;
using Verify.Fuzz.Harness;
using Verify.Fuzz.Planted;

namespace Verify.Fuzz.Cli;

/// <summary>Options several commands share.</summary>
public static class CommonOptions
{
    public static Option<string?> Planted() => new("--planted")
    {
        Description = $"Wrap the impl with a planted bug (test only): {string.Join(", ", PlantedBugs.All.Keys)}",
    };

    /// <summary>A runner for the impl or a planted-bug wrapper; null (after a message) for an unknown name.</summary>
    public static Runner? RunnerFor(string? planted)
    {
        try { return new Runner(PlantedBugs.ImplFactory(planted)); }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"fuzz: {e.Message}");
            return null;
        }
    }
}
