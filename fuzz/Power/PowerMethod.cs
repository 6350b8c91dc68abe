namespace Verify.Fuzz.Power;

/// <summary>The three ways the suite can look for a planted bug, in the order the report shows them.</summary>
public enum PowerMethod
{
    /// <summary>The default gate's search (GateSearch) with the trial's seed: a budget of sequences.</summary>
    Gate,

    /// <summary>The embedded engine as `fuzz run` drives it with the trial's seed: a budget of seconds.</summary>
    Run,

    /// <summary>An AFL++ campaign (`fuzz campaign --jobs 1 --until-first-crash`): a budget of minutes; AFL++'s own randomness, no seed.</summary>
    Campaign,
}

/// <summary>The methods' names on the command line and in trials.tsv (lower case), and their parsing; every name round-trips.</summary>
public static class PowerMethods
{
    public static readonly IReadOnlyList<PowerMethod> All = [PowerMethod.Gate, PowerMethod.Run, PowerMethod.Campaign];

    public static string Name(PowerMethod method) => method switch
    {
        PowerMethod.Gate => "gate",
        PowerMethod.Run => "run",
        PowerMethod.Campaign => "campaign",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };

    public static bool TryParse(string name, out PowerMethod method)
    {
        foreach (var candidate in All)
        {
            if (Name(candidate) != name) continue;
            method = candidate;
            return true;
        }
        method = default;
        return false;
    }
}
