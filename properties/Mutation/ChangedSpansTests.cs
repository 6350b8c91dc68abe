using Verify.Fuzz.Mutation;

namespace Verify.Properties.Mutation;

/// <summary>
/// fuzz changed-spans' parts on hand-written input: the new-side line ranges of `git diff -U0`
/// hunks, their character spans in the file and the Stryker pattern. Expected values are counted by
/// hand from the texts below.
/// </summary>
public sealed class ChangedSpansTests
{
    private const string Diff =
        "diff --git a/impl/A.cs b/impl/A.cs\n" +
        "index 1..2 100644\n" +
        "--- a/impl/A.cs\n" +
        "+++ b/impl/A.cs\n" +
        "@@ -3 +3 @@ class A\n" +          // one line changed: line 3
        "-old\n+new\n" +
        "@@ -7,2 +7,0 @@ class A\n" +      // two lines deleted: no new-side line
        "-x\n-y\n" +
        "@@ -10,0 +9,3 @@ class A\n" +     // three lines added: 9, 10, 11
        "+a\n+b\n+c\n" +
        "diff --git a/impl/Gone.cs b/impl/Gone.cs\n" +
        "deleted file mode 100644\n" +
        "--- a/impl/Gone.cs\n" +
        "+++ /dev/null\n" +
        "@@ -1,2 +0,0 @@\n" +
        "-gone\n-gone\n" +
        "diff --git a/impl/New.cs b/impl/New.cs\n" +
        "--- /dev/null\n" +
        "+++ b/impl/New.cs\n" +
        "@@ -0,0 +1,2 @@\n" +
        "+n1\n+n2\n";

    [Fact]
    public void TheNewSideOfEachHunkIsKeptAndDeletionsAreDropped()
    {
        var files = ChangedSpans.ParseDiff(Diff);
        Assert.Equal(["impl/A.cs", "impl/New.cs"], files.Select(f => f.File));
        Assert.Equal([(3, 1), (9, 3)], files[0].Lines);
        Assert.Equal([(1, 2)], files[1].Lines);
    }

    [Fact]
    public void LineRangesBecomeCharacterSpansEndingBeforeTheLastLineBreak()
    {
        // Lines: "ab\n" at 0..2, "cde\n" at 3..6, "\n" at 7, "f" at 8 (no final line break).
        const string text = "ab\ncde\n\nf";
        Assert.Equal([(3, 6)], ChangedSpans.CharacterSpans(text, [(2, 1)]));
        Assert.Equal([(0, 7)], ChangedSpans.CharacterSpans(text, [(1, 3)]));
        Assert.Equal([(8, 9)], ChangedSpans.CharacterSpans(text, [(4, 1)]));
        // UTF-16 offsets, as Roslyn counts: "é" is one character, "𝄞" two, so "yz" starts at 6.
        Assert.Equal([(6, 8)], ChangedSpans.CharacterSpans("é𝄞\nx\nyz", [(3, 1)]));
        var e = Assert.Throws<MutationReportException>(() => ChangedSpans.CharacterSpans(text, [(4, 2)]));
        Assert.Contains("not lines of the file", e.Message);
    }

    [Fact]
    public void ThePatternNamesTheFileBelowTheProjectWithEachSpan() =>
        Assert.Equal("**/Cgroups/SlotPool.cs{3..6}{10..20}", ChangedSpans.Pattern("Cgroups/SlotPool.cs", [(3, 6), (10, 20)]));
}
