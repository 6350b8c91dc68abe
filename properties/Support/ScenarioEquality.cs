using Verify.Model.Alphabet;

namespace Verify.Properties.Support;

public static class ScenarioEquality
{
    /// <summary>Structural equality: the same machine and the same operations in the same order.</summary>
    public static bool Same(Scenario a, Scenario b) => a.Machine == b.Machine && a.Ops.SequenceEqual(b.Ops);
}
