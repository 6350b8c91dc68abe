using System.Globalization;
using System.Reflection;
using System.Text;
using Verify.Fuzz.Harness;
using Verify.Model.Coverage;

namespace Verify.Fuzz.Afl;

/// <summary>
/// Measures which probes a set of inputs reaches, in a process whose Verify.Model and Verify.Impl
/// were instrumented in blocks mode (`fuzz instrument --blocks`): there every probe owns one map
/// entry, so "entry non-zero after a run" means "probe reached". After each input the map is
/// folded into a reached set and cleared, so 8-bit counters never wrap to zero. The result, per
/// assembly, is probes reached / probes instrumented, plus the methods with unreached probes
/// (from the probe list beside the assembly).
/// </summary>
public static unsafe class CoverageReport
{
    public sealed record AssemblyCoverage(string Name, int Reached, int Probes, IReadOnlyList<(string Method, int Unreached)> UnreachedByMethod)
    {
        public double Fraction => Probes == 0 ? 0 : (double)Reached / Probes;

        public string Summary => string.Create(CultureInfo.InvariantCulture, $"{Name}: {Reached}/{Probes} probes reached ({100 * Fraction:F1}%)");
    }

    /// <summary>The two measured assemblies; throws when the loaded ones are not blocks-instrumented.</summary>
    public static IReadOnlyList<Assembly> MeasuredAssemblies()
    {
        var assemblies = new[] { typeof(AflCoverage).Assembly, typeof(Impl.ImplKernel).Assembly };
        foreach (var assembly in assemblies)
        {
            var marker = InstrumentationMarker.Read(assembly)
                ?? throw new InvalidOperationException($"{assembly.GetName().Name} is not instrumented here; run this from a folder made by 'fuzz instrument --blocks'");
            if (marker.Mode != ProbeMode.Blocks)
                throw new InvalidOperationException($"{assembly.GetName().Name} is instrumented for AFL edges; coverage needs 'fuzz instrument --blocks'");
        }
        return assemblies;
    }

    public static IReadOnlyList<AssemblyCoverage> Measure(FuzzTarget target, IEnumerable<byte[]> inputs)
    {
        var assemblies = MeasuredAssemblies();
        var reached = new bool[AflCoverage.MapSizeBytes];
        // The map is not cleared first: what creating the target ran (constructors run once, not per input) counts too.
        var map = new Span<byte>(AflCoverage.Map, AflCoverage.MapSizeBytes);
        foreach (var input in inputs)
        {
            AflCoverage.BeginRun();
            target.Run(input);
            for (int i = 0; i < map.Length; i++) reached[i] |= map[i] != 0;
            map.Clear();
        }
        return assemblies.Select(assembly => Summarize(assembly, reached)).ToList();
    }

    private static AssemblyCoverage Summarize(Assembly assembly, bool[] reached)
    {
        var marker = InstrumentationMarker.Read(assembly)!;
        int count = 0;
        for (int id = marker.FirstId; id < marker.FirstId + marker.ProbeCount; id++) count += reached[id] ? 1 : 0;
        var unreached = new Dictionary<string, int>(StringComparer.Ordinal);
        string probeList = assembly.Location + AssemblyInstrumenter.ProbeListSuffix;
        if (File.Exists(probeList))
        {
            foreach (string line in File.ReadLines(probeList).Skip(1))
            {
                var fields = line.Split('\t');
                if (fields.Length < 4 || reached[int.Parse(fields[0], CultureInfo.InvariantCulture)]) continue;
                unreached[fields[3]] = unreached.GetValueOrDefault(fields[3]) + 1;
            }
        }
        var byMethod = unreached.OrderByDescending(pair => pair.Value).ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => (pair.Key, pair.Value)).ToList();
        return new AssemblyCoverage(assembly.GetName().Name!, count, marker.ProbeCount, byMethod);
    }

    public static string Format(IReadOnlyList<AssemblyCoverage> coverage, int inputCount, int methodsShown = 15)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"coverage of {inputCount} inputs (block probes: method entries, branch targets, fall-throughs, switch cases, handlers):");
        foreach (var assembly in coverage)
        {
            text.AppendLine($"  {assembly.Summary}");
            foreach (var (method, count) in assembly.UnreachedByMethod.Take(methodsShown))
                text.AppendLine(CultureInfo.InvariantCulture, $"    {count,3} unreached in {method}");
            if (assembly.UnreachedByMethod.Count > methodsShown)
                text.AppendLine(CultureInfo.InvariantCulture, $"    ... and {assembly.UnreachedByMethod.Count - methodsShown} more methods");
        }
        return text.ToString();
    }
}
