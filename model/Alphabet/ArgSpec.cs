namespace Verify.Model.Alphabet;

public enum ArgKind : byte
{
    /// <summary>An integer in [Min, Max].</summary>
    Int,

    /// <summary>A relative reference: the k-th live handle of a kind, k modulo the live count.</summary>
    Ref,

    /// <summary>
    /// A reference to a handle that is no longer live (a double free). Resolves to a freed handle
    /// whose value no live handle has; when there is none, to a value that never names an object.
    /// </summary>
    StaleRef,
}

/// <summary>How generators spread an Int argument over its range.</summary>
public enum Spread : byte
{
    Uniform,

    /// <summary>Log-uniform: each power of two up to Max is as likely as the next.</summary>
    Logarithmic,
}

/// <summary>One argument of an operation, named as it appears in the trace format.</summary>
public sealed record ArgSpec(string Name, ArgKind Kind, long Min, long Max, HandleKind RefKind, Spread Spread)
{
    /// <summary>Relative references are one byte in the binary form: k in 0..RefIndexMax.</summary>
    public const long RefIndexMax = 255;

    public static ArgSpec Int(string name, long min, long max, Spread spread = Spread.Uniform) =>
        new(name, ArgKind.Int, min, max, default, spread);

    public static ArgSpec Ref(string name, HandleKind kind) =>
        new(name, ArgKind.Ref, 0, RefIndexMax, kind, Spread.Uniform);

    public static ArgSpec StaleRef(string name, HandleKind kind) =>
        new(name, ArgKind.StaleRef, 0, RefIndexMax, kind, Spread.Uniform);

    public bool IsReference => Kind != ArgKind.Int;

    public bool Accepts(long value) => value >= Min && value <= Max;
}
