using System.Buffers.Binary;
using System.Diagnostics;
using Verify.Fuzz.Afl;
using Verify.Fuzz.Formats;
using Verify.Model.Coverage;

namespace Verify.Properties.Afl;

/// <summary>
/// The fork-server protocol of `fuzz afl-target`, spoken from the test in afl-fuzz's place over
/// FIFOs on fds 198/199, in both of its modes: shared-memory test cases and stdin. A planted bug
/// gives an input that must come back as status 6 (SIGABRT); a clean one as 0.
/// </summary>
public sealed unsafe class ForkServerTests(InstrumentedBuildFixture build) : IClassFixture<InstrumentedBuildFixture>
{
    private const string Planted = "buddy-last-max-order-block";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private static readonly byte[] Failing = Bytes("machine pages=1024 cpus=1\nalloc_pages order=10\n");
    private static readonly byte[] Passing = Bytes("machine pages=1500 cpus=2\nalloc_pages order=0\nalloc_pages order=3\nfree_pages ref=0\n");

    [Fact]
    public void SharedMemoryTestCasesPassAndFail()
    {
        int mapId = Libc.CreateShared(AflCoverage.MapSizeBytes);
        int caseId = Libc.CreateShared(SharedMemoryTestCase.DataBytesMax + sizeof(uint));
        byte* map = Libc.AttachShared(mapId, "map");
        byte* testCase = Libc.AttachShared(caseId, "test case");
        try
        {
            using var server = Server.Start(build.Harness, new() { ["__AFL_SHM_ID"] = $"{mapId}", ["__AFL_SHM_FUZZ_ID"] = $"{caseId}" }, stdinPath: null);
            Assert.Equal(ForkServer.SharedMemoryHello, server.Read());
            server.Write(ForkServer.FsOptEnabled | ForkServer.FsOptShdmemFuzz);

            foreach (var (input, expected) in new[] { (Passing, ForkServer.StatusPass), (Failing, ForkServer.StatusFinding), (Passing, ForkServer.StatusPass) })
            {
                *(uint*)testCase = (uint)input.Length;
                input.CopyTo(new Span<byte>(testCase + sizeof(uint), input.Length));
                new Span<byte>(map, AflCoverage.MapSizeBytes).Clear();
                server.Write(0);
                Assert.True(server.Read() > 0, "the pid must be positive");
                Assert.Equal(expected, server.Read());
                Assert.True(new Span<byte>(map, AflCoverage.MapSizeBytes).IndexOfAnyExcept((byte)0) >= 0, "the run must write AFL's map");
            }
            Assert.Equal(0, server.Finish());
        }
        finally
        {
            Libc.DetachShared(map);
            Libc.DetachShared(testCase);
            Libc.RemoveShared(mapId);
            Libc.RemoveShared(caseId);
        }
    }

    [Fact]
    public void StdinTestCasesPassFailAndSurviveATimeoutKill()
    {
        int mapId = Libc.CreateShared(AflCoverage.MapSizeBytes);
        string input = Path.Combine(build.Root, $"stdin-{Guid.NewGuid():N}");
        File.WriteAllBytes(input, Passing);
        try
        {
            using var server = Server.Start(build.Harness, new() { ["__AFL_SHM_ID"] = $"{mapId}" }, stdinPath: input);
            Assert.Equal(ForkServer.ClassicHello, server.Read());

            File.WriteAllBytes(input, Failing);
            server.Write(0);
            int pid = (int)server.Read();
            Assert.Equal(ForkServer.StatusFinding, server.Read());

            // afl-fuzz kills the reported pid when a run times out and then says so (control word 1):
            // the server must live on and report a new, live pid. One handle for both the kill and the
            // wait: the server reaps its killed helper at once, so a second look-up by pid can find nothing.
            using (var helper = Process.GetProcessById(pid))
            {
                helper.Kill();
                Assert.True(helper.WaitForExit(Limit), $"the killed helper {pid} must be gone within {Limit.TotalSeconds} s");
            }
            File.WriteAllBytes(input, Passing);
            server.Write(1);
            int next = (int)server.Read();
            Assert.NotEqual(pid, next);
            Assert.False(Process.GetProcessById(next).HasExited);
            Assert.Equal(ForkServer.StatusPass, server.Read());
            Assert.Equal(0, server.Finish());
        }
        finally
        {
            Libc.RemoveShared(mapId);
        }
    }

