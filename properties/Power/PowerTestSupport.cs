namespace Verify.Properties.Power;

/// <summary>What the power report's tests share: their xunit category (not the mutation gate's: they test a report, not impl/).</summary>
public static class PowerTestSupport
{
    public const string Category = "Power";
}
