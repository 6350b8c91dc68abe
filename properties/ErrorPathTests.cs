using System.Text.RegularExpressions;
using Verify.Fuzz.Engine;
using Verify.Fuzz.Formats;
using Verify.Fuzz.Harness;
using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Verify.Properties;

/// <summary>
/// The error-path catalogue (fuzz/Harness/ErrorPaths.cs) holds: every row's scenario ends in its
/// errno on model and impl alike with every check passing, the rows name exactly the errno returns
/// written in model/ (a new return without a row fails here), and the README and the error-path
/// seed keep up with it.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class ErrorPathTests(ITestOutputHelper output)
{
    private const string ReachedInvariant = "error-path.reached (the last step returns the row's errno)";

    public static TheoryData<string> Ids() => new(ErrorPaths.All.Select(row => row.Id));

    [Theory]
    [MemberData(nameof(Ids))]
    public void TheRowsScenarioEndsInItsErrnoOnModelAndImpl(string id)
    {
        var row = ErrorPaths.All.Single(r => r.Id == id);
        var scenario = row.Scenario;
        string origin = $"error path {row.Id}: {row.Function} {row.Errno} when {row.Condition} ({row.File})";
        var runner = new Runner();
        Outcome? last = null;
        runner.AfterStep = (step, _, outcome) => last = step == scenario.Ops.Count - 1 ? outcome : null;
        PropertyCheck.AssertPasses(output, runner, scenario, CheckLevel.Full, origin);

        string keyword = scenario.Ops[^1].Spec.Keyword;
        bool formNamesLastOp = Regex.IsMatch(row.Form, $@"\b{Regex.Escape(keyword)}\b");
        if (last is { } outcome && outcome.Errno == row.Errno && formNamesLastOp) return;
        string got = last is { } o ? o.ToString() : "no outcome (the last step resolved no reference: a no-op)";
        string report = $"FAILED: {ReachedInvariant}\n  origin: {origin}\n  expected {row.Errno} from '{keyword}', got {got}"
            + (formNamesLastOp ? "" : $"; the form '{row.Form}' does not name '{keyword}'")
            + $"\n  trace:\n{Indent(TraceFormat.Print(scenario))}";
        output.WriteLine(report);
        throw new XunitException(report);
    }

    [Fact]
    public void TheCatalogueNamesEveryErrnoReturnInTheModel()
    {
        var inSource = ErrnoSites.InFolder(RepoPaths.Root, "model").ToHashSet();
        var inCatalogue = ErrorPaths.All
            .Select(r => new ErrnoSites.Site(r.File, r.Function, r.Propagated ? ErrnoSites.PropagatedKind : r.Errno.ToString(), r.Site))
            .ToHashSet();
        output.WriteLine($"{inSource.Count} errno returns in model/, {ErrorPaths.All.Count} catalogue rows");
        var missing = inSource.Except(inCatalogue).Select(s => s.ToString()).Order(StringComparer.Ordinal).ToList();
        var unknown = inCatalogue.Except(inSource).Select(s => s.ToString()).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0 && unknown.Count == 0,
            $"errno returns in model/ without a row in fuzz/Harness/ErrorPaths.cs: [{string.Join("; ", missing)}]; "
            + $"rows naming no return in model/: [{string.Join("; ", unknown)}]");
    }

    [Fact]
    public void TheScannerFindsReturnsAndPropagationsPerMember()
    {
        const string source = """
            public sealed class X
            {
                public Outcome A(int n)
                {
                    if (n < 0) return Outcome.Fail(Errno.EINVAL);
                    var r = Inner(n);
                    if (!r.IsOk) return r;
                    if (n > 9) return Outcome.Fail(Errno.EINVAL);
                    return Outcome.Ok(0);
                }

                private Outcome B(int n) =>
                    n == 0 ? Outcome.Fail(Errno.EBUSY) : Outcome.Ok(n);

                private Outcome C()
                {
                    var page = Inner(1);
                    if (!page.IsOk)
                    {
                        Undo();
                        return page;
                    }
                    if (!page.IsOk) throw new InvalidOperationException();
                    return page;
                }
            }
            """;
        var sites = ErrnoSites.InFile("x.cs", source).Select(s => s.ToString()).ToList();
        Assert.Equal(["x.cs A EINVAL#1", "x.cs A propagated#1", "x.cs A EINVAL#2", "x.cs B EBUSY#1", "x.cs C propagated#1"], sites);
    }

    [Fact]
    public void EveryRowIsInTheReadmeErrorPathTable()
    {
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var missing = ErrorPaths.All.Where(r => !readme.Contains($"| {r.Id} |", StringComparison.Ordinal)).Select(r => r.Id).ToList();
        Assert.True(missing.Count == 0, $"README.md's error-path table lacks: {string.Join(", ", missing)}");
    }

    /// <summary>The seeds that reach the error paths of the appended operations: memory ones, then containers and memory cgroups on each layout.</summary>
    private static readonly string[] ErrorPathSeeds = ["error-paths.trace", "cgroups-v2.trace", "cgroups-v1.trace", "memcg-v2.trace", "memcg-v1.trace", "sockets-v2.trace", "sockets-v1.trace", "kmem-v2.trace", "kmem-v1.trace", "kmem-pages.trace", "kmem-tasks.trace", "fork-without-memory.trace", "kmem-bulk.trace", "oom-score-adj.trace", "oom-group.trace", "forkbomb.trace", "page-tables.trace", "pools.trace", "large-object-caches.trace"];

    /// <summary>
    /// The error-path seeds (corpus/seeds/error-paths.trace and the cgroups and memcg seeds) reach every
    /// errno of every row reached through an operation appended for error paths (from
    /// free_pages_order on), name each such row in a comment, and let each of those operations
    /// succeed where it can.
    /// </summary>
    [Fact]
    [Trait(Profile.MutationOfTrait, Profile.ModelOnly)]
    public void TheErrorPathSeedReachesEveryRowOfTheAppendedOperations()
    {
        var reached = new SortedSet<string>(StringComparer.Ordinal);
        string text = "";
        foreach (string name in ErrorPathSeeds)
        {
            string seedPath = Path.Combine(RepoPaths.Corpus, "seeds", name);
            string seedText = File.ReadAllText(seedPath);
            text += seedText;
            var runner = new Runner();
            runner.AfterStep = (_, op, outcome) => reached.Add($"{op.Spec.Keyword} {(outcome.IsOk ? "ok" : outcome.Errno.ToString())}");
            PropertyCheck.AssertPasses(output, runner, TraceFormat.Parse(seedText, seedPath), CheckLevel.Full, seedPath);
        }
        string path = string.Join(" + ", ErrorPathSeeds);

        int firstAppended = Alphabet.ByKeyword("free_pages_order")!.Code;
        var rows = ErrorPaths.All.Where(r => r.Scenario.Ops[^1].Code >= firstAppended).ToList();
        Assert.NotEmpty(rows);
        var wanted = rows.Select(r => $"{r.Scenario.Ops[^1].Spec.Keyword} {r.Errno}")
            .Concat(["free_pages_order ok", "free_pages_exact_size ok", "cache_create_raw ok"]).ToHashSet();
        var missing = wanted.Where(w => !reached.Contains(w)).Order(StringComparer.Ordinal).ToList();
        var unnamed = rows.Where(r => !text.Contains(r.Id, StringComparison.Ordinal)).Select(r => r.Id).ToList();
        var unused = Alphabet.Specs.Where(s => s.Code >= firstAppended && !reached.Any(r => r.StartsWith(s.Keyword + " ", StringComparison.Ordinal)))
            .Select(s => s.Keyword).ToList();
        Assert.True(missing.Count == 0 && unnamed.Count == 0 && unused.Count == 0,
            $"{path}: never reaches [{string.Join(", ", missing)}]; names no row [{string.Join(", ", unnamed)}]; never runs [{string.Join(", ", unused)}]");
    }

    /// <summary>The generator reaches the errno of every row reached through an appended operation: the engines reach them too.</summary>
    [Fact]
    [Trait(Profile.MutationOfTrait, Profile.ModelOnly)]
    public void GeneratedSequencesReachEveryRowOfTheAppendedOperations()
    {
        ulong seed = Profile.SeedFor(nameof(GeneratedSequencesReachEveryRowOfTheAppendedOperations));
        var random = new SplitMix64(seed);
        var runner = new Runner();
        var reached = new SortedSet<string>(StringComparer.Ordinal);
        runner.AfterStep = (_, op, outcome) => reached.Add($"{op.Spec.Keyword} {(outcome.IsOk ? "ok" : outcome.Errno.ToString())}");
        for (int i = 0, count = Profile.Scale(200); i < count; i++)
        {
            var scenario = ScenarioGenerator.Generate(random.Next(), 200);
            PropertyCheck.AssertPasses(output, runner, scenario, CheckLevel.Cheap, $"generated scenario {i} of seed {seed}");
        }
        int firstAppended = Alphabet.ByKeyword("free_pages_order")!.Code;
        var wanted = ErrorPaths.All.Where(r => r.Scenario.Ops[^1].Code >= firstAppended)
            .Select(r => $"{r.Scenario.Ops[^1].Spec.Keyword} {r.Errno}").Concat(["free_pages_order ok", "cache_create_raw ok"]).ToHashSet();
        output.WriteLine($"seed {seed}: reached {string.Join(", ", reached.Where(r => wanted.Contains(r)))}");
        var missing = wanted.Where(w => !reached.Contains(w)).Order(StringComparer.Ordinal).ToList();
        Profile.AssertReached(missing.Count == 0, $"the generator never reached: {string.Join(", ", missing)} (seed {seed})");
    }

    private static string Indent(string text) =>
        string.Join("\n", text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => "    " + line));
}
