using System.CommandLine;
using Verify.Fuzz.Afl;
using Verify.Fuzz.Formats;
using Verify.Fuzz.Harness;
using Verify.Model.Coverage;

namespace Verify.Fuzz.Cli;

/// <summary>
/// fuzz afl-target: the program afl-fuzz runs (`afl-fuzz ... -- dotnet DIR/Verify.Fuzz.dll afl-target`,
/// DIR made by `fuzz instrument`). Under afl-fuzz (__AFL_SHM_ID set) it serves the fork-server
/// protocol in persistent mode; otherwise it runs one input from a file argument or stdin and
/// exits 0 pass, 1 finding, 2 bad usage, like replay (what people need). An AFL tool run without a
/// fork server (AFL_NO_FORKSRV=1: __AFL_SHM_ID set, fds 198/199 closed) gets one run that records
/// into its map and ends in SIGABRT on a finding, as a crashing native target would.
/// With --coverage-report it measures block coverage of inputs instead (DIR from `fuzz instrument --blocks`).
/// </summary>
public static class AflTargetCommand
{
    public const string ShmIdVariable = "__AFL_SHM_ID", ShmFuzzIdVariable = "__AFL_SHM_FUZZ_ID";

    public static Command Create()
    {
        var paths = new Argument<string[]>("input") { Description = "The input file (default: stdin); with --coverage-report, files and folders", Arity = ArgumentArity.ZeroOrMore };
        var planted = CommonOptions.Planted();
        var coverage = new Option<bool>("--coverage-report") { Description = "Run every input once and print the fraction of instrumented probes reached (needs 'fuzz instrument --blocks')" };
        var repeat = new Option<int>("--repeat") { Description = "Without afl-fuzz: run the input this many times and print the time per run", DefaultValueFactory = _ => 1 };
        var generatorSeconds = new Option<double?>("--generator-seconds")
            { Description = "With --coverage-report and no inputs: measure the FsCheck properties' scenario generator run for this long instead" };
        var generatorCount = new Option<int?>("--generator-count")
            { Description = "With --coverage-report and no inputs: measure this many generated scenarios (replays a --generator-seconds run)" };
        var seed = new Option<ulong>("--seed") { Description = "The generator's seed", DefaultValueFactory = _ => GeneratorSeedDefault };
        var command = new Command("afl-target", "The AFL++ target: fork-server protocol under afl-fuzz, otherwise run one input (exit 0 pass, 1 finding, 2 bad input)")
            { paths, planted, coverage, repeat, generatorSeconds, generatorCount, seed };
        command.SetAction(parse =>
        {
            var generator = new GeneratorBudget(parse.GetValue(generatorSeconds), parse.GetValue(generatorCount), parse.GetValue(seed));
            return Run(parse.GetValue(paths) ?? [], parse.GetValue(planted), parse.GetValue(coverage), parse.GetValue(repeat), generator);
        });
        return command;
    }

    public const ulong GeneratorSeedDefault = 1;

    /// <summary>How long (or how many scenarios) the generator runs for --coverage-report; Active when either is given.</summary>
    private sealed record GeneratorBudget(double? Seconds, int? Count, ulong Seed)
    {
        public bool Active => Seconds is not null || Count is not null;
    }

