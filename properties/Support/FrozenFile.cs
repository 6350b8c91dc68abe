namespace Verify.Properties.Support;

/// <summary>
/// A file under model/Alphabet that freezes one line per alphabet code (frozen-codes.txt,
/// frozen-dispatch.txt): blank lines and lines starting with '#' are comments, a code's line never
/// changes, and new operations only append lines.
/// </summary>
public static class FrozenFile
{
    /// <summary>
    /// Asserts that the alphabet's lines now are the file's lines, code by code, and no more: a code
    /// gone or changed fails with changed(code, frozen line, line now) (a gone code's line now is
    /// null), extra codes with unfrozen(the lines to append).
    /// </summary>
    public static void AssertAppendOnly(string path, IReadOnlyList<string> now,
        Func<int, string, string?, string> changed, Func<IEnumerable<string>, string> unfrozen)
    {
        var frozen = File.ReadAllLines(path).Where(line => line.Length > 0 && !line.StartsWith('#')).ToList();
        for (int code = 0; code < frozen.Count; code++)
        {
            string? current = code < now.Count ? now[code] : null;
            Assert.True(frozen[code] == current, changed(code, frozen[code], current));
        }
        Assert.True(now.Count == frozen.Count, unfrozen(now.Skip(frozen.Count)));
    }
}
