namespace Verify.Bench.Config;

/// <summary>
/// Whether this run is a quick one (--quick on the command line): the job configs then measure
/// 3 iterations after 1 warm-up instead of their usual counts, for a smoke run or a rough number
/// in about a third of the time. Set once by Program before any config is built.
/// </summary>
public static class RunLength
{
    public const string QuickSwitch = "--quick";

    public static bool Quick { get; private set; }

    /// <summary>Takes --quick out of args (BenchmarkDotNet would reject it) and remembers it.</summary>
    public static string[] Consume(string[] args)
    {
        Quick = args.Contains(QuickSwitch, StringComparer.Ordinal);
        return args.Where(arg => arg != QuickSwitch).ToArray();
    }
}
