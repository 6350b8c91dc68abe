using System.Text.Json;

namespace Verify.Fuzz.Mutation;

/// <summary>One mutant of a Stryker JSON report (mutation-testing-report-schema): where, what and its status.</summary>
public sealed record Mutant(string File, int Line, string Mutator, string Replacement, string Status);

/// <summary>
/// Reads the mutants of a Stryker.NET JSON report. Bad input is a MutationReportException whose
/// message names the file and, for malformed JSON, the line and byte position.
/// </summary>
public static class MutationReport
{
    public static IReadOnlyList<Mutant> Load(string path)
    {
        if (!File.Exists(path)) throw new MutationReportException($"{path}: no such file");
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            if (!document.RootElement.TryGetProperty("files", out var files) || files.ValueKind != JsonValueKind.Object)
                throw new MutationReportException($"{path}: no \"files\" object (not a Stryker mutation report)");
            var mutants = new List<Mutant>();
            foreach (var file in files.EnumerateObject())
                foreach (var m in file.Value.GetProperty("mutants").EnumerateArray())
                    mutants.Add(new Mutant(file.Name, m.GetProperty("location").GetProperty("start").GetProperty("line").GetInt32(),
                        m.GetProperty("mutatorName").GetString() ?? "",
                        m.TryGetProperty("replacement", out var r) ? r.GetString() ?? "" : "",
                        m.GetProperty("status").GetString() ?? ""));
            return mutants;
        }
        catch (JsonException e)
        {
            throw new MutationReportException($"{path}:{e.LineNumber + 1}:{e.BytePositionInLine + 1}: malformed JSON: {e.Message}");
        }
        catch (KeyNotFoundException e)
        {
            throw new MutationReportException($"{path}: a mutant lacks a field the schema requires ({e.Message})");
        }
    }
}

public sealed class MutationReportException(string message) : Exception(message);
