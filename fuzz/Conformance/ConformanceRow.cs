using System.Globalization;

namespace Verify.Fuzz.Conformance;

/// <summary>
/// One comparison of a conformance scenario: a quantity as the real kernel shows it and as the
/// model computes it, the tolerance allowed between them (stated where the scenario derives it) and
/// whether they agree.
/// </summary>
public sealed record ConformanceRow(string Scenario, string Quantity, string Kernel, string Model, string Tolerance, bool Agrees)
{
    /// <summary>Pages: the kernel's bytes / 4096 must lie in [model - below, model + above].</summary>
    public static ConformanceRow Pages(string scenario, string quantity, long kernelBytes, long modelPages, long below = 0, long above = 0)
    {
        long kernel = kernelBytes / 4096;
        string tolerance = below == 0 && above == 0 ? "exact" : $"-{below}..+{above} pages";
        return new ConformanceRow(scenario, quantity, $"{kernel} pages", $"{modelPages} pages", tolerance, kernel >= modelPages - below && kernel <= modelPages + above);
    }

    /// <summary>A count or an outcome that must be the same on both.</summary>
    public static ConformanceRow Same(string scenario, string quantity, string kernel, string model) =>
        new(scenario, quantity, kernel, model, "exact", kernel == model);

    public static ConformanceRow Same(string scenario, string quantity, long kernel, long model) =>
        Same(scenario, quantity, kernel.ToString(CultureInfo.InvariantCulture), model.ToString(CultureInfo.InvariantCulture));

    /// <summary>A documented departure: it agrees when the kernel and the model each do what the documentation says they do.</summary>
    public static ConformanceRow Departure(string scenario, string quantity, string kernel, string model, string expectedKernel, string expectedModel, string why) =>
        new(scenario, quantity, kernel, model, $"departure: {why}", kernel == expectedKernel && model == expectedModel);

    public override string ToString() => $"{Scenario}: {Quantity}: kernel {Kernel}, model {Model} ({Tolerance}): {(Agrees ? "agrees" : "DISAGREES")}";
}
