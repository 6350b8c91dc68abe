using System.CommandLine;

namespace Verify.Fuzz.Cli;

/// <summary>
/// The fuzz command line. Exit codes: 0 all passed, 1 a finding (divergence or broken invariant),
/// 2 bad usage or unreadable input.
/// </summary>
public static class Program
{
    public const int ExitPass = 0, ExitFinding = 1, ExitUsage = 2;

    public static int Main(string[] args)
    {
        var root = new RootCommand("Verify fuzz: differential fuzzing of the kernel memory-management model against the impl.");
        foreach (var command in Commands()) root.Subcommands.Add(command);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine($"fuzz: {error.Message}");
            Console.Error.WriteLine("fuzz: run 'fuzz --help' for usage");
            return ExitUsage;
        }
        return parsed.Invoke();
    }

    private static IEnumerable<Command> Commands()
    {
        yield return ReplayCommand.Create();
        yield return ShowCommand.Create();
        yield return EncodeCommand.Create();
        yield return RunCommand.Create();
        yield return ReachCommand.Create();
        yield return InstrumentCommand.Create();
        yield return AflTargetCommand.Create();
        yield return CampaignCommand.Create();
        yield return ConformanceCommand.Create();
        yield return MutationSummaryCommand.Create();
        yield return ChangedSpansCommand.Create();
        yield return PowerCommand.Create();
    }
}
