using Verify.Model.Alphabet;
using Verify.Model.Contract;

namespace Verify.Fuzz.Engine;

/// <summary>
/// What each operation of the alphabet does with handles, read off its OpSpec once: the kind it
/// makes, the kind it frees, and the kinds its live and stale references name. Generators use it
/// to keep producers beside their consumers and to build reuse bursts for any kind.
/// </summary>
public static class OpRoles
{
    private static readonly HandleKind?[] ProducedKinds = Alphabet.Specs
        .Select(spec => spec.Produces is { } produce ? produce(new OpArgs(), Outcome.Ok(0)).Kind : (HandleKind?)null).ToArray();

    /// <summary>The kind of handle a successful call makes, or null.</summary>
    public static HandleKind? Produces(OpSpec spec) => ProducedKinds[spec.Code];

    /// <summary>The kind of handle a successful call frees, or null.</summary>
    public static HandleKind? Consumes(OpSpec spec) => spec.ConsumesArg >= 0 ? spec.Args[spec.ConsumesArg].RefKind : null;

    /// <summary>The kinds the operation's live references name (a step with one of them empty is a no-op).</summary>
    public static IEnumerable<HandleKind> LiveRefKinds(OpSpec spec) =>
        spec.Args.Where(arg => arg.Kind == ArgKind.Ref).Select(arg => arg.RefKind);

    public static bool HasStaleRef(OpSpec spec, HandleKind kind) =>
        spec.Args.Any(arg => arg.Kind == ArgKind.StaleRef && arg.RefKind == kind);

    /// <summary>True when the operation makes the kind or names it by any reference.</summary>
    public static bool Touches(OpSpec spec, HandleKind kind) =>
        Produces(spec) == kind || spec.Args.Any(arg => arg.IsReference && arg.RefKind == kind);
}
