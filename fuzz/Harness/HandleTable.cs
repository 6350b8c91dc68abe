using Verify.Model.Alphabet;

namespace Verify.Fuzz.Harness;

/// <summary>
/// The runner's view of which objects are live, per handle kind, in creation order, so that a
/// relative reference "the k-th live object" means the same on both sides. Freed handles are kept
/// in a bounded ring for stale references (double frees).
/// </summary>
public sealed class HandleTable
{
    /// <summary>How many freed handles per kind are remembered for stale references.</summary>
    public const int DeadPerKindMax = 64;

    private static readonly int KindCount = Enum.GetValues<HandleKind>().Length;
    private readonly List<Handle>[] _live = NewLists();
    private readonly List<Handle>[] _dead = NewLists();
    private readonly int[] _deadNext = new int[KindCount];

    public void Reset()
    {
        for (int kind = 0; kind < KindCount; kind++)
        {
            _live[kind].Clear();
            _dead[kind].Clear();
            _deadNext[kind] = 0;
        }
    }

    public int LiveCount(HandleKind kind) => _live[(int)kind].Count;

    public IReadOnlyList<Handle> Live(HandleKind kind) => _live[(int)kind];

    /// <summary>The remembered freed handles of a kind (a ring of at most DeadPerKindMax, not in freeing order once full).</summary>
    public IReadOnlyList<Handle> Dead(HandleKind kind) => _dead[(int)kind];

    /// <summary>The index of the live handle that relative reference k names, or -1 when none is live.</summary>
    public int ResolveLive(HandleKind kind, long k)
    {
        int count = _live[(int)kind].Count;
        return count == 0 ? -1 : (int)(k % count);
    }

    public Handle LiveAt(HandleKind kind, int index) => _live[(int)kind][index];

    /// <summary>
    /// A handle that is no longer live: the k-th remembered freed handle whose value no live handle
    /// of the kind has (so freeing it again must fail); when none qualifies, a handle whose value
    /// is outsideValue + k, which never names an object.
    /// </summary>
    public Handle ResolveStale(HandleKind kind, long k, long outsideValue)
    {
        var dead = _dead[(int)kind];
        var live = _live[(int)kind];
        int qualifying = 0;
        foreach (var handle in dead) if (!HasLiveValue(live, handle.Value)) qualifying++;
        if (qualifying == 0) return new Handle(kind, outsideValue + k, 0, 0);
        long wanted = k % qualifying;
        foreach (var handle in dead)
        {
            if (HasLiveValue(live, handle.Value)) continue;
            if (wanted-- == 0) return handle;
        }
        throw new InvalidOperationException("unreachable: qualifying stale handle not found");
    }

    public void Add(Handle handle) => _live[(int)handle.Kind].Add(handle);

    public void Kill(HandleKind kind, int liveIndex)
    {
        var live = _live[(int)kind];
        var handle = live[liveIndex];
        live.RemoveAt(liveIndex);
        var dead = _dead[(int)kind];
        if (dead.Count < DeadPerKindMax) dead.Add(handle);
        else dead[_deadNext[(int)kind]] = handle;
        _deadNext[(int)kind] = (_deadNext[(int)kind] + 1) % DeadPerKindMax;
    }

    private static bool HasLiveValue(List<Handle> live, long value)
    {
        foreach (var handle in live) if (handle.Value == value) return true;
        return false;
    }

    private static List<Handle>[] NewLists()
    {
        var lists = new List<Handle>[KindCount];
        for (int i = 0; i < KindCount; i++) lists[i] = new List<Handle>();
        return lists;
    }
}
