using Verify.Impl;
using Verify.Model.Contract;

namespace Verify.Fuzz.Planted;

/// <summary>A write on a protected object of a pool without rare write lands and succeeds (the protection check is skipped).</summary>
public sealed class PoolWriteAfterProtect(ImplKernel inner) : DelegatingKernel(inner)
{
    public override Outcome PoolWrite(long objectId, long value)
    {
        var outcome = Inner.PoolWrite(objectId, value);
        if (outcome.Errno != Errno.EPERM) return outcome;
        inner.Pools.SlipWrite(objectId, value);
        return Outcome.Ok(0);
    }
}

/// <summary>pool_protect makes every area of the pool read-only but its newest.</summary>
public sealed class PoolProtectMissesNewest(ImplKernel inner) : DelegatingKernel(inner)
{
    public override Outcome PoolProtect(long poolId)
    {
        var outcome = Inner.PoolProtect(poolId);
        if (outcome.IsOk) inner.Pools.SlipUnprotectNewest(poolId);
        return outcome;
    }
}
