using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Properties.Support;

namespace Verify.Properties;

/// <summary>
/// The alphabet is append-only: codes are positions, and every corpus input, AFL++ queue and v2
/// header names operations by code. model/Alphabet/frozen-codes.txt freezes each code's keyword and
/// arguments (name, kind, range, referenced kind); the alphabet must list exactly those lines
/// first. Appending an operation means appending its line to the file (the failure prints it);
/// changing or reordering a line is never right. Both tests are cheap and in the mutation profile:
/// an argument's range or name is the alphabet's contract with the corpus.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class AlphabetTests
{
    private static string Line(OpSpec spec) =>
        $"{spec.Code} {spec.Keyword}" + string.Concat(spec.Args.Select(a => a.Kind == ArgKind.Int
            ? $" {a.Name}:int:{a.Min}..{a.Max}"
            : $" {a.Name}:{(a.Kind == ArgKind.Ref ? "ref" : "stale")}:{a.RefKind}"));

    [Fact]
    public void EveryCodeKeepsItsKeywordAndArgumentsAndNewOperationsComeLast()
    {
        string path = Path.Combine(RepoPaths.Root, "model", "Alphabet", "frozen-codes.txt");
        FrozenFile.AssertAppendOnly(path, Alphabet.Specs.Select(Line).ToList(),
            (code, was, now) => now is null
                ? $"{path}: code {code} ('{was}') is gone from the alphabet; codes are never removed"
                : $"{path}: code {code} was '{was}' and is now '{now}'; append new operations, never change or reorder one",
            unfrozen => $"{path}: the alphabet has operations the file does not freeze yet; append these lines:\n{string.Join('\n', unfrozen)}");
    }

    /// <summary>Every sequence starts with init and one root per hierarchy (cgroup ids 1 and 2 on v1, 1 on v2): the handles its first operations name.</summary>
    [Fact]
    public void ASequenceStartsWithInitAndEachHierarchysRoot()
    {
        var init = new Handle(HandleKind.Task, KernelConstants.InitPid, 0, 0);
        Assert.Equal([init, new Handle(HandleKind.Cgroup, 1, 0, 0), new Handle(HandleKind.Cgroup, 2, 0, 0)],
            Alphabet.InitialHandles(new MachineConfig(64, 1, CgroupLayout.V1)).Take(10).ToList());
        Assert.Equal([init, new Handle(HandleKind.Cgroup, 1, 0, 0)],
            Alphabet.InitialHandles(new MachineConfig(64, 1, CgroupLayout.V2)).Take(10).ToList());
    }

    /// <summary>The subsystem sets the swarm and the generator's moods read (Alphabet.IsCgroupOp and the like) name operations of the alphabet (a keyword lost to a typo would quietly leave its operation out of a mood).</summary>
    [Fact]
    public void TheSubsystemSetsNameOperationsOfTheAlphabet()
    {
        var sets = typeof(Alphabet).GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)
            .Where(field => field.Name.EndsWith("Keywords", StringComparison.Ordinal) && field.FieldType == typeof(HashSet<string>))
            .ToDictionary(field => field.Name, field => (HashSet<string>)field.GetValue(null)!);
        Assert.Equal(["CgroupKeywords", "LargeSlabKeywords", "MemcgKeywords", "PoolKeywords", "SlabKeywords"], sets.Keys.Order(StringComparer.Ordinal));
        var keywords = Alphabet.Specs.Select(spec => spec.Keyword).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, set) in sets)
            Assert.True(set.IsSubsetOf(keywords), $"{name} names what the alphabet has not: {string.Join(", ", set.Except(keywords))}");
    }
}
