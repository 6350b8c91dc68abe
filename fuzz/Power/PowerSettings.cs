using System.Globalization;
using Verify.Fuzz.Planted;

namespace Verify.Fuzz.Power;

/// <summary>
/// Everything a power run is told, checked: the planted bugs (ordinal order, no repeats), the methods
/// (PowerMethods order), trials per bug and method, the base seed of the trial seeds, the gate, run
/// and campaign budgets, the output folder (absolute) and whether only to render the report.
/// Guarantees: Parse accepts exactly the documented values and otherwise throws a one-line
/// PowerException that names the option and the bad value.
/// </summary>
public sealed record PowerSettings(
    IReadOnlyList<string> Bugs,
    IReadOnlyList<PowerMethod> Methods,
    int Trials,
    ulong BaseSeed,
    double RunSeconds,
    double CampaignMinutes,
    string OutputDirectory,
    bool ReportOnly,
    int GateSequences = GateSearch.Sequences)
{
    public const string BugsDefault = "all", MethodsDefault = "gate,run,campaign", TrialsDefault = "5", SeedDefault = "1",
        RunSecondsDefault = "30", CampaignMinutesDefault = "1";

    /// <summary>More would be a typo: 35 bugs × 3 methods × 1000 trials is years of campaigns.</summary>
    public const int TrialsMax = 1000;

    public string TrialsPath => Path.Combine(OutputDirectory, TrialFile.FileName);

    /// <summary>The gate's budget can be cut (the mutation profile's question: how many sequences are worth their time) but not raised past the gate's own.</summary>
    public static PowerSettings Parse(string bugs, string methods, string trials, string seed, string runSeconds, string campaignMinutes, string output, bool reportOnly,
        string gateSequences = "1000")
    {
        return new PowerSettings(ParseBugs(bugs), ParseMethods(methods),
            int.TryParse(trials, NumberStyles.None, CultureInfo.InvariantCulture, out int t) && t is >= 1 and <= TrialsMax ? t
                : throw new PowerException($"--trials: '{trials}' is not a whole number from 1 to {TrialsMax}"),
            ulong.TryParse(seed, NumberStyles.None, CultureInfo.InvariantCulture, out ulong s) ? s
                : throw new PowerException($"--seed: '{seed}' is not an unsigned 64-bit number"),
            Positive(runSeconds, "--run-seconds", "seconds"), Positive(campaignMinutes, "--campaign-minutes", "minutes"),
            output.Trim().Length > 0 ? Path.GetFullPath(output) : throw new PowerException("--out: the folder name is empty"),
            reportOnly,
            int.TryParse(gateSequences, NumberStyles.None, CultureInfo.InvariantCulture, out int g) && g is >= 1 and <= GateSearch.Sequences ? g
                : throw new PowerException($"--gate-sequences: '{gateSequences}' is not a whole number from 1 to {GateSearch.Sequences}"));
    }

    private static List<string> ParseBugs(string value)
    {
        if (value == "all") return PlantedBugs.All.Keys.Order(StringComparer.Ordinal).ToList();
        var names = value.Split(',').Select(n => n.Trim()).ToList();
        foreach (string name in names)
        {
            if (name.Length == 0) throw new PowerException($"--bugs: '{value}' has an empty name (give names separated by commas, or all)");
            if (!PlantedBugs.All.ContainsKey(name)) throw new PowerException($"--bugs: unknown planted bug '{name}' (known: {string.Join(", ", PlantedBugs.All.Keys)})");
        }
        return names.Distinct().Order(StringComparer.Ordinal).ToList();
    }

    private static List<PowerMethod> ParseMethods(string value)
    {
        var chosen = new HashSet<PowerMethod>();
        foreach (string name in value.Split(',').Select(n => n.Trim()))
        {
            if (!PowerMethods.TryParse(name, out var method)) throw new PowerException($"--methods: unknown method '{name}' (gate, run or campaign, separated by commas)");
            chosen.Add(method);
        }
        return PowerMethods.All.Where(chosen.Contains).ToList();
    }

    private static double Positive(string value, string option, string unit) =>
        double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double number) && double.IsFinite(number) && number > 0 ? number
            : throw new PowerException($"{option}: '{value}' is not a positive number of {unit}");
}
