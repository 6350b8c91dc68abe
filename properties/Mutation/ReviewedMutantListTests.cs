using Verify.Properties.Support;

namespace Verify.Properties.Mutation;

/// <summary>
/// The reviewed lists (properties/Mutation/equivalent-mutants.tsv and looping-mutants.tsv) stay
/// true to the code: every row names an existing file of impl/ or model/, a line that still holds
/// the row's original text, a replacement that differs from it and a reason. A row whose line
/// moved fails here with the file and line to fix.
/// </summary>
public sealed class ReviewedMutantListTests
{
    [Theory]
    [InlineData("equivalent-mutants.tsv")]
    [InlineData("looping-mutants.tsv")]
    public void EveryRowStillPointsAtItsOriginalText(string list)
    {
        string listPath = Path.Combine(RepoPaths.Root, "properties", "Mutation", list);
        var problems = new List<string>();
        var lines = File.ReadAllLines(listPath);
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0 || lines[i].StartsWith('#')) continue;
            string where = $"{listPath}:{i + 1}";
            var fields = lines[i].Split('\t');
            if (fields.Length != 6) { problems.Add($"{where}: {fields.Length} tab-separated fields, expected 6 (file, line, mutator, original, replacement, reason)"); continue; }
            var (file, lineText, original, replacement, reason) = (fields[0], fields[1], fields[3], fields[4], fields[5]);
            string source = Path.Combine(RepoPaths.Root, file);
            if (!(file.StartsWith("impl/", StringComparison.Ordinal) || file.StartsWith("model/", StringComparison.Ordinal)) || !File.Exists(source))
            {
                problems.Add($"{where}: {file} is not a file of impl/ or model/");
                continue;
            }
            var code = File.ReadAllLines(source);
            if (!int.TryParse(lineText, out int line) || line < 1 || line > code.Length) problems.Add($"{where}: line {lineText} is not a line of {file}");
            else if (!code[line - 1].Contains(original, StringComparison.Ordinal)) problems.Add($"{where}: {file}:{line} no longer holds \"{original}\" (it reads \"{code[line - 1].Trim()}\")");
            if (original == replacement) problems.Add($"{where}: the replacement equals the original");
            if (reason.Trim().Length < 10) problems.Add($"{where}: no reason given");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
