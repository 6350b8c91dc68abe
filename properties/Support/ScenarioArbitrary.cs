using FsCheck;
using FsCheck.Fluent;
using Verify.Fuzz.Engine;
using Verify.Fuzz.Harness;
using Verify.Model.Alphabet;

namespace Verify.Properties.Support;

/// <summary>
/// FsCheck's view of scenarios: generated from the one alphabet (through ScenarioGenerator, with
/// FsCheck's size bounding the length) and shrunk by ScenarioShrinker.
/// </summary>
public static class ScenarioArbitrary
{
    public static Arbitrary<Scenario> Create(int opsMax) =>
        Arb.From(Gen(opsMax), ScenarioShrinker.Candidates);

    public static Gen<Scenario> Gen(int opsMax) =>
        FsCheck.Fluent.Gen.Sized(size =>
            from high in FsCheck.Fluent.Gen.Choose(0, int.MaxValue)
            from low in FsCheck.Fluent.Gen.Choose(0, int.MaxValue)
            select ScenarioGenerator.Generate(((ulong)high << 32) ^ (ulong)low, ScenarioGenerator.OpsMaxForSize(size, opsMax)));
}
