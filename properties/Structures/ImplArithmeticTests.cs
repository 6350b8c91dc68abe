using Verify.Impl;
using Verify.Model.Contract;
using Verify.Properties.Support;

namespace Verify.Properties.Structures;

/// <summary>
/// The guarantees WordBits, PageBits and ArrayGrowth state, against plain division and the bounds
/// ArrayGrowth promises: exhaustively over every index up to twice the largest pid_max bitmap, and over the
/// page boundaries of the largest machine and past int.MaxValue bytes.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class ImplArithmeticTests
{
    private const int IndexMax = 1 << 23;

    [Fact]
    public void EveryIndexLivesInWordIndexOver64UnderItsOwnBit()
    {
        for (int i = 0; i <= IndexMax; i += i < 70_000 ? 1 : 61)
        {
            Assert.True(WordBits.Word(i) == i / 64, $"Word({i}) is {WordBits.Word(i)}, not {i / 64}");
            Assert.True(WordBits.Mask(i) == 1UL << (i % 64), $"Mask({i}) is 0x{WordBits.Mask(i):x16}, not bit {i % 64}");
            Assert.True(WordBits.WordsFor(i) == (i + 63) / 64, $"WordsFor({i}) is {WordBits.WordsFor(i)}, not {(i + 63) / 64}");
        }
    }

    [Fact]
    public void PageOfIsTheByteCountOverThePageSizeRoundedDown()
    {
        foreach (long page in new long[] { 0, 1, 2, 4095, 4096, 1L << 20, (long)int.MaxValue, 1L << 40 })
            foreach (long bytes in new[] { page * KernelConstants.PageSizeBytes - 1, page * KernelConstants.PageSizeBytes, page * KernelConstants.PageSizeBytes + KernelConstants.PageSizeBytes - 1 })
            {
                if (bytes < 0) continue;
                Assert.True(PageBits.PageOf(bytes) == bytes / KernelConstants.PageSizeBytes, $"PageOf({bytes}) is {PageBits.PageOf(bytes)}, not {bytes / KernelConstants.PageSizeBytes}");
            }
    }

    [Fact]
    public void AGrownArrayHoldsTheIndexThatAskedAndAtLeastDoubles()
    {
        foreach (int length in new[] { 0, 1, 2, 15, 16, 17, 1000, 1 << 20 })
            foreach (long needed in new long[] { length + 1L, length + 2L, 2L * length, 2L * length + 1, 4L * length + 7 })
            {
                int size = ArrayGrowth.SizeFor(length, needed);
                Assert.True(size >= needed && size >= 2L * length, $"SizeFor({length}, {needed}) is {size}: below {needed} asked or below twice {length}");
            }
    }
}
