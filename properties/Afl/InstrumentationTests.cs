using System.Reflection;
using Verify.Fuzz.Afl;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Afl;

/// <summary>
/// The IL instrumentation of fuzz/Afl: the instrumented build still passes the corpus replay,
/// instrumenting an instrumented build is refused, and an instrumented run writes the coverage map.
/// </summary>
public sealed class InstrumentationTests(InstrumentedBuildFixture build, ITestOutputHelper output) : IClassFixture<InstrumentedBuildFixture>
{
    [Fact]
    public void TheInstrumentedBuildReplaysTheCorpusClean()
    {
        string findings = Path.Combine(build.Root, "findings");
        var (exitCode, text) = AflTestSupport.RunDotnet([build.Harness, "replay", RepoPaths.Corpus, "--findings", findings], TimeSpan.FromMinutes(2));
        output.WriteLine(text);
        Assert.True(exitCode == 0, $"replay of corpus/ on the instrumented build exited {exitCode}:\n{text}");
    }

    [Fact]
    public void BothAssembliesAreMarkedAndTheHarnessIsNot()
    {
        Assert.True(build.Copy.Model.Marker.ProbeCount > 0 && build.Copy.Impl.Marker.ProbeCount > 0);
        Assert.Equal(ProbeMode.Edges, build.Copy.Impl.Marker.Mode);
        using var harness = Mono.Cecil.ModuleDefinition.ReadModule(build.Harness);
        Assert.Null(InstrumentationMarker.Read(harness));
    }

    [Fact]
    public void InstrumentingAnInstrumentedBuildIsRefused()
    {
        string again = Path.Combine(build.Root, "again");
        var refusal = Assert.Throws<InstrumentationException>(() => InstrumentedCopy.Create(build.Copy.TargetDirectory, again, ProbeMode.Edges));
        Assert.Contains("already instrumented", refusal.Message);
        Assert.False(Directory.Exists(again) && Directory.EnumerateFileSystemEntries(again).Any(), "nothing may be written when instrumentation is refused");

        string single = Path.Combine(build.Root, "single.dll");
        Assert.Throws<InstrumentationException>(() => AssemblyInstrumenter.Instrument(
            build.Copy.Impl.Path, single, build.Copy.Model.Path, ProbeMode.Edges));
        Assert.False(File.Exists(single));
    }

    [Fact]
    public void AnInstrumentedRunWritesTheCoverageMap()
    {
        var context = new InstrumentedLoadContext(build.Copy.TargetDirectory);
        try
        {
            var harness = context.LoadFromAssemblyPath(build.Harness);
            var model = context.LoadFromAssemblyName(new AssemblyName("Verify.Model"));
            Assert.NotSame(typeof(Model.Coverage.AflCoverage).Assembly, model);
            Assert.NotNull(InstrumentationMarker.Read(model));

            // Through reflection, because the instrumented types are not the ones this test was compiled against.
            var trace = harness.GetType("Verify.Fuzz.Formats.TraceFormat", throwOnError: true)!;
            object scenario = trace.GetMethod("Parse")!.Invoke(null, ["machine pages=1500 cpus=2\nalloc_pages order=3\nalloc_pages order=0\nfree_pages ref=0\n", "test"])!;
            var runnerType = harness.GetType("Verify.Fuzz.Harness.Runner", throwOnError: true)!;
            object runner = Activator.CreateInstance(runnerType, [null])!;
            var levelType = harness.GetType("Verify.Fuzz.Harness.CheckLevel", throwOnError: true)!;

            int before = NonZeroEntries(model);
            object result = runnerType.GetMethod("Run")!.Invoke(runner, [scenario, Enum.ToObject(levelType, 0)])!;
            Assert.Null(result.GetType().GetProperty("Failure")!.GetValue(result));
            int after = NonZeroEntries(model);
            output.WriteLine($"non-zero map entries: {before} before the run, {after} after");
            Assert.True(after > before, $"the run left {after} non-zero map entries (before it: {before})");
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void EveryInstrumentedMethodCompiles()
    {
        // The JIT rejects malformed IL (unbalanced stacks, branches into nowhere) with InvalidProgramException
        // when it compiles a method; compiling every one covers the methods no run reaches.
        var context = new InstrumentedLoadContext(build.Copy.TargetDirectory);
        try
        {
            var failures = new List<string>();
            int compiled = 0;
            foreach (string name in new[] { "Verify.Model", "Verify.Impl" })
            {
                var assembly = context.LoadFromAssemblyName(new AssemblyName(name));
                foreach (var type in assembly.GetTypes().Where(t => !t.ContainsGenericParameters))
                {
                    const BindingFlags all = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
                    foreach (MethodBase method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
                    {
                        if (method.IsAbstract || method.ContainsGenericParameters || method.GetMethodBody() is null) continue;
                        try
                        {
                            System.Runtime.CompilerServices.RuntimeHelpers.PrepareMethod(method.MethodHandle);
                            compiled++;
                        }
                        catch (InvalidProgramException e)
                        {
                            failures.Add($"{type.FullName}::{method.Name}: {e.Message}");
                        }
                    }
                }
            }
            output.WriteLine($"{compiled} instrumented methods compiled");
            Assert.True(failures.Count == 0, string.Join("\n", failures));
            Assert.True(compiled > 100, $"only {compiled} methods compiled");
        }
        finally
        {
            context.Unload();
        }
    }

    private static unsafe int NonZeroEntries(Assembly model)
    {
        var hook = model.GetType("Verify.Model.Coverage.AflCoverage", throwOnError: true)!;
        byte* map = (byte*)Pointer.Unbox(hook.GetField("Map")!.GetValue(null)!);
        int count = 0;
        for (int i = 0; i < Model.Coverage.AflCoverage.MapSizeBytes; i++) count += map[i] != 0 ? 1 : 0;
        return count;
    }
}
