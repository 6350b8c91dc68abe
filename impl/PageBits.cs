using System.Runtime.CompilerServices;
using Verify.Model.Contract;

namespace Verify.Impl;

/// <summary>
/// Bytes to pages for ImplKernel, SlabAllocator, ByteStocks and MemoryCgroups (Kfree shifts its
/// unchecked address itself). Guarantees, for a non-negative byte count or address b (callers pass only a
/// checked address or a count that cannot go below 0): PageOf(b) is b / PAGE_SIZE rounded down,
/// which is both the pfn of the page address b falls in and the whole pages in b bytes.
/// </summary>
internal static class PageBits
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long PageOf(long bytes) => bytes >> KernelConstants.PageShift;
}
