using Verify.Fuzz.Conformance;
using Xunit.Abstractions;

namespace Verify.Properties.Conformance;

/// <summary>
/// The conformance scenarios (fuzz/Conformance/ConformanceScenarios.cs) on this machine's kernel
/// and on the model: every row must agree within its stated tolerance, and no verify-* group of
/// this process may be left afterwards. On a machine without writable cgroup v1 memory and pids
/// hierarchies (or without root, or a C compiler) each test is skipped with the one-line reason.
/// </summary>
public sealed class ConformanceTests(ITestOutputHelper output)
{
    public static TheoryData<string> Scenarios() => new(ConformanceScenarios.All.Select(s => s.Name));

    [ConformanceTheory, MemberData(nameof(Scenarios))]
    public void TheKernelAndTheModelAgree(string name)
    {
        var (own, agent) = ConformanceEnvironment.Prepared!.Value;
        var scenario = ConformanceScenarios.All.Single(s => s.Name == name);
        output.WriteLine($"{scenario.Name}: {scenario.Checks}");
        var rows = ConformanceRun.Run(own, agent, scenario);
        output.WriteLine(ConformanceRun.Table(rows));
        Assert.NotEmpty(rows);
        Assert.True(rows.All(r => r.Agrees), string.Join("\n", rows.Where(r => !r.Agrees)));
        Assert.Empty(ConformanceEnvironment.OursLeft(own));
    }

    [ConformanceFact]
    public void AScenarioThatThrowsLeavesNoGroupBehind()
    {
        var (own, agent) = ConformanceEnvironment.Prepared!.Value;
        var failing = new ConformanceScenarios.Scenario("throws", "a scenario that fails half way", kernel =>
        {
            string parent = kernel.MemoryGroup();
            kernel.MemoryGroup("child");
            kernel.PidsGroup("child");
            kernel.Agent(parent, kernel.PidsGroup()).Do("fork 2");
            throw new InvalidOperationException("half way");
        });
        Assert.Throws<InvalidOperationException>(() => ConformanceRun.Run(own, agent, failing));
        Assert.Empty(ConformanceEnvironment.OursLeft(own));
    }
}

/// <summary>The machine's conformance environment, prepared once per test run (agent built, an earlier run's leftovers removed).</summary>
internal static class ConformanceEnvironment
{
    private static readonly Lazy<((OwnCgroups Own, string Agent)? Prepared, string? Unavailable)> State = new(() =>
    {
        var prepared = ConformanceRun.Prepare(out string? unavailable);
        return (prepared, unavailable);
    });

    public static (OwnCgroups Own, string Agent)? Prepared => State.Value.Prepared;

    public static string? Unavailable => State.Value.Unavailable;

    /// <summary>The verify-* groups this process made that are still there.</summary>
    public static List<string> OursLeft(OwnCgroups own) =>
        own.Leftovers().Where(path => Path.GetFileName(path).StartsWith($"{OwnCgroups.Prefix}{Environment.ProcessId}-", StringComparison.Ordinal)).ToList();
}

/// <summary>A fact skipped, with the reason, where the machine cannot run conformance scenarios.</summary>
public sealed class ConformanceFactAttribute : FactAttribute
{
    public ConformanceFactAttribute()
    {
        if (ConformanceEnvironment.Unavailable is { } reason) Skip = reason;
    }
}

/// <summary>A theory skipped, with the reason, where the machine cannot run conformance scenarios.</summary>
public sealed class ConformanceTheoryAttribute : TheoryAttribute
{
    public ConformanceTheoryAttribute()
    {
        if (ConformanceEnvironment.Unavailable is { } reason) Skip = reason;
    }
}
