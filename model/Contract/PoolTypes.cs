namespace Verify.Model.Contract;

/// <summary>What a protectable-memory pool (pmalloc) is created with. Values above All are EINVAL.</summary>
[Flags]
public enum PoolFlags : byte
{
    None = 0,

    /// <summary>Protected objects of the pool may still be changed through the rare-write path.</summary>
    RareWrite = 1,

    /// <summary>The pool's pages are charged like vmalloc with __GFP_ACCOUNT, to the group of the task current when each area is taken.</summary>
    Account = 2,

    All = RareWrite | Account,
}

/// <summary>A live pool: its id and flags.</summary>
public readonly record struct PoolInfo(long Id, PoolFlags Flags);

/// <summary>
/// One area of a pool: the vmalloc area that backs it (its id among the vmalloc areas), its pages,
/// the bytes handed out from its start, and whether a protect has made it read-only.
/// </summary>
public readonly record struct PoolAreaInfo(long PoolId, long AreaId, int Pages, int UsedBytes, bool Protected);

/// <summary>A live pool object: where it lies (area, offset), its size (a multiple of 8) and the last value written to it (0 when new).</summary>
public readonly record struct PoolObjectInfo(long Id, long PoolId, long AreaId, int OffsetBytes, int Bytes, long Value);
