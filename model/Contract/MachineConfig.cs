namespace Verify.Model.Contract;

/// <summary>
/// The machine a sequence runs on: its page count (any value in range), CPU count and cgroup
/// layout. Layout defaults to V2, so every trace and input written before layouts existed means
/// what it meant.
/// </summary>
public sealed record MachineConfig(int Pages, int Cpus, CgroupLayout Layout = CgroupLayout.V2)
{
    public static readonly MachineConfig Default = new(4096, 8);

    /// <summary>Returns null when valid, else a one-line reason.</summary>
    public string? Validate()
    {
        if (Pages < KernelConstants.MachinePagesMin || Pages > KernelConstants.MachinePagesMax)
            return $"pages must be in {KernelConstants.MachinePagesMin}..{KernelConstants.MachinePagesMax}, got {Pages}";
        if (Cpus < KernelConstants.CpusMin || Cpus > KernelConstants.CpusMax)
            return $"cpus must be in {KernelConstants.CpusMin}..{KernelConstants.CpusMax}, got {Cpus}";
        if (!Enum.IsDefined(Layout))
            return $"cgroups must be v1 or v2, got {(int)Layout}";
        return null;
    }

    public override string ToString() =>
        Layout == CgroupLayout.V2 ? $"pages={Pages} cpus={Cpus}" : $"pages={Pages} cpus={Cpus} cgroups={Layout.Word()}";
}