    [Fact]
    public void WithoutAForkServerOneRunRecordsAndAFindingAborts()
    {
        // AFL tools run with AFL_NO_FORKSRV=1 set __AFL_SHM_ID but open no pipes: one run, SIGABRT on a finding.
        int mapId = Libc.CreateShared(AflCoverage.MapSizeBytes);
        byte* map = Libc.AttachShared(mapId, "map");
        string input = Path.Combine(build.Root, $"once-{Guid.NewGuid():N}");
        try
        {
            var environment = new Dictionary<string, string> { ["__AFL_SHM_ID"] = $"{mapId}" };
            File.WriteAllBytes(input, Passing);
            Assert.Equal(0, AflTestSupport.RunDotnet([build.Harness, "afl-target", "--planted", Planted, input], Limit, environment).ExitCode);
            Assert.True(new Span<byte>(map, AflCoverage.MapSizeBytes).IndexOfAnyExcept((byte)0) >= 0, "the run must write AFL's map");
            File.WriteAllBytes(input, Failing);
            var (exitCode, text) = AflTestSupport.RunDotnet([build.Harness, "afl-target", "--planted", Planted, input], Limit, environment);
            Assert.True(exitCode == 128 + Libc.SIGABRT, $"a finding must end in SIGABRT (exit {128 + Libc.SIGABRT}), got {exitCode}:\n{text}");
            Assert.Contains("E1.equivalence.outcome", text);
        }
        finally
        {
            Libc.DetachShared(map);
            Libc.RemoveShared(mapId);
        }
    }

    private static byte[] Bytes(string trace) => ByteCodec.Encode(TraceFormat.Parse(trace));

    /// <summary>`afl-target --planted` with its fds 198/199 on two FIFOs, as afl-fuzz would set them up.</summary>
    private sealed class Server : IDisposable
    {
        private readonly Process _process;
        private readonly FileStream _control, _status;
        private readonly string _directory;

        private Server(Process process, FileStream control, FileStream status, string directory) =>
            (_process, _control, _status, _directory) = (process, control, status, directory);

        public static Server Start(string harness, Dictionary<string, string> environment, string? stdinPath)
        {
            string directory = AflTestSupport.NewTempDirectory("fifo");
            string control = Path.Combine(directory, "control"), status = Path.Combine(directory, "status");
            foreach (string fifo in new[] { control, status }) Process.Start("mkfifo", [fifo]).WaitForExit();
            var start = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardError = true };
            string redirectStdin = stdinPath is null ? "" : " 0<\"$3\"";
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"exec dotnet \"$0\" afl-target --planted {Planted} 198<\"$1\" 199>\"$2\"{redirectStdin}");
            foreach (string arg in new[] { harness, control, status, stdinPath ?? "" }) start.ArgumentList.Add(arg);
            foreach (var (name, value) in environment) start.Environment[name] = value;
            var process = Process.Start(start)!;
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            var controlStream = Within(Task.Run(() => new FileStream(control, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1)), process, "opening the control FIFO");
            var statusStream = Within(Task.Run(() => new FileStream(status, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1)), process, "opening the status FIFO");
            return new Server(process, controlStream, statusStream, directory);
        }

        public uint Read()
        {
            var word = new byte[4];
            Within(_status.ReadExactlyAsync(word).AsTask(), _process, "reading a status word");
            return BinaryPrimitives.ReadUInt32LittleEndian(word);
        }

        public void Write(uint word)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, word);
            _control.Write(bytes);
            _control.Flush();
        }

        /// <summary>Closes the control pipe as afl-fuzz does at the end and returns the server's exit code.</summary>
        public int Finish()
        {
            _control.Dispose();
            if (!_process.WaitForExit(Limit)) throw new TimeoutException("the server did not end after the control pipe closed");
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            _control.Dispose();
            _status.Dispose();
            _process.Dispose();
            Directory.Delete(_directory, recursive: true);
        }

        private static T Within<T>(Task<T> task, Process process, string what)
        {
            Within((Task)task, process, what);
            return task.Result;
        }

        private static void Within(Task task, Process process, string what)
        {
            if (task.Wait(Limit)) return;
            process.Kill(entireProcessTree: true); // unblocks the pending FIFO operation
            throw new TimeoutException($"{what} took longer than {Limit.TotalSeconds} s");
        }
    }
}
