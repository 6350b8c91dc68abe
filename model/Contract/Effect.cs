namespace Verify.Model.Contract;

/// <summary>The kinds of side effects a call can have beyond its return value. Permanent numbers: append only.</summary>
public enum EffectKind : byte
{
    /// <summary>v1: the hierarchy's release agent would run with the cgroup's path (Cgroup: the group).</summary>
    Release = 1,

    /// <summary>v2 cgroup.events "populated" flipped (Cgroup: the group, Value: the new value 0 or 1).</summary>
    Populated = 2,

    /// <summary>The OOM killer (or the forkbomb killer) killed a task (Cgroup: its memory group, Value: its pid).</summary>
    OomKill = 3,

    /// <summary>memory.oom.group: the group is about to be killed whole (Cgroup: the group; oom_group_kill counted there).</summary>
    OomGroupKill = 4,

    /// <summary>
    /// The OOM killer was invoked (Cgroup: the OOM domain, 0 for the whole machine; Value: the pages
    /// the charge or allocation asked for, 0 for a memory.max write; Detail: the domain's usage in
    /// pages then, or the machine's allocated pages). Kills, if any, follow it.
    /// </summary>
    Oom = 5,

    /// <summary>The forkbomb killer found a bomb (Cgroup: the OOM domain, 0 for the machine; Value: the bomb's mm_record; Detail: its family size); the kills under it follow.</summary>
    Forkbomb = 6,
}

/// <summary>One observable side effect of a call, compared exactly between model and impl, in order.</summary>
public readonly record struct Effect(EffectKind Kind, long Cgroup, long Value = 0, long Detail = 0)
{
    public static Effect Release(long cgroup) => new(EffectKind.Release, cgroup);

    public static Effect Populated(long cgroup, bool populated) => new(EffectKind.Populated, cgroup, populated ? 1 : 0);

    public static Effect OomKill(long cgroup, long pid) => new(EffectKind.OomKill, cgroup, pid);

    public static Effect OomGroupKill(long cgroup) => new(EffectKind.OomGroupKill, cgroup);

    public static Effect Forkbomb(long domain, long record, long family) => new(EffectKind.Forkbomb, domain, record, family);

    public static Effect Oom(in OomContext context) => new(EffectKind.Oom, context.Domain, context.Pages, context.Usage);

    public override string ToString() => Kind switch
    {
        EffectKind.Release => $"release cgroup={Cgroup}",
        EffectKind.Populated => $"populated cgroup={Cgroup} value={Value}",
        EffectKind.OomKill => $"oom-kill task={Value} cgroup={Cgroup}",
        EffectKind.OomGroupKill => $"oom-group-kill cgroup={Cgroup}",
        EffectKind.Oom => $"oom domain={Cgroup} pages={Value} usage={Detail}",
        EffectKind.Forkbomb => $"forkbomb domain={Cgroup} record={Value} family={Detail}",
        _ => $"effect-{(int)Kind} cgroup={Cgroup} value={Value}",
    };
}

/// <summary>
/// The ordered side effects of the calls since the last Clear. The runner clears it before each
/// step and compares both sides' logs after it. Guarantees: Add keeps order; storage is reused,
/// so a steady state allocates nothing.
/// </summary>
public sealed class EffectLog
{
    private readonly List<Effect> _effects = [];

    public IReadOnlyList<Effect> Items => _effects;

    public int Count => _effects.Count;

    public void Add(Effect effect) => _effects.Add(effect);

    public void Clear() => _effects.Clear();

    public bool SameAs(EffectLog other)
    {
        if (other._effects.Count != _effects.Count) return false;
        for (int i = 0; i < _effects.Count; i++)
            if (_effects[i] != other._effects[i]) return false;
        return true;
    }

    public override string ToString() => _effects.Count == 0 ? "none" : string.Join("; ", _effects);
}
