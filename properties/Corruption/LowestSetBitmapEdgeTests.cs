using Verify.Impl.Buddy;
using Verify.Properties.Support;

namespace Verify.Properties.Corruption;

/// <summary>
/// LowestSetBitmap built alone, worked by hand: members in one word and across two levels, removal
/// of the lowest, emptiness, and the promise that a Reset within the capacity allocates nothing.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class LowestSetBitmapEdgeTests
{
    /// <summary>On a two-level bitmap of 100: empty gives -1; after adding 70 and 3 the lowest is 3; after removing 3 it is 70, then -1.</summary>
    [Fact]
    public void TwoLevelsFindAddRemove()
    {
        var bitmap = new LowestSetBitmap(100);
        Assert.Equal(2, bitmap.LevelCount);
        Assert.Equal(-1, bitmap.FindLowest());
        bitmap.Add(70);
        bitmap.Add(3);
        Assert.True(bitmap.Contains(3));
        Assert.Equal(3, bitmap.FindLowest());
        bitmap.Remove(3);
        Assert.False(bitmap.Contains(3));
        Assert.True(bitmap.Contains(70));
        Assert.Equal(70, bitmap.FindLowest());
        bitmap.Remove(70);
        Assert.Equal(-1, bitmap.FindLowest());
        Assert.Equal([0UL, 0UL], bitmap.LevelWords(0).Take(2));
        Assert.Equal(0UL, bitmap.LevelWords(1)[0]);
    }

    /// <summary>On a one-word bitmap, Remove clears exactly the member's bit: {3, 5} minus 3 is the word 0x20.</summary>
    [Fact]
    public void OneWordRemoveClearsOnlyItsBit()
    {
        var bitmap = new LowestSetBitmap(64);
        bitmap.Add(3);
        bitmap.Add(5);
        Assert.Equal(3, bitmap.FindLowest());
        bitmap.Remove(3);
        Assert.Equal(1UL << 5, bitmap.LevelWords(0)[0]);
        Assert.Equal(5, bitmap.FindLowest());
    }

    /// <summary>Reset to the capacity the bitmap already has allocates nothing (it clears its words in place).</summary>
    [Fact]
    public void ResetToTheSameCapacityAllocatesNothing()
    {
        var bitmap = new LowestSetBitmap(5000);
        bitmap.Add(4999);
        bitmap.Reset(5000);
        bitmap.Add(4999);
        long before = GC.GetAllocatedBytesForCurrentThread();
        bitmap.Reset(5000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(-1, bitmap.FindLowest());
        Assert.Equal(0, bitmap.CountMembers());
    }
}
