using Verify.Model.Alphabet;

namespace Verify.Fuzz.Engine;

/// <summary>
/// The swarm choice of one scenario (Groce et al., ISSTA 2012): which operations may occur at all
/// (bit c of Enabled is alphabet code c) and the mood. The v2 byte header carries it, so byte
/// mutation explores other subsets and moods too.
/// </summary>
public readonly record struct Swarm(UInt128 Enabled, Mood Mood)
{
    /// <summary>The header has 16 bytes of enable bits: the alphabet may grow to this many operations.</summary>
    public const int OperationsMax = 128;

    public bool IsEnabled(int code) => code < OperationsMax && ((Enabled >> code) & UInt128.One) != UInt128.Zero;

    public int EnabledCount => (int)UInt128.PopCount(Enabled);

    public static UInt128 Bit(int code) => UInt128.One << code;

    /// <summary>Every operation of today's alphabet enabled.</summary>
    public static UInt128 AllOperations => Alphabet.Specs.Count >= OperationsMax ? UInt128.MaxValue : (UInt128.One << Alphabet.Specs.Count) - UInt128.One;

    /// <summary>The enable bits of the operations a scenario uses.</summary>
    public static UInt128 Used(Scenario scenario)
    {
        UInt128 used = UInt128.Zero;
        foreach (var op in scenario.Ops) used |= Bit(op.Code);
        return used;
    }
}
