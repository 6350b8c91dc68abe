using System.Globalization;

namespace Verify.Properties.Mutation;

/// <summary>
/// Each test's time in Stryker's coverage capture, from which the stall guard gives each test its
/// own limit. The capture is the one run of the whole mutation profile on the mutated build with no
/// mutant active, and it runs slower than a mutant's run (every mutant it passes is recorded), so a
/// test's time there bounds its time under a mutant that does not loop. Guarantees:
/// - The file (VERIFY_STALL_TIMES, which report.sh sets) has one line per test that ended: its name,
///   a tab, its seconds (invariant culture). Reading keeps each test's largest time; a line of any
///   other form is an error naming the file and the line.
/// - A test's limit is <see cref="CaptureRatio"/> times its time, at least <see cref="FloorSeconds"/>
///   and at most the flat limit; a test the file does not name gets the flat limit.
/// </summary>
public sealed class StallTimes
{
    /// <summary>How many times its capture time a test may take under a mutant.</summary>
    public const double CaptureRatio = 3;

    /// <summary>The least limit: a short test may be the first of its host and pay the JIT's warm-up.</summary>
    public const double FloorSeconds = 1;

    /// <summary>No times known: every test gets the flat limit.</summary>
    public static readonly StallTimes None = new(new Dictionary<string, double>());

    private readonly IReadOnlyDictionary<string, double> _seconds;

    private StallTimes(IReadOnlyDictionary<string, double> seconds) => _seconds = seconds;

    public int Count => _seconds.Count;

    public double LimitFor(string test, double flatLimit) =>
        _seconds.TryGetValue(test, out double seconds) ? Math.Min(flatLimit, Math.Max(FloorSeconds, CaptureRatio * seconds)) : flatLimit;

    public static string Line(string test, double seconds) => $"{test}\t{seconds.ToString("R", CultureInfo.InvariantCulture)}";

    public static StallTimes Parse(IEnumerable<string> lines, string file)
    {
        var seconds = new Dictionary<string, double>(StringComparer.Ordinal);
        int number = 0;
        foreach (string line in lines)
        {
            number++;
            string[] fields = line.Split('\t');
            if (fields.Length != 2 || fields[0].Length == 0 ||
                !double.TryParse(fields[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double time) || !(time >= 0) || !double.IsFinite(time))
                throw new FormatException($"{file}:{number}: expected a test name, a tab and its seconds, got '{line}'");
            seconds[fields[0]] = Math.Max(time, seconds.GetValueOrDefault(fields[0]));
        }
        return new StallTimes(seconds);
    }

    /// <summary>The times in <paramref name="file"/>, or <see cref="None"/> when there is no such file (yet).</summary>
    public static StallTimes Read(string file) => File.Exists(file) ? Parse(File.ReadLines(file), file) : None;
}
