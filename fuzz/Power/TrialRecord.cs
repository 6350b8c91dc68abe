using System.Globalization;

namespace Verify.Fuzz.Power;

/// <summary>
/// One trial: one method looking for one planted bug once. Found says whether it detected the bug
/// within its budget; Seconds is the wall time to the first detection (a trial that did not find the
/// bug is censored: Seconds is then its budget, or for the gate the time its whole sequence budget
/// took). Sequences counts the inputs run up to and including the first detection (gate: scenarios,
/// run: engine inputs, campaign: AFL++ executions; censored: all that ran), ShrunkOps is the length of
/// the shrunk trace. Seed is null for a campaign (AFL++ draws its own), as are the values a method does
/// not have. Guarantees: ToLine and Parse round-trip every record exactly (seconds to the microsecond).
/// </summary>
public sealed record TrialRecord(
    string Bug,
    PowerMethod Method,
    int Trial,
    ulong? Seed,
    bool Found,
    double Seconds,
    long? Sequences,
    int? ShrunkOps,
    double? BudgetSeconds,
    long? BudgetSequences,
    string Host)
{
    public const string Header = "bug\tmethod\ttrial\tseed\tfound\tseconds\tsequences\tshrunk_ops\tbudget_seconds\tbudget_sequences\thost";

    private static readonly int FieldCount = Header.Split('\t').Length;

    public (string Bug, PowerMethod Method, int Trial) Key => (Bug, Method, Trial);

    public string ToLine() => string.Join('\t',
        Bug, PowerMethods.Name(Method), Text(Trial), Seed is { } s ? Text(s) : "-", Found ? "yes" : "no", Seconds.ToString("F6", CultureInfo.InvariantCulture),
        Optional(Sequences), Optional(ShrunkOps), BudgetSeconds is { } b ? b.ToString("F6", CultureInfo.InvariantCulture) : "-", Optional(BudgetSequences), Host);

    /// <summary>A record from one line of trials.tsv; a FormatException says what is wrong (the caller adds file and line).</summary>
    public static TrialRecord Parse(string line)
    {
        string[] f = line.Split('\t');
        if (f.Length != FieldCount) throw new FormatException($"expected {FieldCount} tab-separated fields ({Header.Replace('\t', ' ')}), found {f.Length}");
        if (f[0].Length == 0 || f[0].Any(char.IsWhiteSpace)) throw new FormatException($"bug '{f[0]}' is empty or holds a space");
        if (!PowerMethods.TryParse(f[1], out var method)) throw new FormatException($"method '{f[1]}' is not gate, run or campaign");
        int trial = int.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out int t) && t >= 1 ? t : throw new FormatException($"trial '{f[2]}' is not a whole number of at least 1");
        ulong? seed = f[3] == "-" ? null : ulong.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out ulong s) ? s : throw new FormatException($"seed '{f[3]}' is not an unsigned 64-bit number or '-'");
        bool found = f[4] switch { "yes" => true, "no" => false, _ => throw new FormatException($"found '{f[4]}' is not yes or no") };
        double seconds = ParseSeconds(f[5], "seconds") ?? throw new FormatException("seconds '-' is missing");
        return new TrialRecord(f[0], method, trial, seed, found, seconds, ParseCount(f[6], "sequences"), (int?)ParseCount(f[7], "shrunk_ops", int.MaxValue),
            ParseSeconds(f[8], "budget_seconds"), ParseCount(f[9], "budget_sequences"), f[10]);
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Optional(long? value) => value is { } v ? Text(v) : "-";

    private static double? ParseSeconds(string field, string name)
    {
        if (field == "-") return null;
        if (double.TryParse(field, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)) return value;
        throw new FormatException($"{name} '{field}' is not a number of seconds or '-'");
    }

    private static long? ParseCount(string field, string name, long max = long.MaxValue)
    {
        if (field == "-") return null;
        if (long.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value <= max) return value;
        throw new FormatException($"{name} '{field}' is not a whole number or '-'");
    }
}
