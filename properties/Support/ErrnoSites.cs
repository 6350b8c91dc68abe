using System.Text.RegularExpressions;

namespace Verify.Properties.Support;

/// <summary>
/// The errno returns written in a C# source file, found by reading it: each
/// "Outcome.Fail(Errno.X)" and each "if (!x.IsOk) ... return x;" (a failed call's outcome passed
/// on), named by the member it sits in (the nearest declaration line above it) and numbered in
/// source order per member and kind. Kind is the errno's name, or "propagated".
/// </summary>
public static partial class ErrnoSites
{
    public const string PropagatedKind = "propagated";

    public readonly record struct Site(string File, string Function, string Kind, int Ordinal)
    {
        public override string ToString() => $"{File} {Function} {Kind}#{Ordinal}";
    }

    public static IReadOnlyList<Site> InFile(string relativePath, string text)
    {
        string[] lines = text.Split('\n');
        var memberAt = new string[lines.Length];
        string member = "(none)";
        for (int i = 0; i < lines.Length; i++)
        {
            if (MemberDeclaration().Match(lines[i]) is { Success: true } m) member = m.Groups[1].Value;
            memberAt[i] = member;
        }

        var found = new List<(int Line, string Kind)>();
        for (int i = 0; i < lines.Length; i++)
            foreach (Match m in FailReturn().Matches(lines[i])) found.Add((i, m.Groups[1].Value));
        foreach (Match m in PropagatedReturn().Matches(text)) found.Add((LineOf(text, m.Index), PropagatedKind));

        var ordinals = new Dictionary<(string, string), int>();
        var sites = new List<Site>();
        foreach (var (line, kind) in found.OrderBy(f => f.Line))
        {
            var key = (memberAt[line], kind);
            int ordinal = ordinals.GetValueOrDefault(key) + 1;
            ordinals[key] = ordinal;
            sites.Add(new Site(relativePath, memberAt[line], kind, ordinal));
        }
        return sites;
    }

    /// <summary>Every site in the .cs files under root/folder (build output excluded), paths relative to root with '/'.</summary>
    public static IReadOnlyList<Site> InFolder(string root, string folder) =>
        Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Where(path => !path.Contains("/obj/", StringComparison.Ordinal) && !path.Contains("/bin/", StringComparison.Ordinal))
            .OrderBy(path => path, StringComparer.Ordinal)
            .SelectMany(path => InFile(path, File.ReadAllText(Path.Combine(root, path))))
            .ToList();

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n');

    /// <summary>A member declaration: an access modifier, then a name followed by '(' before any '='.</summary>
    [GeneratedRegex(@"^\s*(?:public|private|internal|protected)\b[^=(]*?\b(\w+)\s*\(")]
    private static partial Regex MemberDeclaration();

    [GeneratedRegex(@"Outcome\.Fail\(Errno\.(\w+)\)")]
    private static partial Regex FailReturn();

    /// <summary>"if (!x.IsOk) return x;" or "if (!x.IsOk) { ...; return x; }" with no nested block.</summary>
    [GeneratedRegex(@"if \(!(\w+)\.IsOk\)\s*(?:return \1;|\{[^{}]*?\breturn \1;\s*\})")]
    private static partial Regex PropagatedReturn();
}
