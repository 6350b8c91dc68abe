using System.CommandLine;
using System.Diagnostics;
using Verify.Fuzz.Mutation;

namespace Verify.Fuzz.Cli;

/// <summary>
/// fuzz changed-spans: the Stryker mutate patterns (one per line) of the C# lines of impl/ or model/
/// that differ between a commit and the working tree, for the incremental mutation check
/// (properties/Mutation/incremental.sh). Prints nothing when no line of the project changed.
/// Exit 0, or 2 with one line on stderr when git fails or the commit is unknown.
/// </summary>
public static class ChangedSpansCommand
{
    public static Command Create()
    {
        var since = new Option<string>("--since") { Description = "The commit to compare the working tree with (e.g. HEAD~1, main)", Required = true };
        var project = new Option<string>("--project") { Description = "impl or model", DefaultValueFactory = _ => "impl" };
        var repo = new Option<string>("--repo") { Description = "The repository's top folder", DefaultValueFactory = _ => "." };
        var command = new Command("changed-spans", "Print Stryker mutate patterns for the lines of impl/ or model/ changed since a commit") { since, project, repo };
        command.SetAction(parse =>
        {
            string name = parse.GetValue(project)!, root = parse.GetValue(repo)!;
            if (name is not ("impl" or "model"))
            {
                Console.Error.WriteLine($"fuzz changed-spans: --project is impl or model, got '{name}'");
                return Program.ExitUsage;
            }
            try
            {
                string diff = Git(root, "diff", "-U0", "--no-color", "--no-ext-diff", "--diff-filter=AMR", parse.GetValue(since)!, "--", $"{name}/");
                foreach (var (file, lines) in ChangedSpans.ParseDiff(diff))
                {
                    if (!file.EndsWith(".cs", StringComparison.Ordinal) || file.Contains("/obj/", StringComparison.Ordinal) || file.Contains("/bin/", StringComparison.Ordinal))
                        continue;
                    if (lines.Count == 0) continue;
                    string text = File.ReadAllText(Path.Combine(root, file));
                    Console.WriteLine(ChangedSpans.Pattern(file[(name.Length + 1)..], ChangedSpans.CharacterSpans(text, lines)));
                }
                return Program.ExitPass;
            }
            catch (MutationReportException e)
            {
                Console.Error.WriteLine($"fuzz changed-spans: {e.Message}");
                return Program.ExitUsage;
            }
        });
        return command;
    }

    private static string Git(string root, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var git = Process.Start(start) ?? throw new MutationReportException("git did not start");
        var output = git.StandardOutput.ReadToEndAsync();
        string error = git.StandardError.ReadToEnd();
        git.WaitForExit();
        if (git.ExitCode != 0)
            throw new MutationReportException($"git {string.Join(' ', arguments)} failed in {Path.GetFullPath(root)}: {error.Trim().Split('\n')[0]}");
        return output.Result;
    }
}
