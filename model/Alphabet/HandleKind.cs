namespace Verify.Model.Alphabet;

/// <summary>The kinds of live objects an operation can refer to. Each kind has its own pool of handles.</summary>
public enum HandleKind : byte
{
    /// <summary>A run of pages from AllocPages or AllocPagesExact.</summary>
    PageRun = 0,

    /// <summary>A cache made by CacheCreate (Value: cache id).</summary>
    Cache = 1,

    /// <summary>An object from CacheAlloc (Value: address, Aux: cache id).</summary>
    SlabObject = 2,

    /// <summary>A kmalloc result (Value: address, ZeroSizePtr included).</summary>
    KmallocObject = 3,

    /// <summary>A vmalloc area (Value: area id).</summary>
    VmallocArea = 4,

    /// <summary>A dentry (Value: dentry id). A shrunk dentry stays a handle; calls on it fail with EINVAL.</summary>
    Dentry = 5,

    /// <summary>A task (Value: pid). Task 1 (init) is live from the start and cannot exit.</summary>
    Task = 6,

    /// <summary>A cgroup of any hierarchy (Value: cgroup id). Each hierarchy's root is live from the start and cannot be removed.</summary>
    Cgroup = 7,

    /// <summary>A socket (Value: socket id) and its buffer pages.</summary>
    Socket = 8,

    /// <summary>A protectable-memory pool (Value: pool id). A destroyed pool's objects stay handles; calls on them fail with EINVAL.</summary>
    Pool = 9,

    /// <summary>An object of a pool (Value: object id, Aux: pool id).</summary>
    PoolObject = 10,
}
