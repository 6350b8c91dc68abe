using Verify.Fuzz.Harness;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Buddy;

/// <summary>Lock-step equivalence of model and impl, with every invariant checked on both sides.</summary>
public sealed class EquivalenceTests(ITestOutputHelper output)
{
    [Fact]
    public void ModelAndImplAgreeWithFullChecksAfterEveryStep() =>
        PropertyCheck.ForAll(output, nameof(ModelAndImplAgreeWithFullChecksAfterEveryStep), count: 300, opsMax: 200,
            PropertyCheck.Differential(() => new Runner(), CheckLevel.Full));

    [Fact]
    public void ModelAndImplAgreeOnLongSequencesWithCheapChecks() =>
        PropertyCheck.ForAll(output, nameof(ModelAndImplAgreeOnLongSequencesWithCheapChecks), count: 100, opsMax: 1024,
            PropertyCheck.Differential(() => new Runner(), CheckLevel.Cheap));
}
