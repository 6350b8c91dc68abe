namespace Verify.Model.Contract;

/// <summary>The limit files cgroup_set_limit writes. Permanent numbers (they are an argument of the alphabet).</summary>
public enum MemcgCounter : byte
{
    /// <summary>v2 memory.max; v1 memory.limit_in_bytes.</summary>
    Memory = 0,

    /// <summary>v2 memory.high (no such file on v1).</summary>
    High = 1,

    /// <summary>v1 memory.kmem.limit_in_bytes, enforced as the 4.x-5.15 kernels did (no such file on v2).</summary>
    Kmem = 2,

    /// <summary>v1 memory.kmem.tcp.limit_in_bytes (no such file on v2).</summary>
    Tcp = 3,
}
