namespace Verify.Bench.Workloads;

/// <summary>Setup assertions: a benchmark whose workload is not what it claims must not report a number.</summary>
internal static class Require
{
    public static void That(bool condition, string expectation)
    {
        if (!condition) throw new InvalidOperationException($"benchmark setup broken: expected {expectation}");
    }
}
