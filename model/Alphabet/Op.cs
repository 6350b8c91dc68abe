namespace Verify.Model.Alphabet;

/// <summary>
/// One operation of a sequence: its code (an index into Alphabet.Specs) and up to three raw
/// arguments. Integer arguments hold their value; reference arguments hold the relative index k.
/// </summary>
public readonly record struct Op(int Code, long A0 = 0, long A1 = 0, long A2 = 0)
{
    public OpSpec Spec => Alphabet.Specs[Code];

    public long Arg(int index) => index switch
    {
        0 => A0,
        1 => A1,
        2 => A2,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public Op WithArg(int index, long value) => index switch
    {
        0 => this with { A0 = value },
        1 => this with { A1 = value },
        2 => this with { A2 = value },
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public static Op Of(string keyword, params long[] args)
    {
        var spec = Alphabet.ByKeyword(keyword) ?? throw new ArgumentException($"unknown operation '{keyword}'");
        if (args.Length != spec.Args.Count) throw new ArgumentException($"{keyword} takes {spec.Args.Count} arguments");
        var op = new Op(spec.Code);
        for (int i = 0; i < args.Length; i++) op = op.WithArg(i, args[i]);
        return op;
    }

    public override string ToString() => Spec.Format(this);
}
