using System.Globalization;
using System.Reflection;
using Mono.Cecil;

namespace Verify.Fuzz.Afl;

/// <summary>What the marker of an instrumented assembly says.</summary>
public sealed record MarkerInfo(ProbeMode Mode, int FirstId, int ProbeCount)
{
    public string Format() => string.Create(CultureInfo.InvariantCulture, $"mode={Mode.ToString().ToLowerInvariant()} first-id={FirstId} probes={ProbeCount}");

    public static MarkerInfo Parse(string text)
    {
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : "", StringComparer.Ordinal);
        var mode = fields.GetValueOrDefault("mode") == "blocks" ? ProbeMode.Blocks : ProbeMode.Edges;
        return new MarkerInfo(mode, int.Parse(fields.GetValueOrDefault("first-id", "0"), CultureInfo.InvariantCulture),
            int.Parse(fields.GetValueOrDefault("probes", "0"), CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// The mark of an instrumented assembly: an assembly-level
/// [AssemblyMetadata("Verify.AflInstrumented", "mode=... first-id=... probes=...")]. A standard BCL
/// attribute, so nothing new has to be referenced, and it is readable both by Cecil (to refuse
/// instrumenting twice) and by reflection at run time (to know what the loaded code records).
/// </summary>
public static class InstrumentationMarker
{
    public const string Key = "Verify.AflInstrumented";
    private const string AttributeNamespace = "System.Reflection", AttributeName = "AssemblyMetadataAttribute";

    /// <summary>The marker of a module read by Cecil, or null when it was never instrumented.</summary>
    public static MarkerInfo? Read(ModuleDefinition module)
    {
        foreach (var attribute in module.Assembly.CustomAttributes)
        {
            if (attribute.AttributeType.Namespace != AttributeNamespace || attribute.AttributeType.Name != AttributeName) continue;
            if (attribute.ConstructorArguments.Count == 2 && attribute.ConstructorArguments[0].Value as string == Key)
                return MarkerInfo.Parse(attribute.ConstructorArguments[1].Value as string ?? "");
        }
        return null;
    }

    /// <summary>The marker of a loaded assembly, or null when it runs uninstrumented.</summary>
    public static MarkerInfo? Read(Assembly assembly)
    {
        foreach (var attribute in assembly.GetCustomAttributes<AssemblyMetadataAttribute>())
        {
            if (attribute.Key == Key) return MarkerInfo.Parse(attribute.Value ?? "");
        }
        return null;
    }

    public static void Write(ModuleDefinition module, MarkerInfo info)
    {
        var type = new TypeReference(AttributeNamespace, AttributeName, module, module.TypeSystem.CoreLibrary);
        var constructor = new MethodReference(".ctor", module.TypeSystem.Void, type) { HasThis = true };
        constructor.Parameters.Add(new ParameterDefinition(module.TypeSystem.String));
        constructor.Parameters.Add(new ParameterDefinition(module.TypeSystem.String));
        var attribute = new CustomAttribute(constructor);
        attribute.ConstructorArguments.Add(new CustomAttributeArgument(module.TypeSystem.String, Key));
        attribute.ConstructorArguments.Add(new CustomAttributeArgument(module.TypeSystem.String, info.Format()));
        module.Assembly.CustomAttributes.Add(attribute);
    }
}
