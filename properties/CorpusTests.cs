using Verify.Fuzz.Formats;
using Verify.Fuzz.Harness;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties;

/// <summary>Every input under corpus/ (seeds and every regression ever found) replays clean.</summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class CorpusTests(ITestOutputHelper output)
{
    public static TheoryData<string> Inputs() =>
        new(InputFile.Expand([RepoPaths.Corpus]).Select(path => Path.GetRelativePath(RepoPaths.Corpus, path)));

    [Theory]
    [MemberData(nameof(Inputs))]
    public void TheInputReplaysWithoutFailure(string relativePath)
    {
        string path = Path.Combine(RepoPaths.Corpus, relativePath);
        var scenario = InputFile.Load(path);
        var result = new Runner().Run(scenario, CheckLevel.Full);
        if (result.Failure is { } failure)
        {
            string report = Report.Format(failure, scenario, $"corpus file {path}");
            output.WriteLine(report);
            Assert.Fail(report);
        }
    }

    [Fact]
    public void TheSeedsReachEveryOperation()
    {
        var used = InputFile.Expand([Path.Combine(RepoPaths.Corpus, "seeds")])
            .SelectMany(path => InputFile.Load(path).Ops.Select(op => op.Spec.Keyword)).ToHashSet();
        var missing = Model.Alphabet.Alphabet.Specs.Select(s => s.Keyword).Where(k => !used.Contains(k)).ToList();
        Assert.True(missing.Count == 0, $"no seed under corpus/seeds uses: {string.Join(", ", missing)}");
    }
}
