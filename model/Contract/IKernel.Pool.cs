namespace Verify.Model.Contract;

/// <summary>
/// Protectable memory (pmalloc, LSFMM 2018): pools of small objects packed into vmalloc areas,
/// made read-only by a protect; a rare-write pool lets protected objects change on purpose.
/// Objects are never freed one by one: destroying the pool frees everything. Pool and object ids
/// count from 1 and are never reused.
/// </summary>
public partial interface IKernel
{
    /// <summary>A new, empty pool (no memory yet); its id. EINVAL for flags outside PoolFlags.All.</summary>
    Outcome PoolCreate(PoolFlags flags);

    /// <summary>
    /// An object of bytes rounded up to 8, at the lowest free offset of the pool's newest area when
    /// that area is unprotected and has room, else at the start of a new area of ceil(size / 4096)
    /// pages taken through vmalloc (charged to the current task's group for an accounted pool); its
    /// id. EINVAL for an unknown pool or bytes outside 1..SlabLayout.PoolObjectBytesMax (16 pages); ENOMEM (no
    /// change) when the area cannot be had.
    /// </summary>
    Outcome PoolAlloc(long poolId, long bytes);

    /// <summary>Writes the object's value: EPERM once its area is protected; EINVAL for an unknown object.</summary>
    Outcome PoolWrite(long objectId, long value);

    /// <summary>Makes every area the pool holds read-only (later objects go into a new area). EINVAL for an unknown pool.</summary>
    Outcome PoolProtect(long poolId);

    /// <summary>The rare-write path: writes the object's value, protected or not, on a rare-write pool; EPERM on any other pool; EINVAL for an unknown object.</summary>
    Outcome PoolRareWrite(long objectId, long value);

    /// <summary>Frees every area of the pool (uncharged as vfree would) and every object in it. EINVAL for an unknown pool.</summary>
    Outcome PoolDestroy(long poolId);
}
