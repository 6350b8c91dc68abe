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

    /// <summary>Starts a new helper if afl-fuzz killed the current one.</summary>
    public void EnsureAlive()
    {
        if (!_process.HasExited) return;
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
