using System.Globalization;
using System.Reflection;
using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Properties.Support;

namespace Verify.Properties;

/// <summary>
/// What each operation does with its arguments is the corpus's meaning, and model and impl share
/// the alphabet's dispatch, so comparing them cannot see a dispatch that passes the wrong argument,
/// adds where it should subtract or names the wrong kernel call. model/Alphabet/frozen-dispatch.txt
/// freezes, for every code, the kernel calls its dispatch makes on fixed arguments and the handle
/// it makes from a success; a line changes only when an operation is appended (reviewed against the
/// README's operation table when written).
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class AlphabetDispatchTests
{
    private static readonly string FrozenPath = Path.Combine(RepoPaths.Root, "model", "Alphabet", "frozen-dispatch.txt");

    /// <summary>Records each kernel call as Name(arguments) and answers every call with Ok(7).</summary>
    public class RecordingKernel : DispatchProxy
    {
        public List<string> Calls { get; } = [];

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            Calls.Add($"{method!.Name}({string.Join(", ", (args ?? []).Select(a => Convert.ToString(a, CultureInfo.InvariantCulture)))})");
            if (method.ReturnType == typeof(Outcome)) return Outcome.Ok(7);
            return method.ReturnType.IsValueType ? Activator.CreateInstance(method.ReturnType) : null;
        }
    }

    /// <summary>Argument i: an int of 11 x (i + 1); a reference to a handle of value 100 x (i + 1) + 2, aux 100 x (i + 1) + 3 and the flavor given.</summary>
    private static OpArgs Arguments(OpSpec spec, byte flavor)
    {
        var args = new OpArgs();
        for (int i = 0; i < spec.Args.Count; i++)
        {
            if (spec.Args[i].Kind == ArgKind.Int) args.SetInt(i, 11 * (i + 1));
            else args.SetRef(i, new Handle(spec.Args[i].RefKind, 100 * (i + 1) + 2, 100 * (i + 1) + 3, flavor));
        }
        return args;
    }

    private static string Dispatch(OpSpec spec, byte flavor)
    {
        var kernel = DispatchProxy.Create<IKernel, RecordingKernel>();
        var args = Arguments(spec, flavor);
        var outcome = spec.Execute(kernel, args);
        string made = spec.Produces is { } produce ? $" => {produce(args, outcome)}" : "";
        return $"{string.Join("; ", ((RecordingKernel)(object)kernel).Calls)} -> {outcome}{made}";
    }

    /// <summary>One line per code: the calls with every handle of flavor 0, and with flavor 1 when that differs.</summary>
    private static string Line(OpSpec spec)
    {
        string plain = Dispatch(spec, 0), flavored = Dispatch(spec, 1);
        return $"{spec.Code} {spec.Keyword}: {plain}{(flavored == plain ? "" : $" | flavor 1: {flavored}")}";
    }

    [Fact]
    public void EveryCodeKeepsWhatItsDispatchDoes()
    {
        var now = Alphabet.Specs.Select(Line).ToList();
        FrozenFile.AssertAppendOnly(FrozenPath, now,
            (code, was, does) => does is null
                ? $"{FrozenPath}: {now.Count} operations against more frozen lines; code {code} is gone"
                : $"{FrozenPath}: code {code} was\n  {was}\nand now does\n  {does}\nan operation's meaning never changes; append new operations instead",
            unfrozen => $"{FrozenPath}: operations the file does not freeze yet; append these lines (after checking them against the README's operation table):\n{string.Join('\n', unfrozen)}");
    }
}
