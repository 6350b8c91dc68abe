namespace Verify.Model.Contract;

/// <summary>The kernel error numbers an operation can return. Ok is success.</summary>
public enum Errno : byte
{
    Ok = 0,
    ENOMEM,
    EINVAL,
    EBUSY,
    ENOENT,
    EEXIST,

    /// <summary>A fork the pids controller refuses, or no free pid.</summary>
    EAGAIN,

    /// <summary>No live task has that pid.</summary>
    ESRCH,

    /// <summary>A write to protected memory (a pool object after protect), or a rare write on a pool that does not allow it.</summary>
    EPERM,
}
