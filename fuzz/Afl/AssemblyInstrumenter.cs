using System.Globalization;
using System.Text;
using Mono.Cecil;
using Verify.Model.Coverage;

namespace Verify.Fuzz.Afl;

/// <summary>Refusal to instrument: the input is already instrumented, or is not what was expected.</summary>
public sealed class InstrumentationException(string message) : Exception(message);

/// <summary>The outcome of instrumenting one assembly.</summary>
public sealed record InstrumentedAssembly(string Path, MarkerInfo Marker, int MethodCount, string ProbeListPath);

/// <summary>
/// Rewrites one compiled assembly (file to file, never in place) so that every method body except
/// the coverage hook's own records coverage into AflCoverage (see ProbeEmitter), marks it as
/// instrumented, and writes beside it a tab-separated list of its probes (id, kind, IL offset,
/// method) named "&lt;assembly&gt;.afl-probes.tsv". Guarantees: an assembly that carries the marker
/// is refused with an InstrumentationException and nothing is written; debug symbols are carried
/// over when a .pdb sits beside the input.
/// </summary>
public static class AssemblyInstrumenter
{
    public const string ProbeListSuffix = ".afl-probes.tsv";
    private static readonly string HookTypeName = typeof(AflCoverage).FullName!;

    /// <param name="sourcePath">The assembly to instrument.</param>
    /// <param name="targetPath">Where the instrumented assembly goes (its .pdb and probe list beside it).</param>
    /// <param name="hookAssemblyPath">The assembly that defines AflCoverage (Verify.Model.dll; may be sourcePath).</param>
    /// <param name="mode">Edges for AFL, Blocks for measuring.</param>
    /// <param name="firstBlockId">Blocks mode only: the id of this assembly's first probe.</param>
    public static InstrumentedAssembly Instrument(string sourcePath, string targetPath, string hookAssemblyPath, ProbeMode mode, int firstBlockId = 0)
    {
        string sourcePdb = Path.ChangeExtension(sourcePath, ".pdb");
        bool symbols = File.Exists(sourcePdb);
        var reader = new ReaderParameters { ReadingMode = ReadingMode.Immediate, InMemory = true, ReadSymbols = symbols };
        EnsureNotInstrumented(sourcePath);
        using var module = ModuleDefinition.ReadModule(sourcePath, reader);

        var fields = HookFields(module, hookAssemblyPath);
        var probes = new StringBuilder("id\tkind\til_offset\tmethod\n");
        int nextBlockId = firstBlockId, probeCount = 0, methodCount = 0;
        foreach (var type in module.GetTypes())
        {
            if (IsHook(type)) continue;
            foreach (var method in type.Methods)
            {
                if (!method.HasBody || method.Body.Instructions.Count == 0) continue;
                uint token = method.MetadataToken.ToUInt32();
                probeCount += ProbeEmitter.Instrument(method.Body, fields, mode, site =>
                {
                    int id = mode == ProbeMode.Edges ? ProbeIds.ForSite(module.Mvid, token, site.OriginalOffset) : nextBlockId++;
                    if (id >= AflCoverage.MapSizeBytes)
                        throw new InstrumentationException($"{sourcePath}: more probes than the {AflCoverage.MapSizeBytes}-entry map holds in blocks mode");
                    probes.Append(CultureInfo.InvariantCulture, $"{id}\t{site.Kind}\tIL_{site.OriginalOffset:x4}\t{method.FullName}\n");
                    return id;
                });
                methodCount++;
            }
        }

        var marker = new MarkerInfo(mode, mode == ProbeMode.Blocks ? firstBlockId : 0, probeCount);
        InstrumentationMarker.Write(module, marker);
        module.Write(targetPath, new WriterParameters { WriteSymbols = symbols });
        string probeListPath = targetPath + ProbeListSuffix;
        File.WriteAllText(probeListPath, probes.ToString());
        return new InstrumentedAssembly(targetPath, marker, methodCount, probeListPath);
    }

    /// <summary>Throws the refusal when the assembly at path already carries the marker.</summary>
    public static void EnsureNotInstrumented(string path)
    {
        using var module = ModuleDefinition.ReadModule(path, new ReaderParameters { ReadingMode = ReadingMode.Immediate, InMemory = true });
        if (InstrumentationMarker.Read(module) is { } existing)
        {
            throw new InstrumentationException(
                $"{path} is already instrumented ({InstrumentationMarker.Key}: {existing.Format()}); instrument a fresh build output instead");
        }
    }

    private static bool IsHook(TypeDefinition type)
    {
        for (var current = type; current is not null; current = current.DeclaringType)
        {
            if (current.FullName == HookTypeName) return true;
        }
        return false;
    }

    /// <summary>AflCoverage.Map and .Previous as the module must refer to them: its own fields, or imported from the hook assembly.</summary>
    private static CoverageFields HookFields(ModuleDefinition module, string hookAssemblyPath)
    {
        var local = module.GetType(HookTypeName);
        if (local is not null) return new CoverageFields(Field(local, nameof(AflCoverage.Map)), Field(local, nameof(AflCoverage.Previous)));
        using var hookModule = ModuleDefinition.ReadModule(hookAssemblyPath, new ReaderParameters { ReadingMode = ReadingMode.Immediate, InMemory = true });
        var hook = hookModule.GetType(HookTypeName)
            ?? throw new InstrumentationException($"{hookAssemblyPath} has no {HookTypeName}: it is not the Verify.Model this bridge was built with");
        if (!module.AssemblyReferences.Any(r => r.Name == hookModule.Assembly.Name.Name))
            throw new InstrumentationException($"{module.FileName} does not reference {hookModule.Assembly.Name.Name}, which holds the coverage hook");
        return new CoverageFields(
            module.ImportReference(Field(hook, nameof(AflCoverage.Map))),
            module.ImportReference(Field(hook, nameof(AflCoverage.Previous))));
    }

    private static FieldDefinition Field(TypeDefinition type, string name) =>
        type.Fields.FirstOrDefault(f => f.Name == name && f.IsStatic)
        ?? throw new InstrumentationException($"{type.FullName} has no static field {name}");
}
