namespace Verify.Fuzz.Afl;

/// <summary>
/// Edge-mode probe ids: a 64-bit FNV-1a hash of (module MVID, method metadata token, IL offset of
/// the probed instruction), folded to 16 bits. Guarantees: deterministic (the same compiled
/// assembly always gets the same ids, so a campaign can be resumed on a rebuilt identical
/// target), below AflCoverage.MapSizeBytes, and independent between assemblies because the
/// MVID is part of the hash. Distinct sites can collide, as in AFL itself (~n^2/2^17 pairs).
/// </summary>
public static class ProbeIds
{
    private const ulong FnvOffset = 14695981039346656037UL, FnvPrime = 1099511628211UL;

    public static int ForSite(Guid moduleMvid, uint methodToken, int ilOffset)
    {
        ulong hash = FnvOffset;
        foreach (byte b in moduleMvid.ToByteArray()) hash = (hash ^ b) * FnvPrime;
        for (int shift = 0; shift < 32; shift += 8) hash = (hash ^ (byte)(methodToken >> shift)) * FnvPrime;
        for (int shift = 0; shift < 32; shift += 8) hash = (hash ^ (byte)(ilOffset >> shift)) * FnvPrime;
        ulong folded = hash ^ (hash >> 16) ^ (hash >> 32) ^ (hash >> 48);
        return (int)(folded & (Model.Coverage.AflCoverage.MapSizeBytes - 1));
    }
}
