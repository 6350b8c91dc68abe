namespace Verify.Fuzz.Mutation;

/// <summary>
/// The lines a change added or modified, as Stryker.NET mutate patterns. Stryker's own `--since`
/// works per file (a one-line change to MemoryCgroups.cs mutates all its ~740 mutants); this works
/// per line: the pattern "**/Dir/File.cs{start..end}" keeps only the mutants whose whole text lies
/// inside one of the character spans (Stryker's spans are UTF-16 offsets into the file, ends
/// exclusive). Deleted lines have no mutants, so a hunk that only deletes yields no span.
/// </summary>
public static class ChangedSpans
{
    /// <summary>Line ranges (first line, count; 1-based) of the new side of each file in `git diff -U0` output, files in diff order.</summary>
    public static IReadOnlyList<(string File, List<(int First, int Count)> Lines)> ParseDiff(string diff)
    {
        var files = new List<(string, List<(int, int)>)>();
        List<(int, int)>? current = null;
        foreach (var line in diff.Split('\n'))
        {
            if (line.StartsWith("+++ ", StringComparison.Ordinal))
            {
                // "+++ b/impl/X.cs", or "+++ /dev/null" for a deleted file (no new side).
                string path = line[4..].TrimEnd('\r');
                current = path.StartsWith("b/", StringComparison.Ordinal) ? [] : null;
                if (current is not null) files.Add((path[2..], current));
            }
            else if (line.StartsWith("@@ ", StringComparison.Ordinal) && current is not null)
            {
                // "@@ -a[,b] +c[,d] @@": the new side starts at line c and has d lines (d omitted means 1).
                string added = line.Split(' ')[2];
                if (!added.StartsWith('+')) throw new MutationReportException($"git diff: unreadable hunk header \"{line}\"");
                var parts = added[1..].Split(',');
                int first = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
                int count = parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
                if (count > 0) current.Add((first, count));
            }
        }
        return files;
    }

    /// <summary>The character span [start, end) of each line range in the text; end stops before the last line's line break.</summary>
    public static List<(int Start, int End)> CharacterSpans(string text, IEnumerable<(int First, int Count)> lines)
    {
        var lineStarts = new List<int> { 0 };
        for (int i = 0; i < text.Length; i++)
            if (text[i] == '\n') lineStarts.Add(i + 1);
        int LineEnd(int line) => line < lineStarts.Count ? lineStarts[line] - 1 : text.Length;  // line is 1-based: its '\n' sits before the next start
        var spans = new List<(int, int)>();
        foreach (var (first, count) in lines)
        {
            if (first < 1 || first + count - 1 > lineStarts.Count)
                throw new MutationReportException($"lines {first}..{first + count - 1} are not lines of the file ({lineStarts.Count} lines)");
            spans.Add((lineStarts[first - 1], LineEnd(first + count - 1)));
        }
        return spans;
    }

    /// <summary>The Stryker mutate pattern of a file of the project: "**/path-below-project{s..e}{s..e}".</summary>
    public static string Pattern(string pathInProject, IEnumerable<(int Start, int End)> spans) =>
        "**/" + pathInProject + string.Concat(spans.Select(s => $"{{{s.Start}..{s.End}}}"));
}
