using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.PortableExecutable;
using Verify.Properties.Support;

namespace Verify.Properties.Mutation;

/// <summary>
/// The test output matches the profile it runs under: in the mutation profile the assemblies a
/// test host loads are ReadyToRun images and tiered PGO is off (Mutation/ReadyToRun.targets and
/// Properties.csproj; README, "Precompiled test hosts"); under any other profile they are the
/// packages' IL and PGO is the runtime's default. In the mutation category, so that Stryker's
/// initial run fails when a mutation-profile build has lost them; it covers no mutant.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class PrecompiledHostTests
{
    /// <summary>
    /// Assemblies every build copies into the output again (the packages' and this project's), so
    /// that their form follows the last build. Verify.Impl and Verify.Model are left out: Stryker
    /// puts its mutated IL of one of them there.
    /// </summary>
    private static readonly string[] HostAssemblies =
        ["testhost.dll", "Newtonsoft.Json.dll", "xunit.execution.dotnet.dll", "FsCheck.dll", "FSharp.Core.dll", "Verify.Properties.dll"];

    [Fact]
    public void TheHostsAssembliesArePrecompiledExactlyInTheMutationProfile()
    {
        foreach (string name in HostAssemblies)
        {
            bool precompiled = IsReadyToRun(Path.Combine(AppContext.BaseDirectory, name));
            Assert.True(precompiled == Profile.IsMutation,
                $"{name} in {AppContext.BaseDirectory} is {(precompiled ? "a ReadyToRun image" : "IL only")} under " +
                $"VERIFY_PROFILE={(Profile.IsMutation ? "mutation" : "(not mutation)")}: build the tests under the profile they run in");
        }
    }

    [Fact]
    public void TieredPgoIsOffExactlyInTheMutationProfile()
    {
        object? setting = AppContext.GetData("System.Runtime.TieredPGO");
        Assert.Equal(Profile.IsMutation ? "false" : null, setting as string);
    }

    [Fact]
    public void TheImageCheckTellsAPrecompiledAssemblyFromIl()
    {
        Assert.True(IsReadyToRun(typeof(object).Assembly.Location), "the shared framework's System.Private.CoreLib is precompiled");
        var builder = new PersistedAssemblyBuilder(new AssemblyName("VerifyIlOnly"), typeof(object).Assembly);
        builder.DefineDynamicModule("VerifyIlOnly").DefineType("Empty", TypeAttributes.Public).CreateType();
        var written = new MemoryStream();
        builder.Save(written);
        written.Position = 0;
        Assert.False(IsReadyToRun(written), "an assembly written by Reflection.Emit is IL only");
    }

    /// <summary>True when the assembly at <paramref name="path"/> carries precompiled code: its CLI header names a ReadyToRun header.</summary>
    private static bool IsReadyToRun(string path) => IsReadyToRun(File.OpenRead(path));

    private static bool IsReadyToRun(Stream image)
    {
        using var reader = new PEReader(image);
        return reader.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }
}
