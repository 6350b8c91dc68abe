using System.Diagnostics;
using Verify.Fuzz.Cli;
using Verify.Fuzz.Harness;
using Verify.Fuzz.Planted;

namespace Verify.Fuzz.Power;

/// <summary>
/// One trial of the run method: the embedded engine as `fuzz run --planted BUG --seed SEED` drives
/// it (RunCommand.NextInput over the corpus, one reused runner, cheap checks with the self-checks at
/// each sequence's end, fuzz run's default --ops-max), stopped at the first failure, which is shrunk
/// and saved as fuzz run does. Guarantees: with the same corpus, Found (within the budget), Sequences
/// and ShrunkOps depend on the bug and the seed alone; Seconds is wall time from the first input. A
/// trial that finds nothing within budgetSeconds is censored at the budget.
/// </summary>
public sealed class RunTrial(List<byte[]> corpus, string corpusDirectory, string findingsDirectory, string host)
{
    public TrialRecord Run(string bug, int trial, ulong seed, double budgetSeconds)
    {
        var options = new RunCommand.EngineOptions(seed, (int)Math.Ceiling(budgetSeconds), null, corpusDirectory, findingsDirectory, RunCommand.OpsMaxDefault, CheckLevel.Cheap);
        var runner = new Runner(PlantedBugs.ImplFactory(bug));
        long sequences = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < budgetSeconds)
        {
            var scenario = RunCommand.NextInput(options, corpus, sequences);
            var result = runner.Run(scenario, options.Check);
            sequences++;
            if (result.Failure is not { } failure) continue;
            double seconds = clock.Elapsed.TotalSeconds;
            string origin = $"fuzz power: run trial {trial} of {bug} (fuzz run --planted {bug} --seed {seed}), input {sequences - 1}";
            var saved = FailureArtifacts.ShrinkAndSave(runner, scenario, failure, options.Check, origin, findingsDirectory, $"run-{bug}-{trial}-{seed}");
            return new TrialRecord(bug, PowerMethod.Run, trial, seed, true, seconds, sequences, saved.Shrunk.Ops.Count, budgetSeconds, null, host);
        }
        return new TrialRecord(bug, PowerMethod.Run, trial, seed, false, budgetSeconds, sequences, null, budgetSeconds, null, host);
    }
}
