using Verify.Fuzz.Harness;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Slab;

/// <summary>Lock-step equivalence of model and impl with every invariant checked at every step, over generated scenarios (a third of them slab-heavy).</summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class SlabEquivalenceTests(ITestOutputHelper output)
{
    [Fact]
    public void ModelAndImplAgreeAndKeepEveryInvariantWithSlabOperations() =>
        PropertyCheck.ForAllDifferential(output, nameof(ModelAndImplAgreeAndKeepEveryInvariantWithSlabOperations), count: 300, opsMax: 200, () => new Runner(), CheckLevel.Full);

    [Fact]
    public void ModelAndImplAgreeOnLongCheapSequences() =>
        PropertyCheck.ForAllDifferential(output, nameof(ModelAndImplAgreeOnLongCheapSequences), count: 200, opsMax: 1000, () => new Runner(), CheckLevel.Cheap);
}
