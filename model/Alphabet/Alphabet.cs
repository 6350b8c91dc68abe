namespace Verify.Model.Alphabet;

/// <summary>
/// The one list of operations. Generators, the byte codec, the trace format and the runner's
/// dispatch all read it; adding an operation means adding it to one subsystem's list here and
/// giving it semantics in model and impl. Codes are positions in this list: append, never reorder.
/// </summary>
public static partial class Alphabet
{
    public static readonly IReadOnlyList<OpSpec> Specs = Build();

    private static readonly Dictionary<string, OpSpec> SpecsByKeyword =
        Specs.ToDictionary(spec => spec.Keyword, StringComparer.Ordinal);

    public static OpSpec? ByKeyword(string keyword) => SpecsByKeyword.GetValueOrDefault(keyword);

    private static List<OpSpec> Build()
    {
        var specs = new List<OpSpec>();
        specs.AddRange(BuddyOps());
        specs.AddRange(SlabOps());
        specs.AddRange(ErrorPathBuddyOps());
        specs.AddRange(ErrorPathSlabOps());
        specs.AddRange(CgroupOps());
        specs.AddRange(MemcgOps());
        specs.AddRange(OomOps());
        specs.AddRange(PoolOps());
        specs.AddRange(LargeSlabOps());
        for (int code = 0; code < specs.Count; code++)
        {
            specs[code].Code = code;
            if (specs[code].Args.Count > OpArgs.ArgCountMax)
                throw new InvalidOperationException($"{specs[code].Keyword}: more than {OpArgs.ArgCountMax} arguments");
        }
        return specs;
    }
}
