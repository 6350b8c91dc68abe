using System.Diagnostics;

namespace Verify.Properties.Mutation;

/// <summary>
/// The stall guard's decision on given times (no waiting), its message and its limit's parsing.
/// Not in the mutation profile: it covers no mutant of impl/ or model/.
/// </summary>
public sealed class StallGuardTests
{
    private static readonly long Second = Stopwatch.Frequency;

    [Fact]
    public void ATestPastTheLimitWhileAMutantIsActiveIsOverdue()
    {
        var guard = new StallGuard(10, () => 42);
        guard.Enter("Tests.Fast", 5 * Second);
        guard.Enter("Tests.Slow", 0);
        Assert.Null(guard.Overdue(10 * Second));
        Assert.Equal(("Tests.Slow", 42, 10.0), guard.Overdue(10 * Second + 1));
    }

    [Fact]
    public void NoTestIsOverdueWithoutAnActiveMutant()
    {
        int? active = null;
        var guard = new StallGuard(1, () => active);
        guard.Enter("Tests.Capture", 0);
        Assert.Null(guard.Overdue(100 * Second));
        active = 0;
        Assert.Equal(("Tests.Capture", 0, 1.0), guard.Overdue(100 * Second));
    }

    [Fact]
    public void ATestThatEndedIsNotOverdue()
    {
        var guard = new StallGuard(1, () => 7);
        guard.Enter("Tests.A", 0);
        guard.Leave("Tests.A", Second / 2);
        Assert.Null(guard.Overdue(100 * Second));
        guard.Enter("Tests.A", 200 * Second);
        Assert.Null(guard.Overdue(201 * Second));
        Assert.Equal(("Tests.A", 7, 1.0), guard.Overdue(201 * Second + 1));
    }

    [Fact]
    public void ATestNamedInTheCaptureTimesGetsItsOwnLimit()
    {
        StallTimes times = StallTimes.Parse(["Tests.Short\t0.1", "Tests.Mid\t1.5"], "times.tsv");
        var guard = new StallGuard(10, () => 3, times);
        guard.Enter("Tests.Short", 0);
        guard.Enter("Tests.Mid", 0);
        guard.Enter("Tests.Unknown", 0);
        Assert.Null(guard.Overdue((long)(StallTimes.FloorSeconds * Second)));
        Assert.Equal(("Tests.Short", 3, StallTimes.FloorSeconds), guard.Overdue((long)(StallTimes.FloorSeconds * Second) + 1));
        guard.Leave("Tests.Short", 3 * Second);
        Assert.Null(guard.Overdue(4 * Second + Second / 2));
        Assert.Equal(("Tests.Mid", 3, 4.5), guard.Overdue(4 * Second + Second / 2 + 1));
        guard.Leave("Tests.Mid", 5 * Second);
        Assert.Null(guard.Overdue(10 * Second));
        Assert.Equal(("Tests.Unknown", 3, 10.0), guard.Overdue(10 * Second + 1));
    }

    [Fact]
    public void EachEndedTestsTimeIsRecordedOnce()
    {
        var recorded = new List<(string, double)>();
        var guard = new StallGuard(10, () => null, recordCaptureTime: (test, seconds) => recorded.Add((test, seconds)));
        guard.Enter("Tests.A", Second);
        guard.Enter("Tests.B", 2 * Second);
        guard.Leave("Tests.B", 2 * Second + Second / 4);
        guard.Leave("Tests.A", 4 * Second);
        guard.Leave("Tests.A", 5 * Second);
        Assert.Equal([("Tests.B", 0.25), ("Tests.A", 3.0)], recorded);
    }

    [Fact]
    public void TheMessageNamesTestMutantAndLimit() =>
        Assert.Equal(
            "stall guard: Tests.Slow ran past 2.5 s with mutant 42 active; ending the test host (Stryker reads the run as a timeout)",
            StallGuard.Message("Tests.Slow", 42, 2.5));

    [Theory]
    [InlineData(null, StallGuard.LimitDefault)]
    [InlineData("", StallGuard.LimitDefault)]
    [InlineData("4", 4.0)]
    [InlineData("0.5", 0.5)]
    public void TheLimitIsTheVariableOrTheDefault(string? given, double expected) =>
        Assert.Equal(expected, StallGuard.LimitFrom(given));

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("ten")]
    [InlineData("Infinity")]
    public void ABadLimitIsAnErrorThatNamesIt(string given) =>
        Assert.Equal($"VERIFY_STALL_SECONDS='{given}' is not a positive number of seconds",
            Assert.Throws<ArgumentException>(() => StallGuard.LimitFrom(given)).Message);

    [Fact]
    public void OutsideStrykerThereIsNoGuard() => Assert.Null(StallGuard.Current);
}
