using System.Diagnostics;
using System.Text;
using Verify.Fuzz.Harness;
using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Verify.Properties.Sweeps;

/// <summary>
/// What one sweep found. Each failure is one line: the seed (the swept values and the CPU count),
/// the field, the values model, impl and the expectation gave, and the one-operation trace on its
/// machine in one line (Scenario.ToString(): trace lines joined by "; "). A sweep's seed decides
/// its case alone (geometry and size classes do not depend on what ran before), so that trace
/// replays it. The first failure is also written as a trace file for `fuzz replay`. At most
/// ListedMax lines are listed; every failure is counted per field.
/// </summary>
internal sealed class SweepFailures(string sweep, Func<MachineConfig, Op, string> describeSeed)
{
    public const int ListedMax = 16;

    /// <summary>The first failure of each field, in the order they appeared: always listed.</summary>
    private readonly List<string> _firstOfField = [];
    private readonly List<string> _others = [];
    private readonly SortedDictionary<string, int> _countByField = new(StringComparer.Ordinal);
    private Scenario? _first;
    private string? _firstLine;

    public int Count { get; private set; }

    /// <summary>
    /// One failure. op is the one operation of the trace (none: the failure is in the machine's
    /// setup, and seed must be given); seed, when given, names the case instead of describeSeed.
    /// </summary>
    public void Add(MachineConfig machine, Op? op, string field, string values, string? seed = null)
    {
        Count++;
        var trace = new Scenario(machine, op is { } one ? [one] : []);
        string line = $"{seed ?? describeSeed(machine, op!.Value)}: {field}: {values} | trace: {trace.ToString().TrimEnd(' ', ';')}";
        _first ??= trace;
        _firstLine ??= line;
        int seen = _countByField.GetValueOrDefault(field);
        _countByField[field] = seen + 1;
        if (seen == 0) _firstOfField.Add(line);
        else if (_others.Count < ListedMax) _others.Add(line);
    }

    /// <summary>Adds a failure unless model, impl and the expectation (the oracle, or a real kernel's file) agree.</summary>
    public void Compare<T>(MachineConfig machine, Op op, string field, T model, T impl, T expected, string expectedName = "oracle", string? seed = null)
    {
        var equal = EqualityComparer<T>.Default;
        if (equal.Equals(model, impl) && equal.Equals(model, expected)) return;
        Add(machine, op, field, $"model {model}, impl {impl}, {expectedName} {expected}", seed);
    }

    /// <summary>
    /// After a reset: the two sides' digests must be equal before any call, so that each call can
    /// be judged by what it adds to them.
    /// </summary>
    public void CompareSetupDigests(MachineConfig machine, IKernel model, IKernel impl)
    {
        if (model.Digest != impl.Digest)
            Add(machine, null, "digest after setup", $"model {model.Digest:x16}, impl {impl.Digest:x16}", $"machine setup, pages {machine.Pages}, cpus {machine.Cpus}");
    }

    /// <summary>Logs what was swept and how long it took; fails the test with the listed failures if there are any.</summary>
    public void AssertNone(ITestOutputHelper output, string swept, SweepClock clock)
    {
        output.WriteLine($"{sweep}: {swept} in {clock}, {Count} failures");
        if (Count == 0) return;
        var text = new StringBuilder();
        text.AppendLine($"{sweep}: {Count} failures over {swept} (by field: {string.Join(", ", _countByField.Select(p => $"{p.Key} {p.Value}"))})");
        var listed = _firstOfField.Concat(_others.Take(Math.Max(0, ListedMax - _firstOfField.Count))).ToList();
        foreach (var line in listed) text.AppendLine($"  {line}");
        if (Count > listed.Count) text.AppendLine($"  ... and {Count - listed.Count} more");
        string path = Report.WriteTrace(PropertyCheck.FailuresDirectory, sweep.Replace(' ', '-'), _first!, [$"{sweep}: first failure: {_firstLine}"]);
        text.AppendLine($"  first failure's trace written to {path} (replay: dotnet run --project fuzz -- replay {path})");
        output.WriteLine(text.ToString());
        throw new XunitException(text.ToString());
    }
}

/// <summary>
/// How long a sweep took: wall time, and the process's CPU time, which is what the sweep costs
/// the gate when the machine is shared (tests of other classes may run beside it).
/// </summary>
internal readonly struct SweepClock
{
    private readonly long _wallStart;
    private readonly TimeSpan _cpuStart;

    private SweepClock(long wallStart, TimeSpan cpuStart) => (_wallStart, _cpuStart) = (wallStart, cpuStart);

    public static SweepClock Start() => new(Stopwatch.GetTimestamp(), Process.GetCurrentProcess().TotalProcessorTime);

    public override string ToString() =>
        $"{Stopwatch.GetElapsedTime(_wallStart).TotalSeconds:F2} s wall, {(Process.GetCurrentProcess().TotalProcessorTime - _cpuStart).TotalSeconds:F2} s CPU (process)";
}

/// <summary>
/// Runs operations whose arguments are all integers through the alphabet's own dispatch, so a
/// finding's trace is exactly what ran. Spec checks the arguments once; Run then costs one call.
/// </summary>
internal static class SweepOps
{
    public static Outcome Run(IKernel kernel, Op op)
    {
        var args = new OpArgs();
        args.SetInt(0, op.A0);
        args.SetInt(1, op.A1);
        args.SetInt(2, op.A2);
        return op.Spec.Execute(kernel, args);
    }

    /// <summary>The operation named keyword; it must take integers only (Run passes no references).</summary>
    public static OpSpec Spec(string keyword)
    {
        var spec = Alphabet.ByKeyword(keyword) ?? throw new ArgumentException($"no operation '{keyword}' in the alphabet");
        if (spec.Args.Any(arg => arg.Kind != ArgKind.Int)) throw new ArgumentException($"{keyword} takes a reference; sweeps run integer-only operations");
        return spec;
    }
}
