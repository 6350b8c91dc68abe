namespace Verify.Fuzz.Power;

/// <summary>
/// trials.tsv: a header line, then one trial per line (TrialRecord), appended as each trial ends, so
/// an interrupted run loses at most the trial it was in. Several machines' files can be concatenated:
/// a header line may appear again anywhere, blank lines are skipped. Guarantees: Load returns the
/// trials in file order with their line numbers, or throws a one-line PowerException naming the file
/// and line of the first bad line (a malformed field, a missing header, the same trial twice).
/// </summary>
public static class TrialFile
{
    public const string FileName = "trials.tsv";

    public sealed record Line(TrialRecord Record, int Number);

    /// <summary>The trials of path, in file order; none when the file does not exist.</summary>
    public static List<Line> Load(string path)
    {
        var lines = new List<Line>();
        if (!File.Exists(path)) return lines;
        var seen = new Dictionary<(string, PowerMethod, int), int>();
        bool headerSeen = false;
        int number = 0;
        foreach (string raw in File.ReadLines(path))
        {
            number++;
            string text = raw.TrimEnd('\r');
            if (text.Trim().Length == 0) continue;
            if (text == TrialRecord.Header)
            {
                headerSeen = true;
                continue;
            }
            if (!headerSeen) throw new PowerException($"{path}:{number}: expected the header line ({TrialRecord.Header.Replace('\t', ' ')}) first");
            TrialRecord record;
            try { record = TrialRecord.Parse(text); }
            catch (FormatException e) { throw new PowerException($"{path}:{number}: {e.Message}"); }
            if (seen.TryGetValue(record.Key, out int first))
                throw new PowerException($"{path}:{number}: trial {record.Trial} of {PowerMethods.Name(record.Method)} on {record.Bug} is already on line {first}");
            seen[record.Key] = number;
            lines.Add(new Line(record, number));
        }
        return lines;
    }

    /// <summary>Appends one trial (and the header first when the file is new or empty).</summary>
    public static void Append(string path, TrialRecord record)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        bool fresh = !File.Exists(path) || new FileInfo(path).Length == 0;
        File.AppendAllText(path, (fresh ? TrialRecord.Header + "\n" : "") + record.ToLine() + "\n");
    }
}
