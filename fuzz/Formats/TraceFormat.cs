using System.Globalization;
using System.Text;
using Verify.Model.Alphabet;
using Verify.Model.Contract;

namespace Verify.Fuzz.Formats;

/// <summary>Bad input to a tool: one line naming the file and the position, like a compiler error.</summary>
public sealed class InputException(string file, int line, int column, string message)
    : Exception(line > 0 ? $"{file}:{line}:{column}: {message}" : $"{file}: {message}")
{
    public string File { get; } = file;
    public int Line { get; } = line;
    public int Column { get; } = column;
}

/// <summary>
/// The trace text format: one operation per line as "keyword name=value ...", '#' starts a comment,
/// blank lines are ignored, and the first operation line is "machine pages=N cpus=N", optionally
/// followed by "cgroups=v1" or "cgroups=v2" (the default, which is not printed, so every trace
/// written before layouts existed prints and means the same). Arguments are given in the
/// alphabet's order and all are required. Printing may end each operation line with a comment
/// (its outcome and effects, StepAnnotations).
/// </summary>
public static class TraceFormat
{
    public const string MachineKeyword = "machine";

    public const string LayoutName = "cgroups";

    /// <param name="stepComments">When given, a comment per operation (empty: none), printed after it on its line.</param>
    public static string Print(Scenario scenario, IEnumerable<string>? headerComments = null, IReadOnlyList<string>? stepComments = null)
    {
        var text = new StringBuilder();
        foreach (var comment in headerComments ?? []) text.Append("# ").AppendLine(comment);
        text.AppendLine(MachineLine(scenario.Machine));
        for (int i = 0; i < scenario.Ops.Count; i++)
        {
            string line = scenario.Ops[i].ToString();
            string? comment = stepComments is not null && i < stepComments.Count ? stepComments[i] : null;
            text.AppendLine(string.IsNullOrEmpty(comment) ? line : $"{line.PadRight(40)} # {comment}");
        }
        return text.ToString();
    }

    public static string MachineLine(MachineConfig machine) => string.Create(CultureInfo.InvariantCulture,
        $"{MachineKeyword} pages={machine.Pages} cpus={machine.Cpus}{(machine.Layout == CgroupLayout.V2 ? "" : $" {LayoutName}={machine.Layout.Word()}")}");

    public static Scenario ParseFile(string path) => Parse(File.ReadAllText(path), path);

    public static Scenario Parse(string text, string file = "<trace>")
    {
        MachineConfig? machine = null;
        var ops = new List<Op>();
        var lines = text.Split('\n');
        for (int index = 0; index < lines.Length; index++)
        {
            int lineNumber = index + 1;
            string line = lines[index].TrimEnd('\r');
            int hash = line.IndexOf('#');
            if (hash >= 0) line = line[..hash];
            var tokens = Tokenize(line);
            if (tokens.Count == 0) continue;
            var (keyword, keywordColumn) = tokens[0];
            if (keyword == MachineKeyword)
            {
                if (machine is not null) throw new InputException(file, lineNumber, keywordColumn, "a second 'machine' line");
                if (ops.Count > 0) throw new InputException(file, lineNumber, keywordColumn, "'machine' must come before every operation");
                machine = ParseMachine(tokens, file, lineNumber);
                continue;
            }
            if (machine is null) throw new InputException(file, lineNumber, keywordColumn, $"expected 'machine pages=N cpus=N' before '{keyword}'");
            var spec = Alphabet.ByKeyword(keyword)
                ?? throw new InputException(file, lineNumber, keywordColumn, $"unknown operation '{keyword}' (known: {string.Join(", ", Alphabet.Specs.Select(s => s.Keyword))})");
            if (ops.Count >= Scenario.OpsMax) throw new InputException(file, lineNumber, keywordColumn, $"more than {Scenario.OpsMax} operations");
            var values = ParseArgs(tokens, spec.Args.Select(a => (a.Name, a.Min, a.Max)).ToList(), keyword, file, lineNumber);
            var op = new Op(spec.Code);
            for (int i = 0; i < values.Length; i++) op = op.WithArg(i, values[i]);
            ops.Add(op);
        }
        if (machine is null) throw new InputException(file, lines.Length, 1, "no 'machine pages=N cpus=N' line");
        return new Scenario(machine, ops);
    }

    private static MachineConfig ParseMachine(List<(string Text, int Column)> tokens, string file, int line)
    {
        var layout = CgroupLayout.V2;
        if (tokens.Count >= 4 && tokens[3].Text.StartsWith(LayoutName + "=", StringComparison.Ordinal))
        {
            var (token, column) = tokens[3];
            string word = token[(LayoutName.Length + 1)..];
            layout = word switch
            {
                "v1" => CgroupLayout.V1,
                "v2" => CgroupLayout.V2,
                _ => throw new InputException(file, line, column + LayoutName.Length + 1, $"'{word}' is not a cgroup layout (expected v1 or v2)"),
            };
            tokens = tokens.Where((_, index) => index != 3).ToList();
        }
        var values = ParseArgs(tokens,
            [("pages", KernelConstants.MachinePagesMin, KernelConstants.MachinePagesMax), ("cpus", KernelConstants.CpusMin, KernelConstants.CpusMax)],
            MachineKeyword, file, line);
        return new MachineConfig((int)values[0], (int)values[1], layout);
    }

    private static long[] ParseArgs(List<(string Text, int Column)> tokens, IReadOnlyList<(string Name, long Min, long Max)> args, string keyword, string file, int line)
    {
        var values = new long[args.Count];
        if (tokens.Count - 1 > args.Count)
            throw new InputException(file, line, tokens[args.Count + 1].Column, $"'{keyword}' takes {args.Count} argument(s): {Expected(args)}");
        for (int i = 0; i < args.Count; i++)
        {
            if (i + 1 >= tokens.Count)
            {
                int column = tokens[^1].Column + tokens[^1].Text.Length + 1;
                throw new InputException(file, line, column, $"'{keyword}' is missing argument '{args[i].Name}' (expected {Expected(args)})");
            }
            var (token, tokenColumn) = tokens[i + 1];
            string prefix = args[i].Name + "=";
            if (!token.StartsWith(prefix, StringComparison.Ordinal))
                throw new InputException(file, line, tokenColumn, $"expected '{prefix}<number>' but found '{token}' (expected {Expected(args)})");
            string number = token[prefix.Length..];
            if (!long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
                throw new InputException(file, line, tokenColumn + prefix.Length, $"'{number}' is not a number");
            if (value < args[i].Min || value > args[i].Max)
                throw new InputException(file, line, tokenColumn + prefix.Length, $"{args[i].Name}={value} is outside {args[i].Min}..{args[i].Max}");
            values[i] = value;
        }
        return values;
    }

    private static string Expected(IReadOnlyList<(string Name, long Min, long Max)> args) =>
        args.Count == 0 ? "no arguments" : string.Join(' ', args.Select(a => $"{a.Name}=<{a.Min}..{a.Max}>"));

    /// <summary>Splits on spaces and tabs, keeping each token's 1-based column.</summary>
    private static List<(string Text, int Column)> Tokenize(string line)
    {
        var tokens = new List<(string, int)>();
        int i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            int start = i;
            while (i < line.Length && !char.IsWhiteSpace(line[i])) i++;
            if (i > start) tokens.Add((line[start..i], start + 1));
        }
        return tokens;
    }
}
