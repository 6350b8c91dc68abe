namespace Verify.Model.Contract;

/// <summary>
/// A commutative digest of observable state: each element contributes Mix(element) by wrapping
/// addition, so both sides can maintain it incrementally (add on insert, subtract on removal)
/// and the result does not depend on the order elements were inserted or are stored in.
/// Equal states give equal digests; different digests prove different states.
/// </summary>
public static class StateDigest
{
    public static ulong FreeBlock(long pfn, int order) => Mix(((ulong)pfn << 8) | (uint)order | (1UL << 62));

    public static ulong Allocation(long pfn, long pages, AllocationKind kind) =>
        Mix(((ulong)pfn << 24) ^ ((ulong)pages << 2) ^ (ulong)kind ^ (2UL << 62));

    /// <summary>splitmix64 finalizer: a bijection on 64 bits with good avalanche.</summary>
    public static ulong Mix(ulong x)
    {
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return x;
    }
}
