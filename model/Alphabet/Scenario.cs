using Verify.Model.Contract;

namespace Verify.Model.Alphabet;

/// <summary>A machine and a sequence of operations: the unit every engine generates and runs.</summary>
public sealed record Scenario(MachineConfig Machine, IReadOnlyList<Op> Ops)
{
    /// <summary>No engine runs more operations than this from one input: no input runs away.</summary>
    public const int OpsMax = 1024;

    public override string ToString() =>
        $"machine pages={Machine.Pages} cpus={Machine.Cpus}; " + string.Join("; ", Ops);
}
