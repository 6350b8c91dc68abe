using Verify.Model.Coverage;
using Verify.Properties.Support;

namespace Verify.Properties.Afl;

/// <summary>The coverage hook's one check: a null map is refused (Map must always point at MapSizeBytes writable bytes).</summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class AflCoverageTests
{
    [Fact]
    public unsafe void AttachRefusesANullMapAndKeepsTheOneItHad()
    {
        byte* before = AflCoverage.Map;
        Assert.Equal("map", Assert.Throws<ArgumentNullException>(() => AflCoverage.Attach(null)).ParamName);
        Assert.True(AflCoverage.Map == before);
    }
}
