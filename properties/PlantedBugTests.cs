using Verify.Fuzz.Harness;
using Verify.Fuzz.Planted;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties;

/// <summary>
/// The suite's proof of its own power: every planted bug (a test-only wrapper around the impl that
/// breaks one behaviour) must be found by the default gate's generator and shrunk to at most
/// ShrunkOpsMax operations.
/// </summary>
public sealed class PlantedBugTests(ITestOutputHelper output)
{
    public const int ShrunkOpsMax = 8;

    public static TheoryData<string> Names() => new(PlantedBugs.All.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void TheGateFindsAndShrinksThePlantedBug(string planted)
    {
        var (search, confirm) = PropertyCheck.Differential(() => new Runner(PlantedBugs.ImplFactory(planted)), CheckLevel.Full);
        var found = PropertyCheck.FindFailure(output, $"planted-{planted}", count: 300, opsMax: 200, search, confirm);
        Assert.True(found is not null, $"the gate did not detect planted bug '{planted}': {PlantedBugs.All[planted].Description}");
        output.WriteLine(found.Report);
        Assert.True(found.Shrunk.Ops.Count <= ShrunkOpsMax,
            $"planted bug '{planted}' was shrunk only to {found.Shrunk.Ops.Count} operations (at most {ShrunkOpsMax} expected):\n{found.Report}");
        PropertyCheck.AssertPasses(output, new Runner(), found.Shrunk, CheckLevel.Full, $"the shrunk trace of planted bug '{planted}' on the real impl");
    }
}
