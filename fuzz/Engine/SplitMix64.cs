namespace Verify.Fuzz.Engine;

/// <summary>
/// A tiny seeded random generator (SplitMix64). The same seed gives the same stream on every
/// machine and .NET version, which System.Random does not promise.
/// </summary>
public struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [min, max], inclusive.</summary>
    public long Range(long min, long max) => min + (long)(Next() % (ulong)(max - min + 1));

    public bool Chance(int percent) => Range(0, 99) < percent;
}
