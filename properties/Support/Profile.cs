namespace Verify.Properties.Support;

/// <summary>
/// The two profiles: the default CI gate, and the deep nightly one (VERIFY_PROFILE=deep) that runs
/// 100 times the sequences. VERIFY_SEED=N replays a run; without it each property uses a fixed
/// seed derived from its name (the gate is reproducible), or in the deep profile a fresh one.
/// Every property prints the seed it used.
/// </summary>
public static class Profile
{
    public const int DeepFactor = 100;

    public static bool IsDeep => string.Equals(Environment.GetEnvironmentVariable("VERIFY_PROFILE"), "deep", StringComparison.OrdinalIgnoreCase);

    public static int Scale(int defaultCount) => IsDeep ? defaultCount * DeepFactor : defaultCount;

    public static ulong SeedFor(string propertyName)
    {
        string? given = Environment.GetEnvironmentVariable("VERIFY_SEED");
        if (!string.IsNullOrEmpty(given))
        {
            if (ulong.TryParse(given, out ulong seed)) return seed;
            throw new ArgumentException($"VERIFY_SEED='{given}' is not an unsigned 64-bit number");
        }
        if (IsDeep) return (ulong)DateTime.UtcNow.Ticks;
        ulong hash = 14695981039346656037UL; // FNV-1a of the name: stable across runs and machines
        foreach (char c in propertyName) hash = (hash ^ c) * 1099511628211UL;
        return hash;
    }
}
