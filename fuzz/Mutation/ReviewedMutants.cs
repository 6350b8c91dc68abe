namespace Verify.Fuzz.Mutation;

/// <summary>
/// One reviewed mutant: a row of properties/Mutation/equivalent-mutants.tsv (a survivor no test can
/// kill) or of properties/Mutation/looping-mutants.tsv (a timeout that really never ends).
/// </summary>
public sealed record ReviewedMutant(string File, int Line, string Mutator, string Original, string Replacement, string Reason)
{
    /// <summary>
    /// The report's mutant is this one: same file (the report's path ends with ours), line and
    /// replacement text, compared with every run of white space as one space (a row is one line;
    /// a replacement that spans lines is written on one).
    /// </summary>
    public bool Matches(Mutant mutant) =>
        mutant.Line == Line && OneLine(mutant.Replacement) == OneLine(Replacement) &&
        mutant.File.Replace('\\', '/').EndsWith("/" + File, StringComparison.Ordinal);

    private static string OneLine(string text) => System.Text.RegularExpressions.Regex.Replace(text.Trim(), @"\s+", " ");
}

/// <summary>Reads a reviewed-mutant list: tab-separated rows of six fields; '#' starts a comment line. Bad rows name the file and line.</summary>
public static class ReviewedMutants
{
    public static IReadOnlyList<ReviewedMutant> Load(string path)
    {
        if (!File.Exists(path)) throw new MutationReportException($"{path}: no such file");
        var rows = new List<ReviewedMutant>();
        var lines = File.ReadAllLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0 || lines[i].StartsWith('#')) continue;
            var f = lines[i].Split('\t');
            if (f.Length != 6 || !int.TryParse(f[1], out int line))
                throw new MutationReportException($"{path}:{i + 1}: expected six tab-separated fields (file, line number, mutator, original, replacement, reason)");
            rows.Add(new ReviewedMutant(f[0], line, f[2], f[3], f[4], f[5]));
        }
        return rows;
    }
}
