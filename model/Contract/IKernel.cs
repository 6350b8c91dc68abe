namespace Verify.Model.Contract;

/// <summary>
/// The kernel API that both the reference model and the optimized implementation provide.
/// Every call returns an Outcome; expected failures are errnos, never exceptions. The interface
/// is split into one partial file per subsystem.
/// </summary>
public partial interface IKernel
{
    /// <summary>Starts over on a fresh machine. May reuse storage from earlier runs.</summary>
    void Reset(MachineConfig machine);

    MachineConfig Machine { get; }

    /// <summary>A commutative digest of the observable state (see StateDigest); O(1).</summary>
    ulong Digest { get; }

    /// <summary>Everything observable, sorted; O(state).</summary>
    Snapshot TakeSnapshot();
}
