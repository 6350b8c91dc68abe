namespace Verify.Impl.Memcg;

/// <summary>The memcg-aware dentry shrink a reclaim round uses when page cache falls short (the dentry cache).</summary>
public interface IDentryShrinker
{
    /// <summary>Frees up to count unpinned dentries charged to the group's subtree, oldest first; returns how many.</summary>
    long ShrinkBelow(long group, long count);

    /// <summary>Frees up to count unpinned dentries of any group, oldest first; returns how many (global reclaim).</summary>
    long ShrinkAny(long count);
}
