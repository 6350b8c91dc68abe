using System.Runtime.InteropServices;

namespace Verify.Model.Coverage;

/// <summary>
/// The fuzz bridge's hook: the coverage state that IL instrumentation (fuzz/Afl, `fuzz instrument`)
/// writes into. Nothing in the model or the impl refers to it; only the probes that the
/// instrumenter inserts into the compiled Verify.Model.dll and Verify.Impl.dll do, so in an
/// uninstrumented build it costs nothing (its static initializer never runs). The instrumenter
/// never instruments this class itself. It lives in the model because both instrumented
/// assemblies reference the model.
///
/// Guarantees:
/// - Map always points to MapSizeBytes writable bytes: a private zeroed buffer until the fork
///   server attaches AFL's shared-memory map with Attach; so instrumented code can run anywhere
///   (replay, tests) without AFL.
/// - A probe with id in [0, MapSizeBytes) does `Map[id ^ Previous]++; Previous = id >> 1;` (edge
///   mode, AFL's classic scheme) or `Map[id]++` (block mode, for measuring), so every index it
///   touches is below MapSizeBytes as long as Previous is below MapSizeBytes.
/// - Not thread-safe by design: the model and the impl run on one thread.
/// </summary>
public static unsafe class AflCoverage
{
    /// <summary>AFL's default map size (MAP_SIZE = 2^16); probe ids are below it.</summary>
    public const int MapSizeBytes = 1 << 16;

    /// <summary>The coverage map the probes increment.</summary>
    public static byte* Map = (byte*)NativeMemory.AllocZeroed(MapSizeBytes);

    /// <summary>The previous probe's id shifted right by one (AFL's __afl_prev_loc); 0 at the start of a run.</summary>
    public static int Previous;

    /// <summary>Makes the probes write into map, which must hold MapSizeBytes bytes for the rest of the process.</summary>
    public static void Attach(byte* map)
    {
        if (map == null) throw new ArgumentNullException(nameof(map));
        Map = map;
        Previous = 0;
    }

    /// <summary>Starts a new run: the first probe of the run records an edge from location 0.</summary>
    public static void BeginRun() => Previous = 0;
}
