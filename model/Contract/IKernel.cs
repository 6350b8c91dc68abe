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

    /// <summary>
    /// Checks the internal invariants of every clever structure against its own redundant state
    /// (the S* family, StructureInvariant) and adds what is broken to report. O(state). The model
    /// keeps no redundant structure, so its check finds nothing by construction.
    /// </summary>
    void CheckConsistency(SelfCheckReport report);
}
