using System.Globalization;
using System.Text;
using Verify.Fuzz.Afl;

namespace Verify.Fuzz.Power;

/// <summary>
/// power.svg: per method, the fraction of all its trials (planted bugs × trials) that had found their
/// bug by each time, a step curve on a logarithmic time axis that ends at the method's largest budget
/// (trials censored there never count), as fuzzing benchmarks draw survival curves. The gnuplot
/// script with its data inline is written as power.gp beside it, so it can be drawn again or elsewhere.
/// Guarantees: the script is a pure function of the summary; without gnuplot on PATH no picture is
/// drawn and Draw says how to install it (the Debian package the campaign's chart uses, pinned).
/// </summary>
public static class PowerPlot
{
    public const string ScriptName = "power.gp", PictureName = "power.svg";

    /// <summary>The smallest time drawn: a log axis has no zero, and a detection within it is drawn there.</summary>
    private const double Floor = 1e-4;

    public static string Script(PowerSummary summary)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        double end = Math.Max(Floor * 10, summary.Trials.Max(t => Math.Max(t.Seconds, t.BudgetSeconds ?? 0)));
        text.AppendLine("# fuzz power: fraction of planted bugs x trials found by each time (gnuplot " + ScriptName + ")");
        foreach (var method in summary.Methods)
        {
            var trials = summary.TrialsOf(method).ToList();
            double methodEnd = trials.Max(t => Math.Max(t.Seconds, t.BudgetSeconds ?? 0));
            var times = trials.Where(t => t.Found).Select(t => Math.Max(Floor, t.Seconds)).Order().ToList();
            text.AppendLine(c, $"${PowerMethods.Name(method)} << EOD");
            text.AppendLine(c, $"{Floor:R} 0");
            for (int i = 0; i < times.Count; i++) text.AppendLine(c, $"{times[i]:R} {(double)(i + 1) / trials.Count:R}");
            text.AppendLine(c, $"{Math.Max(Floor, methodEnd):R} {(double)times.Count / trials.Count:R}");
            text.AppendLine("EOD");
        }
        text.AppendLine("set terminal svg size 900,560 dynamic font 'sans,13' background rgb 'white'");
        text.AppendLine(c, $"set output '{PictureName}'");
        text.AppendLine("set title 'Planted bugs found: fraction of bugs x trials by time to first detection (censored at the budget)'");
        text.AppendLine("set xlabel 'seconds (log scale)'");
        text.AppendLine("set ylabel 'fraction of bugs x trials found'");
        text.AppendLine("set logscale x");
        text.AppendLine(c, $"set xrange [{Floor:R}:{end * 1.2:R}]");
        text.AppendLine("set yrange [0:1.05]");
        text.AppendLine("set grid");
        text.AppendLine("set key bottom right");
        var plots = summary.Methods.Select(m =>
        {
            string name = PowerMethods.Name(m);
            int count = summary.TrialsOf(m).Count();
            return string.Create(c, $"${name} using 1:2 with steps linewidth 2 title '{name} ({count} trials)'");
        });
        text.AppendLine("plot " + string.Join(", \\\n     ", plots));
        return text.ToString();
    }

    /// <summary>Writes the script into directory and runs gnuplot there; returns the picture's path, or null after saying why on log.</summary>
    public static string? Draw(PowerSummary summary, string directory, TextWriter log)
    {
        string script = Path.Combine(directory, ScriptName);
        File.WriteAllText(script, Script(summary));
        if (ExternalCommand.FindOnPath("gnuplot") is not { } gnuplot)
        {
            log.WriteLine($"power: gnuplot is missing, so {PictureName} was not drawn (the table is written); install it with: sudo apt-get install -y {AflTools.GnuplotPackage}");
            return null;
        }
        var result = ExternalCommand.Run(gnuplot, [ScriptName], TimeSpan.FromMinutes(1), workingDirectory: directory);
        string picture = Path.Combine(directory, PictureName);
        if (result.ExitCode == 0 && File.Exists(picture)) return picture;
        log.WriteLine($"power: gnuplot {script} failed (exit {result.ExitCode}): {result.LastLines(2)}");
        return null;
    }
}
