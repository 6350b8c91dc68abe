using Mono.Cecil;

namespace Verify.Fuzz.Afl;

/// <summary>
/// Keeps the JIT's inlining decisions for small methods after probes make them bigger. The JIT
/// always inlines a method body of at most 16 bytes of IL and weighs larger ones; a probe adds
/// about 20 bytes, so without help every property getter and small helper stops being inlined
/// and the instrumented code runs several times slower than the code it measures. Marking the
/// methods that were small before instrumentation AggressiveInlining restores the inlining, not
/// the coverage: each inlined copy still runs its probes.
/// </summary>
public static class InliningKeeper
{
    /// <summary>Bodies up to this many IL bytes before instrumentation are kept inlinable.</summary>
    public const int SmallBodyBytesMax = 32;

    public static void KeepInlinable(MethodDefinition method)
    {
        if (method.NoInlining || method.AggressiveInlining || method.Body.CodeSize > SmallBodyBytesMax) return;
        if (method.Body.HasExceptionHandlers) return;
        method.AggressiveInlining = true;
    }
}
