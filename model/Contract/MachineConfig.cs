namespace Verify.Model.Contract;

/// <summary>The machine a sequence runs on: its page count (any value in range) and CPU count.</summary>
public sealed record MachineConfig(int Pages, int Cpus)
{
    public static readonly MachineConfig Default = new(4096, 8);

    /// <summary>Returns null when valid, else a one-line reason.</summary>
    public string? Validate()
    {
        if (Pages < KernelConstants.MachinePagesMin || Pages > KernelConstants.MachinePagesMax)
            return $"pages must be in {KernelConstants.MachinePagesMin}..{KernelConstants.MachinePagesMax}, got {Pages}";
        if (Cpus < KernelConstants.CpusMin || Cpus > KernelConstants.CpusMax)
            return $"cpus must be in {KernelConstants.CpusMin}..{KernelConstants.CpusMax}, got {Cpus}";
        return null;
    }
}
