using Verify.Fuzz.Formats;

namespace Verify.Properties;

/// <summary>
/// Byte inputs written before the v2 header decode exactly as they did: each byte string below
/// (first byte below 128: the legacy 5-byte header) with the trace text the decoder of commit
/// 1b05421 printed for it (fuzz show). Codes above the alphabet wrap modulo its size then (24).
/// </summary>
public sealed class LegacyInputTests
{
    [Theory]
    [InlineData("", "machine pages=1 cpus=1")]
    [InlineData("14db050007", "machine pages=1500 cpus=8")]
    [InlineData("7fffffffff16012bc8150580401000", "machine pages=2 cpus=64; dentry_unpin dentry=1; vfree_stale area=200; dentry_pin dentry=5; cache_alloc cache=64")]
    [InlineData("0bdb0500010003030102ff0030002a400010002013601f05", "machine pages=1500 cpus=2; alloc_pages order=3; alloc_pages_exact bytes=4116990; alloc_pages order=9; alloc_pages order=3; kfree_inside obj=0 offset=3; alloc_pages order=6; vfree_stale area=96")]
    [InlineData("79ba63a8059ea7f2368dd46a", "machine pages=25531 cpus=6; kfree obj=167; free_pages_stale ref=54; dentry_pin dentry=212")]
    [InlineData("4b54d09bba950068db0f10d658b8c267b54ad4fc398347d9a5e14bd2b31be8ed804e43e323", "machine pages=85 cpus=59; cache_destroy cache=0; cache_alloc cache=219; kfree_stale obj=16; dentry_unpin dentry=88; kfree_inside obj=194 offset=6; kmalloc bytes=3974215 flags=1; cache_free_inside obj=71 offset=1; dentry_pin dentry=225; alloc_pages_exact bytes=1815506; kfree_inside obj=237 offset=3; cache_set_account cache=67 on=1")]
    [InlineData("78f602431f38aa024a06113cd1380a", "machine pages=759 cpus=32; cache_alloc cache=170; free_pages_stale ref=74; cache_set_account cache=17 on=0")]
    [InlineData("5a7fd0729b8d480ca1cf22cc193f960c410089dd2e", "machine pages=64 cpus=28; dentry_pin dentry=72; cache_free_wrong obj=161 cache=207; cache_free_stale obj=204; free_pages ref=63; cache_set_account cache=12 on=1; alloc_pages order=7; cache_destroy cache=46")]
    [InlineData("708eed1c7340cc44", "machine pages=15 cpus=52; kfree_inside obj=204 offset=6")]
    public void ALegacyInputDecodesAsItAlwaysDid(string hex, string expected)
    {
        var scenario = ByteCodec.Decode(Convert.FromHexString(hex));
        var lines = TraceFormat.Print(scenario).TrimEnd('\n').Split('\n');
        Assert.Equal(expected, string.Join("; ", lines));
    }
}
