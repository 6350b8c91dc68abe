using System.CommandLine;
using Verify.Fuzz.Conformance;

namespace Verify.Fuzz.Cli;

/// <summary>
/// fuzz conformance: runs the conformance scenarios on this machine's kernel (cgroup v1 memory and
/// pids, as root) and on the model, and prints scenario, quantity, kernel value, model value,
/// tolerance and verdict. Exit 0 when every row agrees, 1 when one disagrees, 2 when the machine
/// cannot run them (the reason is printed) or a scenario name is unknown.
/// </summary>
public static class ConformanceCommand
{
    public static Command Create()
    {
        var only = new Option<string?>("--scenario") { Description = $"Run only this scenario ({string.Join(", ", ConformanceScenarios.All.Select(s => s.Name))})" };
        var command = new Command("conformance", "Run the conformance scenarios on the real kernel and on the model, and print the comparison") { only };
        command.SetAction(parse =>
        {
            string? name = parse.GetValue(only);
            var scenarios = ConformanceScenarios.All.Where(s => name is null || s.Name == name).ToList();
            if (scenarios.Count == 0)
            {
                Console.Error.WriteLine($"fuzz conformance: no scenario '{name}' (there are: {string.Join(", ", ConformanceScenarios.All.Select(s => s.Name))})");
                return Program.ExitUsage;
            }
            if (ConformanceRun.Prepare(out string? unavailable) is not var (own, agent))
            {
                Console.Error.WriteLine($"fuzz conformance: {unavailable}");
                return Program.ExitUsage;
            }
            foreach (var scenario in scenarios) Console.WriteLine($"{scenario.Name}: {scenario.Checks}");
            Console.WriteLine();
            var rows = scenarios.SelectMany(s => ConformanceRun.Run(own, agent, s)).ToList();
            Console.Write(ConformanceRun.Table(rows));
            int disagreeing = rows.Count(r => !r.Agrees);
            Console.WriteLine($"{rows.Count} comparisons in {scenarios.Count} scenarios, {disagreeing} disagreeing");
            return disagreeing == 0 ? Program.ExitPass : Program.ExitFinding;
        });
        return command;
    }
}
