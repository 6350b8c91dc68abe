using System.Text.RegularExpressions;
using Verify.Fuzz.Harness;
using Verify.Fuzz.Planted;
using Verify.Model.Alphabet;
using Verify.Properties.Support;

namespace Verify.Properties;

/// <summary>The README documents what the code has: every invariant, operation and planted bug.</summary>
public sealed class ReadmeTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));

    /// <summary>Each invariant's catalogue row is its name and its meaning, word for word (in the mutation profile: the meanings are the violations' explanations, and nothing else reads them).</summary>
    [Fact]
    [Trait("Category", Profile.MutationCategory)]
    public void EveryInvariantIsInTheReadmeCatalogue()
    {
        var missing = Invariant.Meanings.Where(pair => !Readme.Contains($"| `{pair.Key}` | {pair.Value} |", StringComparison.Ordinal)).Select(pair => pair.Key).ToList();
        Assert.True(missing.Count == 0, $"README.md's catalogue has no row with the name and the meaning of: {string.Join(", ", missing)}");
    }

    /// <summary>The other way round: each catalogue row names an invariant the code has (a meaning lost from the code leaves its row behind).</summary>
    [Fact]
    [Trait("Category", Profile.MutationCategory)]
    public void EveryCatalogueRowIsAnInvariant()
    {
        var rows = Regex.Matches(Readme, @"^\| `([A-Z][0-9]+\.[^`]+)` \|", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.True(rows.Count > 0, "README.md has no invariant catalogue rows");
        var unknown = rows.Where(name => !Invariant.Meanings.ContainsKey(name)).ToList();
        Assert.True(unknown.Count == 0, $"README.md's catalogue has rows for invariants the code does not have: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void EveryOperationIsDocumented()
    {
        var missing = Alphabet.Specs.Where(spec => !Readme.Contains($"`{spec.Keyword}`", StringComparison.Ordinal)).Select(s => s.Keyword).ToList();
        Assert.True(missing.Count == 0, $"README.md does not document: {string.Join(", ", missing)}");
    }

    [Fact]
    public void EveryPlantedBugIsDocumented()
    {
        var missing = PlantedBugs.All.Keys.Where(name => !Readme.Contains($"`{name}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"README.md does not list planted bugs: {string.Join(", ", missing)}");
    }
}
