using System.Security.Cryptography;
using Verify.Fuzz.Formats;
using Verify.Fuzz.Harness;
using Verify.Model.Alphabet;

namespace Verify.Fuzz.Afl;

/// <summary>What triage needs besides the crash files.</summary>
public sealed record TriageSettings(
    string? Planted,
    string RegressionsDirectory,
    string WorkDirectory,
    string AflTmin,
    string InstrumentedDirectory,
    int TimeoutMs,
    TimeSpan TminLimit,
    IReadOnlyDictionary<string, string> Environment,
    string Origin);

/// <summary>One distinct failure a campaign found, and where its regression test went.</summary>
public sealed record Finding(string Signature, string Description, int CrashCount, int OpsFound, int OpsSaved, string RegressionBin, string Note);

/// <summary>
/// What triage made of the crash files: the findings saved, the crash files that pass when re-run
/// (NotReproduced), and the groups whose minimization lost the failure or threw (GroupsNotReproduced):
/// each of those is listed with its reason and its smallest crash file, and triage goes on with the others.
/// </summary>
public sealed record TriageResult(int CrashFiles, IReadOnlyList<Finding> Findings, IReadOnlyList<string> NotReproduced, IReadOnlyList<string> GroupsNotReproduced);

/// <summary>
/// Turns afl-fuzz crash files into regression tests. Every crash is re-run in process through
/// FuzzTarget (uninstrumented, same planted bug) to get its Failure; crashes are grouped by
/// signature (invariant, keyword of the failing operation or "setup"/"final"); the smallest of
/// each group is minimized with afl-tmin, then shrunk operation by operation (ScenarioShrinker),
/// each step kept only if the signature is unchanged; the result is saved in canonical form as
/// REGRESSIONS/&lt;12 hex digits of its SHA-256&gt;.bin with its .trace twin, whose header comment is
/// a one-line description. Every run is on a fresh runner, so a verdict never depends on the crash
/// files triaged before it. Guarantees: an existing file is never overwritten (an identical one
/// counts as already saved); a crash that passes in process is listed, not dropped silently; a
/// group that stops failing while it is minimized (or whose minimization throws) is listed with
/// its reason and triage goes on with the other groups.
/// </summary>
public static class CrashTriage
{
    public static TriageResult Run(IReadOnlyList<string> crashFiles, TriageSettings settings, TextWriter log)
    {
        var target = new FuzzTarget(settings.Planted);
        var groups = new SortedDictionary<string, List<(string Path, byte[] Bytes)>>(StringComparer.Ordinal);
        var notReproduced = new List<string>();
        foreach (string path in crashFiles)
        {
            byte[] bytes = File.ReadAllBytes(path);
            string? signature = SignatureOf(target, bytes, out string? problem);
            if (signature is null)
            {
                notReproduced.Add($"{path}: {problem}");
                continue;
            }
            if (!groups.TryGetValue(signature, out var members)) groups[signature] = members = [];
            members.Add((path, bytes));
        }

        var findings = new List<Finding>();
        var groupsNotReproduced = new List<string>();
        foreach (var (signature, members) in groups)
        {
            var smallest = members.OrderBy(m => m.Bytes.Length).ThenBy(m => m.Path, StringComparer.Ordinal).First();
            log.WriteLine($"triage: {signature}: {members.Count} crash file(s); minimizing {smallest.Path}");
            try
            {
                if (Minimize(target, signature, smallest.Path, smallest.Bytes, members.Count, settings, out string? lost) is { } finding) findings.Add(finding);
                else groupsNotReproduced.Add($"{signature} ({members.Count} crash file(s), smallest {smallest.Path}): {lost}");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                groupsNotReproduced.Add($"{signature} ({members.Count} crash file(s), smallest {smallest.Path}): triage threw {e.GetType().Name}: {e.Message}");
            }
        }
        foreach (string group in groupsNotReproduced) log.WriteLine($"triage: not reproduced: {group}");
        return new TriageResult(crashFiles.Count, findings, notReproduced, groupsNotReproduced);
    }

