namespace Verify.Properties.Mutation;

/// <summary>
/// The capture times' file: its lines, each test's largest time, the limit they give and the error
/// a bad line gets. Not in the mutation profile: it covers no mutant of impl/ or model/.
/// </summary>
public sealed class StallTimesTests
{
    [Theory]
    [InlineData(0.1, StallTimes.FloorSeconds)]
    [InlineData(1.0, 3.0)]
    [InlineData(2.5, 7.5)]
    [InlineData(5.0, 10.0)]
    public void ALimitIsThreeTimesTheCaptureTimeBetweenTheFloorAndTheFlatLimit(double captured, double limit) =>
        Assert.Equal(limit, StallTimes.Parse([StallTimes.Line("Tests.A", captured)], "t.tsv").LimitFor("Tests.A", 10));

    [Fact]
    public void ATestNotInTheFileGetsTheFlatLimit()
    {
        Assert.Equal(10, StallTimes.Parse(["Tests.A\t0.5"], "t.tsv").LimitFor("Tests.B", 10));
        Assert.Equal(6, StallTimes.None.LimitFor("Tests.A", 6));
    }

    [Fact]
    public void ATestThatRanSeveralTimesKeepsItsLargestTime()
    {
        StallTimes times = StallTimes.Parse(["Tests.A\t1", "Tests.B\t0.1", "Tests.A\t2", "Tests.A\t1.5"], "t.tsv");
        Assert.Equal(2, times.Count);
        Assert.Equal(6, times.LimitFor("Tests.A", 10));
    }

    [Fact]
    public void ALineKeepsTheTimeExactly() =>
        Assert.Equal(4.0 / 3 * StallTimes.CaptureRatio,
            StallTimes.Parse([StallTimes.Line("Tests.A", 4.0 / 3)], "t.tsv").LimitFor("Tests.A", double.MaxValue));

    [Theory]
    [InlineData("Tests.A")]
    [InlineData("Tests.A\t")]
    [InlineData("\t1")]
    [InlineData("Tests.A\t-1")]
    [InlineData("Tests.A\tNaN")]
    [InlineData("Tests.A\t1\t2")]
    public void ABadLineIsAnErrorNamingFileAndLine(string line) =>
        Assert.Equal($"times.tsv:2: expected a test name, a tab and its seconds, got '{line}'",
            Assert.Throws<FormatException>(() => StallTimes.Parse(["Tests.Z\t1", line], "times.tsv")).Message);

    [Fact]
    public void AMissingFileIsNoTimes() =>
        Assert.Same(StallTimes.None, StallTimes.Read(Path.Combine(Path.GetTempPath(), $"verify-no-such-times-{Guid.NewGuid():N}.tsv")));
}
