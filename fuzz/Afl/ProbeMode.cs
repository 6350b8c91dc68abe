namespace Verify.Fuzz.Afl;

/// <summary>What an inserted probe records.</summary>
public enum ProbeMode
{
    /// <summary>
    /// AFL's edge coverage: `Map[id ^ Previous]++; Previous = id >> 1`, ids hashed from the
    /// assembly's MVID, the method token and the IL offset. What afl-fuzz runs on.
    /// </summary>
    Edges,

    /// <summary>
    /// Block coverage for measuring: `Map[id]++` with ids numbered consecutively across the
    /// instrumented assemblies, so a non-zero map entry names exactly one probe.
    /// </summary>
    Blocks,
}
