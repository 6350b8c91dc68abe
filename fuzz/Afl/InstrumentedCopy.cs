namespace Verify.Fuzz.Afl;

/// <summary>
/// Makes an instrumented copy of a fuzz build output: every file of the source folder is copied,
/// then Verify.Model.dll and Verify.Impl.dll are replaced by instrumented rewrites of the source
/// ones (Verify.Fuzz.dll, the harness, never is). Running `dotnet &lt;target&gt;/Verify.Fuzz.dll ...`
/// then runs the same harness on instrumented code. Guarantees: nothing is written when either
/// assembly is already instrumented; a target folder is only ever emptied if it is a copy this
/// class made (it holds the stamp file), never any other folder.
/// </summary>
public static class InstrumentedCopy
{
    public const string ModelAssembly = "Verify.Model.dll", ImplAssembly = "Verify.Impl.dll", HarnessAssembly = "Verify.Fuzz.dll";
    public const string StampFile = ".afl-instrumented-copy";

    public sealed record Result(string TargetDirectory, InstrumentedAssembly Model, InstrumentedAssembly Impl);

    public static Result Create(string sourceDirectory, string targetDirectory, ProbeMode mode)
    {
        string source = Path.GetFullPath(sourceDirectory), target = Path.GetFullPath(targetDirectory);
        foreach (string name in new[] { HarnessAssembly, ModelAssembly, ImplAssembly })
        {
            if (!File.Exists(Path.Combine(source, name)))
                throw new InstrumentationException($"{source} is not a fuzz build output: {name} is missing");
        }
        if (string.Equals(source.TrimEnd('/'), target.TrimEnd('/'), StringComparison.Ordinal))
            throw new InstrumentationException($"the output folder {target} is the build output itself; choose another folder");
        if (target.StartsWith(source.TrimEnd('/') + "/", StringComparison.Ordinal))
            throw new InstrumentationException($"the output folder {target} lies inside the build output {source}; choose a folder outside it");
        AssemblyInstrumenter.EnsureNotInstrumented(Path.Combine(source, ModelAssembly));
        AssemblyInstrumenter.EnsureNotInstrumented(Path.Combine(source, ImplAssembly));
        PrepareTarget(target);
        CopyTree(source, target);

        string modelTarget = Path.Combine(target, ModelAssembly), implTarget = Path.Combine(target, ImplAssembly);
        var model = AssemblyInstrumenter.Instrument(Path.Combine(source, ModelAssembly), modelTarget, Path.Combine(source, ModelAssembly), mode);
        int implFirstId = mode == ProbeMode.Blocks ? model.Marker.FirstId + model.Marker.ProbeCount : 0;
        var impl = AssemblyInstrumenter.Instrument(Path.Combine(source, ImplAssembly), implTarget, Path.Combine(source, ModelAssembly), mode, implFirstId);
        File.WriteAllText(Path.Combine(target, StampFile), $"instrumented copy of {source} ({mode})\n");
        return new Result(target, model, impl);
    }

    private static void PrepareTarget(string target)
    {
        if (!Directory.Exists(target) || !Directory.EnumerateFileSystemEntries(target).Any())
        {
            Directory.CreateDirectory(target);
            return;
        }
        if (!File.Exists(Path.Combine(target, StampFile)))
            throw new InstrumentationException($"{target} is not empty and is not an instrumented copy; choose an empty or new folder");
        Directory.Delete(target, recursive: true);
        Directory.CreateDirectory(target);
    }

    private static void CopyTree(string source, string target)
    {
        foreach (string directory in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, directory)));
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(source, file);
            if (relative == StampFile) continue;
            File.Copy(file, Path.Combine(target, relative), overwrite: false);
        }
    }
}
