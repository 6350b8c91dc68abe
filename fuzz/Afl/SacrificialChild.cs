using System.Diagnostics;

namespace Verify.Fuzz.Afl;

/// <summary>
/// The pid the fork server reports for each run. The run itself happens in this process (there is
/// no fork), but afl-fuzz kills the reported pid when a run times out; reporting our own pid would
/// end the whole server. So we report a helper child, `cat` reading a pipe we hold: a timeout
/// kills only it (we start another), and when this process dies for any reason the pipe closes,
/// `cat` reads end-of-file and exits, so it never outlives the server.
/// </summary>
public sealed class SacrificialChild : IDisposable
{
    private Process _process = Start();

    public int Pid => _process.Id;

    /// <summary>
    /// afl-fuzz killed the current helper (a timeout): a new one takes its place. The old one is
    /// ended and reaped here first, whatever this process has noticed of its death so far: asking
    /// HasExited races with the runtime's reaping of the killed child, and reporting a dead helper's
    /// pid again would let a later timeout kill whatever process reuses it.
    /// </summary>
    public void Replace()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // It exited between the test and the kill.
        }
        _process.WaitForExit();
        _process.Dispose();
        _process = Start();
    }

    public void Dispose()
    {
        _process.StandardInput.Close();
        _process.Dispose();
    }

    private static Process Start()
    {
        var start = new ProcessStartInfo("cat") { RedirectStandardInput = true, UseShellExecute = false };
        return Process.Start(start) ?? throw new IOException("could not start the helper process 'cat'");
    }
}
