namespace Verify.Fuzz.Power;

/// <summary>
/// Every recorded trial grouped into cells, one per planted bug and method: the bugs in ordinal
/// order, the methods in PowerMethods order, only the methods that have trials. Guarantees: the same
/// trials in any order (concatenated files, resumed runs) give the same summary.
/// </summary>
public sealed class PowerSummary
{
    private readonly Dictionary<(string, PowerMethod), PowerCell> _cells = new();

    public PowerSummary(IEnumerable<TrialRecord> trials)
    {
        Trials = trials.OrderBy(t => t.Bug, StringComparer.Ordinal).ThenBy(t => t.Method).ThenBy(t => t.Trial).ToList();
        Bugs = Trials.Select(t => t.Bug).Distinct().ToList();
        Methods = PowerMethods.All.Where(m => Trials.Any(t => t.Method == m)).ToList();
        foreach (var group in Trials.GroupBy(t => (t.Bug, t.Method)))
            _cells[group.Key] = PowerCell.Of(group.Key.Bug, group.Key.Method, group.ToList());
    }

    /// <summary>The trials, by bug, method and trial number.</summary>
    public IReadOnlyList<TrialRecord> Trials { get; }

    public IReadOnlyList<string> Bugs { get; }

    public IReadOnlyList<PowerMethod> Methods { get; }

    /// <summary>The cell of a bug and a method; null when that method has no trial on the bug.</summary>
    public PowerCell? Cell(string bug, PowerMethod method) => _cells.GetValueOrDefault((bug, method));

    public IEnumerable<TrialRecord> TrialsOf(PowerMethod method) => Trials.Where(t => t.Method == method);
}
