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
        Assert.Equal(("Tests.Slow", 42), guard.Overdue(10 * Second + 1));
    }

    [Fact]
    public void NoTestIsOverdueWithoutAnActiveMutant()
    {
        int? active = null;
        var guard = new StallGuard(1, () => active);
        guard.Enter("Tests.Capture", 0);
        Assert.Null(guard.Overdue(100 * Second));
        active = 0;
        Assert.Equal(("Tests.Capture", 0), guard.Overdue(100 * Second));
    }

    [Fact]
    public void ATestThatEndedIsNotOverdue()
    {
        var guard = new StallGuard(1, () => 7);
        guard.Enter("Tests.A", 0);
        guard.Leave("Tests.A");
        Assert.Null(guard.Overdue(100 * Second));
        guard.Enter("Tests.A", 200 * Second);
        Assert.Null(guard.Overdue(201 * Second));
        Assert.Equal(("Tests.A", 7), guard.Overdue(201 * Second + 1));
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