    private static int Run(string[] paths, string? planted, bool coverageReport, int repeat, GeneratorBudget generator)
    {
        if (generator.Active && (!coverageReport || paths.Length > 0 || generator is { Seconds: <= 0 } or { Count: <= 0 } or { Seconds: not null, Count: not null }))
        {
            Console.Error.WriteLine("fuzz afl-target: --generator-seconds S (S > 0) or --generator-count N (N > 0), not both, goes with --coverage-report and no inputs");
            return Program.ExitUsage;
        }
        FuzzTarget target;
        try { target = new FuzzTarget(planted); }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"fuzz afl-target: {e.Message}");
            return Program.ExitUsage;
        }
        try
        {
            if (coverageReport && generator.Active) return ReportGeneratorCoverage(target, generator);
            if (coverageReport) return ReportCoverage(target, paths);
            if (paths.Length > 1)
            {
                Console.Error.WriteLine("fuzz afl-target: give at most one input file (or none, for stdin)");
                return Program.ExitUsage;
            }
            string? path = paths.Length == 1 ? paths[0] : null;
            if (Environment.GetEnvironmentVariable(ShmIdVariable) is not { } shmId) return RunOnce(target, path, repeat);
            if (Libc.IsOpen(ForkServer.ControlFd) && Libc.IsOpen(ForkServer.StatusFd)) return Serve(target, shmId, path);
            return RunOnceUnderAfl(target, shmId, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InputException or InvalidOperationException)
        {
            Console.Error.WriteLine($"fuzz afl-target: {e.Message}");
            return Program.ExitUsage;
        }
    }

    private static unsafe int Serve(FuzzTarget target, string shmIdText, string? path)
    {
        TargetWarmup.Run(target);
        AflCoverage.Attach(Libc.AttachShared(ParseId(ShmIdVariable, shmIdText), ShmIdVariable));
        string? fuzzId = path is null ? Environment.GetEnvironmentVariable(ShmFuzzIdVariable) : null;
        ITestCaseSource inputs =
            fuzzId is not null ? new SharedMemoryTestCase(Libc.AttachShared(ParseId(ShmFuzzIdVariable, fuzzId), ShmFuzzIdVariable))
            : path is not null ? new FileTestCase(path)
            : new DescriptorTestCase(0);
        new ForkServer(target, inputs, sharedMemoryInputs: fuzzId is not null).Serve();
        return Program.ExitPass;
    }

    /// <summary>One run recording into AFL's map; a finding ends the process with SIGABRT.</summary>
    private static unsafe int RunOnceUnderAfl(FuzzTarget target, string shmIdText, string? path)
    {
        byte[] input = path is null ? ReadStdin() : LoadBytes(path);
        AflCoverage.Attach(Libc.AttachShared(ParseId(ShmIdVariable, shmIdText), ShmIdVariable));
        if (target.Run(input).Failure is { } failure)
        {
            Console.Error.Write(Report.Format(failure, ByteCodec.Decode(input), path ?? "stdin"));
            Libc.Abort();
        }
        return Program.ExitPass;
    }

    private static int ParseId(string variable, string text) =>
        int.TryParse(text, out int id) ? id : throw new IOException($"{variable}='{text}' is not a shared-memory id");

    private static int RunOnce(FuzzTarget target, string? path, int repeat)
    {
        byte[] input = path is null ? ReadStdin() : LoadBytes(path);
        var scenario = ByteCodec.Decode(input);
        var result = target.Run(input);
        if (repeat > 1) TimeRepeats(target, input, repeat);
        if (result.Failure is { } failure)
        {
            Console.Error.Write(Report.Format(failure, scenario, path ?? "stdin"));
            return Program.ExitFinding;
        }
        Console.WriteLine($"pass: {result.OpsRun} operations on {scenario.Machine.Pages} pages");
        return Program.ExitPass;
    }

    /// <summary>Times repeat runs of one input after a warm-up, as the fork server would run them.</summary>
    private static void TimeRepeats(FuzzTarget target, byte[] input, int repeat)
    {
        TargetWarmup.Run(target);
        for (int i = 0; i < Math.Min(repeat, 1000); i++) target.Run(input);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < repeat; i++) target.Run(input);
        double microseconds = clock.Elapsed.TotalMicroseconds / repeat;
        Console.WriteLine(System.FormattableString.Invariant($"{repeat} runs: {microseconds:F1} us per run ({1e6 / microseconds:F0} runs/s in process)"));
    }

    private static int ReportCoverage(FuzzTarget target, string[] paths)
    {
        CoverageReport.MeasuredAssemblies();
        var files = paths.SelectMany(ExpandFiles).ToList();
        if (files.Count == 0)
        {
            Console.Error.WriteLine("fuzz afl-target: --coverage-report needs input files or folders");
            return Program.ExitUsage;
        }
        var coverage = CoverageReport.Measure(target, files.Select(LoadBytes));
        Console.Write(CoverageReport.Format(coverage, files.Count));
        return Program.ExitPass;
    }

    /// <summary>
    /// Coverage of the property generator's scenarios (GeneratorInputs) for a time or a count. The
    /// time only decides how many scenarios run; the closing line gives the seed and count, which
    /// replay exactly the same inputs with --generator-count.
    /// </summary>
    private static int ReportGeneratorCoverage(FuzzTarget target, GeneratorBudget generator)
    {
        CoverageReport.MeasuredAssemblies();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int drawn = 0;
        Func<bool> keepGoing = generator.Count is { } count
            ? () => drawn < count
            : () => clock.Elapsed.TotalSeconds < generator.Seconds!.Value;
        var coverage = CoverageReport.Measure(target, GeneratorInputs.Draw(generator.Seed, keepGoing, n => drawn = n));
        Console.Write(CoverageReport.Format(coverage, drawn));
        Console.WriteLine(System.FormattableString.Invariant(
            $"generator: {drawn} scenarios of the FsCheck properties' generator in {clock.Elapsed.TotalSeconds:F0} s on one core; replay with --seed {generator.Seed} --generator-count {drawn}"));
        return Program.ExitPass;
    }

    /// <summary>A file as is; a folder's files recursively, skipping hidden entries (AFL's .state, .cur_input).</summary>
    private static IEnumerable<string> ExpandFiles(string path)
    {
        if (!Directory.Exists(path)) return [path];
        return Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
            .Where(file => !Path.GetRelativePath(path, file).Split('/').Any(part => part.StartsWith('.')) && !file.EndsWith(".txt", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>Raw fuzzer bytes; a .trace file is parsed and encoded to its bytes.</summary>
    private static byte[] LoadBytes(string path)
    {
        if (!File.Exists(path)) throw new IOException($"{path}: no such file");
        return path.EndsWith(".trace", StringComparison.Ordinal) ? ByteCodec.Encode(TraceFormat.ParseFile(path)) : File.ReadAllBytes(path);
    }

    private static byte[] ReadStdin()
    {
        using var stdin = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        stdin.CopyTo(buffer);
        return buffer.ToArray();
    }
}
