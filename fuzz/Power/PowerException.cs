namespace Verify.Fuzz.Power;

/// <summary>A one-line error of fuzz power (a bad trials.tsv line, a clash with recorded trials, a campaign that could not run); the command prints it and exits 2.</summary>
public sealed class PowerException(string message) : Exception(message);
