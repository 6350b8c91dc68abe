namespace Verify.Model.Alphabet;

/// <summary>
/// The resolved arguments of one operation: integers as given, references as the handles they
/// name. A fixed-size struct, so dispatch allocates nothing.
/// </summary>
public struct OpArgs
{
    public const int ArgCountMax = 3;

    private long _int0, _int1, _int2;
    private Handle _ref0, _ref1, _ref2;

    public readonly long Int(int index) => index switch
    {
        0 => _int0,
        1 => _int1,
        2 => _int2,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public readonly Handle Ref(int index) => index switch
    {
        0 => _ref0,
        1 => _ref1,
        2 => _ref2,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public void SetInt(int index, long value)
    {
        switch (index)
        {
            case 0: _int0 = value; break;
            case 1: _int1 = value; break;
            case 2: _int2 = value; break;
            default: throw new ArgumentOutOfRangeException(nameof(index));
        }
    }

    public void SetRef(int index, Handle handle)
    {
        switch (index)
        {
            case 0: _ref0 = handle; break;
            case 1: _ref1 = handle; break;
            case 2: _ref2 = handle; break;
            default: throw new ArgumentOutOfRangeException(nameof(index));
        }
    }
}
