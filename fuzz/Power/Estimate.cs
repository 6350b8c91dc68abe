using System.Globalization;

namespace Verify.Fuzz.Power;

/// <summary>How far a statistic of censored trials is known: exactly, as a lower bound that may be reached (≥), or as a strict one (&gt;).</summary>
public enum Bound
{
    Exact,
    AtLeast,
    Above,
}

/// <summary>A statistic of censored trials: a value and how far it is known. Text prints it with a few significant digits and its bound's sign.</summary>
public readonly record struct Estimate(double Value, Bound Bound)
{
    public string Text() => (Bound switch { Bound.AtLeast => "≥", Bound.Above => ">", _ => "" }) + Number(Value);

    /// <summary>A number of seconds or inputs with at most three significant digits (four below 0.1), trailing zeros dropped, in invariant culture: 1234, 12.3, 1.5, 0.123, 0.0123.</summary>
    public static string Number(double value)
    {
        double magnitude = Math.Abs(value);
        string format = magnitude >= 100 ? "F0" : magnitude >= 10 ? "F1" : magnitude >= 1 ? "F2" : magnitude >= 0.1 ? "F3" : "F4";
        string text = value.ToString(format, CultureInfo.InvariantCulture);
        return text.Contains('.') ? text.TrimEnd('0').TrimEnd('.') : text;
    }
}
