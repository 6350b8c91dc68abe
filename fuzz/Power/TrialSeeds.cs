using Verify.Fuzz.Engine;

namespace Verify.Fuzz.Power;

/// <summary>
/// The seed of one trial, derived from the base seed, the planted bug, the method and the trial
/// number alone (FNV-1a of "bug/method/trial" mixed with the base seed through SplitMix64), so every
/// machine and every resumed run gives a trial the same seed, and trials of other bugs, methods or
/// numbers get unrelated ones.
/// </summary>
public static class TrialSeeds
{
    public static ulong For(ulong baseSeed, string bug, PowerMethod method, int trial)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in $"{bug}/{PowerMethods.Name(method)}/{trial}") hash = (hash ^ c) * 1099511628211UL;
        return new SplitMix64(baseSeed ^ hash).Next();
    }
}
