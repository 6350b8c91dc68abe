using Verify.Fuzz.Engine;
using Verify.Fuzz.Formats;

namespace Verify.Fuzz.Afl;

/// <summary>
/// The inputs the gate's FsCheck properties draw, as byte inputs for the coverage measurement, so
/// AFL's coverage can be set against what the property generator reaches in the same time.
/// properties/Support/ScenarioArbitrary draws each scenario as ScenarioGenerator.Generate(seed,
/// size * OpsMax / 100) with FsCheck's size running 1..100 over a run; here scenario i gets size
/// i mod 100 + 1 and seed i of a SplitMix64 stream from the given seed, with the equivalence
/// properties' OpsMax, encoded with its swarm choice (enabled operations, mood) in the v2 header.
/// Deterministic: the same seed and count give the same inputs.
/// </summary>
public static class GeneratorInputs
{
    public const int OpsMax = 200;

    /// <summary>Scenario inputs while keepGoing() says so (checked before each); counts them in drawn.</summary>
    public static IEnumerable<byte[]> Draw(ulong seed, Func<bool> keepGoing, Action<int> drawn)
    {
        var seeds = new SplitMix64(seed);
        for (int i = 0; keepGoing(); i++)
        {
            int size = i % ScenarioGenerator.SizeMax + 1;
            var generated = ScenarioGenerator.Draw(seeds.Next(), ScenarioGenerator.OpsMaxForSize(size, OpsMax));
            drawn(i + 1);
            yield return ByteCodec.Encode(generated.Scenario, generated.Swarm);
        }
    }
}
