using Verify.Fuzz.Harness;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Buddy;

/// <summary>Lock-step equivalence of model and impl, with every invariant checked on both sides.</summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class EquivalenceTests(ITestOutputHelper output)
{
    [Fact]
    public void ModelAndImplAgreeWithFullChecksAfterEveryStep() =>
        PropertyCheck.ForAllDifferential(output, nameof(ModelAndImplAgreeWithFullChecksAfterEveryStep), count: 300, opsMax: 200, () => new Runner(), CheckLevel.Full);

    [Fact]
    public void ModelAndImplAgreeOnLongSequencesWithCheapChecks() =>
        PropertyCheck.ForAllDifferential(output, nameof(ModelAndImplAgreeOnLongSequencesWithCheapChecks), count: 100, opsMax: 1024, () => new Runner(), CheckLevel.Cheap);
}
