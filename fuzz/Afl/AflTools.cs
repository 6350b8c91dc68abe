namespace Verify.Fuzz.Afl;

/// <summary>
/// The AFL++ programs a campaign runs, found on PATH. When some are missing and this process runs
/// as root on a machine with apt-get, it installs them (Debian packages afl++ and gnuplot-nox, the
/// gnuplot without X that afl-plot needs, at pinned versions), saying so; otherwise it says the one command that
/// installs them. afl-fuzz and afl-tmin are required; without gnuplot only the chart is skipped.
/// </summary>
public sealed record AflTools(string Fuzz, string Tmin, string? Plot)
{
    /// <summary>The pinned Debian (bookworm) versions: AFL++ 4.04c, the release the bridge was written against.</summary>
    public const string AflPackage = "afl++=4.04c-4";

    public const string GnuplotPackage = "gnuplot-nox=5.4.4+dfsg1-2+b2";

    public const string InstallCommand = $"sudo apt-get install -y {AflPackage} {GnuplotPackage}";

    public static AflTools Ensure(TextWriter log, string aptLogPath)
    {
        bool missingAfl = ExternalCommand.FindOnPath("afl-fuzz") is null || ExternalCommand.FindOnPath("afl-tmin") is null;
        bool missingPlot = ExternalCommand.FindOnPath("gnuplot") is null || ExternalCommand.FindOnPath("afl-plot") is null;
        if (missingAfl || missingPlot)
        {
            var packages = new List<string>();
            if (missingAfl || ExternalCommand.FindOnPath("afl-plot") is null) packages.Add(AflPackage);
            if (ExternalCommand.FindOnPath("gnuplot") is null) packages.Add(GnuplotPackage);
            if (Environment.UserName == "root" && ExternalCommand.FindOnPath("apt-get") is not null)
            {
                log.WriteLine($"campaign: installing {string.Join(' ', packages)} with apt-get (running as root; log {aptLogPath})");
                Install(packages, aptLogPath);
            }
            else if (missingAfl)
            {
                throw new IOException($"afl++ is not installed; install it with: {InstallCommand}");
            }
            else
            {
                log.WriteLine($"campaign: gnuplot is missing, so no chart will be drawn; install it with: {InstallCommand}");
            }
        }
        string fuzz = ExternalCommand.FindOnPath("afl-fuzz") ?? throw new IOException($"afl-fuzz is still missing; install it with: {InstallCommand}");
        string tmin = ExternalCommand.FindOnPath("afl-tmin") ?? throw new IOException($"afl-tmin is still missing; install it with: {InstallCommand}");
        string? plot = ExternalCommand.FindOnPath("gnuplot") is null ? null : ExternalCommand.FindOnPath("afl-plot");
        return new AflTools(fuzz, tmin, plot);
    }

    private static void Install(List<string> packages, string aptLogPath)
    {
        var environment = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
        var install = new List<string> { "install", "-y", "--no-install-recommends" };
        install.AddRange(packages);
        var result = ExternalCommand.Run("apt-get", install, TimeSpan.FromMinutes(15), environment, logPath: aptLogPath);
        if (result.ExitCode == 0) return;
        // The package lists may be missing or stale (a fresh container): refresh them once and retry.
        ExternalCommand.Run("apt-get", ["update"], TimeSpan.FromMinutes(10), environment, logPath: aptLogPath);
        result = ExternalCommand.Run("apt-get", install, TimeSpan.FromMinutes(15), environment, logPath: aptLogPath);
        if (result.ExitCode != 0)
            throw new IOException($"apt-get install {string.Join(' ', packages)} failed (exit {result.ExitCode}); see {aptLogPath}");
    }
}
