using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Verify.Properties.Support;

namespace Verify.Properties.Mutation;

/// <summary>
/// The mutation profile's stall guard: it ends a Stryker test host whose current test has run
/// longer than a limit while a mutant is active, so that a mutant that loops for good costs the
/// limit instead of Stryker's timeout for the whole run (the covering tests' time and the host's
/// start, times the timeout-ratio, plus 5 s: 13 s to a minute). Guarantees:
/// - Outside the mutation profile, or when Verify.Impl is not a Stryker-mutated build (no
///   MutantControl type in it), it does nothing: no thread, no state.
/// - It acts only while a mutant is active: Stryker's MutantControl has coverage capture off and an
///   active mutant id of 0 or more. The initial test run and the coverage capture, which run with
///   no mutant, are never cut short.
/// - When it acts it writes one line to standard error naming the test, the mutant and the limit,
///   then kills its own process. Stryker's VSTest runner reads a run that ended before all its tests
///   reported as a timeout: the verdict its own timeout would give, sooner.
/// - The flat limit is VERIFY_STALL_SECONDS when set (a positive number; anything else is an error
///   that names it), else <see cref="LimitDefault"/>. A test named in the coverage capture's times
///   (<see cref="StallTimes"/>, the file VERIFY_STALL_TIMES) gets its own limit from them, never above
///   the flat one; while the capture runs, the guard appends each test's time to that file.
/// - Which tests are running and since when is kept per test method; the decision
///   (<see cref="Overdue"/>) is a function of that table and a given time, so it is tested without
///   waiting.
/// </summary>
public sealed class StallGuard
{
    /// <summary>The limit on one test's time while a mutant is active, in seconds.</summary>
    public const double LimitDefault = 10;

    /// <summary>The guard of this process: null outside the mutation profile or outside Stryker.</summary>
    public static readonly StallGuard? Current = Create();

    private readonly ConcurrentDictionary<string, long> _running = new();
    private readonly Func<int?> _activeMutant;
    private readonly StallTimes _times;
    private readonly Action<string, double>? _recordCaptureTime;

    /// <param name="limitSeconds">The flat limit.</param>
    /// <param name="activeMutant">The active mutant's id, null when none is active.</param>
    /// <param name="times">The capture's times (each test's own limit); <see cref="StallTimes.None"/> when unknown.</param>
    /// <param name="recordCaptureTime">Called with each test's name and seconds as it ends during the capture; null to record nothing.</param>
    public StallGuard(double limitSeconds, Func<int?> activeMutant, StallTimes? times = null, Action<string, double>? recordCaptureTime = null)
    {
        LimitSeconds = limitSeconds;
        _activeMutant = activeMutant;
        _times = times ?? StallTimes.None;
        _recordCaptureTime = recordCaptureTime;
    }

    public double LimitSeconds { get; }

    public void Enter(string test, long nowTicks) => _running[test] = nowTicks;

    public void Leave(string test, long nowTicks)
    {
        if (_running.TryRemove(test, out long since) && _recordCaptureTime is not null)
            _recordCaptureTime(test, (double)(nowTicks - since) / Stopwatch.Frequency);
    }

    /// <summary>
    /// The test that has run longer than its limit at nowTicks while a mutant is active, with that
    /// mutant's id and the limit; null when none has (or no mutant is active).
    /// </summary>
    public (string Test, int Mutant, double Limit)? Overdue(long nowTicks)
    {
        foreach ((string test, long since) in _running)
        {
            double limit = _times.LimitFor(test, LimitSeconds);
            if (nowTicks - since <= (long)(limit * Stopwatch.Frequency)) continue;
            return _activeMutant() is int mutant ? (test, mutant, limit) : null;
        }
        return null;
    }

    public static string Message(string test, int mutant, double limitSeconds) =>
        $"stall guard: {test} ran past {limitSeconds.ToString(CultureInfo.InvariantCulture)} s with mutant {mutant} active; " +
        "ending the test host (Stryker reads the run as a timeout)";

    private void Watch()
    {
        while (true)
        {
            Thread.Sleep(100);
            if (Overdue(Stopwatch.GetTimestamp()) is not (string test, int mutant, double limit)) continue;
            Console.Error.WriteLine(Message(test, mutant, limit));
            Console.Error.Flush();
            Process.GetCurrentProcess().Kill();
        }
    }

    private static StallGuard? Create()
    {
        if (!Profile.IsMutation) return null;
        Type? control = typeof(Verify.Impl.ImplKernel).Assembly.GetTypes()
            .FirstOrDefault(t => t.Name == "MutantControl" && (t.Namespace ?? "").StartsWith("Stryker", StringComparison.Ordinal));
        FieldInfo? capturing = control?.GetField("CaptureCoverage", BindingFlags.Public | BindingFlags.Static);
        FieldInfo? active = control?.GetField("ActiveMutant", BindingFlags.Public | BindingFlags.Static);
        if (capturing is null || active is null) return null;
        string? timesFile = Environment.GetEnvironmentVariable("VERIFY_STALL_TIMES");
        var appending = new object();
        var guard = new StallGuard(LimitFrom(Environment.GetEnvironmentVariable("VERIFY_STALL_SECONDS")),
            () => capturing.GetValue(null) is false && active.GetValue(null) is int id && id >= 0 ? id : null,
            string.IsNullOrEmpty(timesFile) ? null : StallTimes.Read(timesFile),
            string.IsNullOrEmpty(timesFile) ? null : (test, seconds) =>
            {
                if (capturing.GetValue(null) is not true) return;
                lock (appending) File.AppendAllText(timesFile, StallTimes.Line(test, seconds) + "\n");
            });
        new Thread(guard.Watch) { IsBackground = true, Name = "stall guard" }.Start();
        return guard;
    }

    /// <summary>The limit VERIFY_STALL_SECONDS gives (its value is given): LimitDefault when unset or empty.</summary>
    public static double LimitFrom(string? given)
    {
        if (string.IsNullOrEmpty(given)) return LimitDefault;
        if (double.TryParse(given, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0 && double.IsFinite(seconds)) return seconds;
        throw new ArgumentException($"VERIFY_STALL_SECONDS='{given}' is not a positive number of seconds");
    }
}
