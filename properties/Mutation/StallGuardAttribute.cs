using System.Diagnostics;
using System.Reflection;
using Xunit.Sdk;

[assembly: Verify.Properties.Mutation.StallGuardAttribute]

namespace Verify.Properties.Mutation;

/// <summary>
/// Tells the stall guard, on every test of the assembly, when the test method starts and ends.
/// Guarantees: without a guard (outside the mutation profile or outside Stryker) it does nothing.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class StallGuardAttribute : BeforeAfterTestAttribute
{
    public override void Before(MethodInfo methodUnderTest) =>
        StallGuard.Current?.Enter(NameOf(methodUnderTest), Stopwatch.GetTimestamp());

    public override void After(MethodInfo methodUnderTest) =>
        StallGuard.Current?.Leave(NameOf(methodUnderTest), Stopwatch.GetTimestamp());

    private static string NameOf(MethodInfo method) => $"{method.DeclaringType?.FullName}.{method.Name}";
}