    /// <summary>The failure's signature, or null with the reason when the input passes or the harness throws.</summary>
    public static string? SignatureOf(FuzzTarget target, byte[] bytes, out string? problem)
    {
        problem = null;
        RunResult result;
        try { result = target.Runner.RunFresh(ByteCodec.Decode(bytes)); }
        catch (Exception e)
        {
            problem = $"the harness threw {e.GetType().Name}: {e.Message}";
            return null;
        }
        if (result.Failure is not { } failure)
        {
            problem = "passes when re-run in process (a timeout or a crash of the target process, not a finding)";
            return null;
        }
        return failure.Signature(Report.FailingKeyword(failure, ByteCodec.Decode(bytes)));
    }

    /// <summary>The group's finding, or null with the reason when its failure is lost on the way.</summary>
    private static Finding? Minimize(FuzzTarget target, string signature, string path, byte[] bytes, int crashCount, TriageSettings settings, out string? lost)
    {
        lost = null;
        int opsFound = ByteCodec.Decode(bytes).Ops.Count;
        var tmin = AflTmin.Minimize(settings.AflTmin, path, settings.WorkDirectory, settings.TimeoutMs,
            AflEnvironment.TargetCommand(settings.InstrumentedDirectory, settings.Planted), settings.Environment, settings.TminLimit);
        string note = tmin.Note;
        if (tmin.Minimized is { } minimized)
        {
            if (SignatureOf(target, minimized, out _) == signature) bytes = minimized;
            else note = "afl-tmin's result fails differently; kept the crash as found";
        }
        var shrunk = ScenarioShrinker.Minimize(ByteCodec.Decode(bytes), candidate =>
            target.Runner.RunFresh(candidate).Failure is { } f && f.Signature(Report.FailingKeyword(f, candidate)) == signature);
        byte[] canonical = ByteCodec.Encode(shrunk);
        if (target.Runner.RunFresh(ByteCodec.Decode(canonical)).Failure is not { } failure)
        {
            lost = "its shrunk, canonical form passes on a fresh runner (the failure depended on something outside the input)";
            return null;
        }
        string description = Report.Describe(failure, shrunk);
        string saved = Save(settings, canonical, shrunk, $"{description}; found by an AFL++ campaign ({settings.Origin})", out string saveNote);
        return new Finding(signature, description, crashCount, opsFound, shrunk.Ops.Count, saved, $"{note}, then shrunk by operation; {saveNote}");
    }

    /// <summary>Writes NAME.bin and NAME.trace with CreateNew; an identical existing file is reused, a different one is an error.</summary>
    private static string Save(TriageSettings settings, byte[] canonical, Scenario scenario, string description, out string note)
    {
        Directory.CreateDirectory(settings.RegressionsDirectory);
        string stem = Convert.ToHexStringLower(SHA256.HashData(canonical))[..12];
        string binPath = Path.Combine(settings.RegressionsDirectory, stem + ".bin");
        string tracePath = Path.Combine(settings.RegressionsDirectory, stem + ".trace");
        bool binNew = WriteNew(binPath, canonical);
        WriteNew(tracePath, System.Text.Encoding.UTF8.GetBytes(TraceFormat.Print(scenario, [description], StepAnnotations.Of(scenario))));
        note = binNew ? "saved" : "already in the regressions folder";
        return binPath;
    }

    private static bool WriteNew(string path, byte[] content)
    {
        if (File.Exists(path))
        {
            // Named by content hash, so the same name means the same test; the .trace may differ only in its comment.
            if (path.EndsWith(".bin", StringComparison.Ordinal) && !File.ReadAllBytes(path).AsSpan().SequenceEqual(content))
                throw new IOException($"{path} exists with different content; refusing to overwrite it");
            return false;
        }
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        stream.Write(content);
        return true;
    }
}
