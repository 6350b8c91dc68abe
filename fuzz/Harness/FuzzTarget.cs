using Verify.Fuzz.Formats;
using Verify.Fuzz.Planted;

namespace Verify.Fuzz.Harness;

/// <summary>Thrown by the SharpFuzz-shaped entry point when an input breaks equivalence or an invariant.</summary>
public sealed class FindingException(Failure failure) : Exception($"{failure.Invariant} at step {failure.Step}: {failure.Message}")
{
    public Failure Failure { get; } = failure;
}

/// <summary>
/// The fuzz target: input bytes in, verdict out. It keeps SharpFuzz's shape (an Action over the
/// input bytes that throws on a finding), so SharpFuzz's Fuzzer.Run/LibFuzzer.Run can drive
/// <see cref="Execute"/> directly. One instance is reused across inputs: each run resets the kernels.
/// </summary>
public sealed class FuzzTarget(string? planted = null)
{
    private readonly Runner _runner = new(PlantedBugs.ImplFactory(planted));

    public Runner Runner => _runner;

    /// <summary>Runs one input; never throws for a finding, returns it.</summary>
    public RunResult Run(ReadOnlySpan<byte> input) => _runner.Run(ByteCodec.Decode(input));

    /// <summary>SharpFuzz's shape: throws FindingException when the input is a finding.</summary>
    public void Execute(ReadOnlySpan<byte> input)
    {
        var result = Run(input);
        if (result.Failure is { } failure) throw new FindingException(failure);
    }
}
