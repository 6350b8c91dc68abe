using Verify.Fuzz.Formats;
using Verify.Fuzz.Harness;
using Verify.Model.Contract;
using Verify.Model.Slab;
using Verify.Properties.Support;

namespace Verify.Properties;

/// <summary>
/// What an operation's arguments mean is part of the corpus's meaning ("on=1" turns a switch on),
/// and model and impl share the alphabet's dispatch, so comparing them cannot see a dispatch that
/// reads an argument the wrong way round. Here traces written by hand run on both sides, and the
/// model's snapshot must show what the trace says.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class AlphabetMeaningTests
{
    private static Snapshot RunAndSnapshot(string trace)
    {
        var runner = new Runner();
        var result = runner.Run(TraceFormat.Parse(trace), CheckLevel.Full);
        Assert.True(result.Passed, result.Failure?.ToString());
        return runner.Model.TakeSnapshot();
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(0, false)]
    public void NotifyOnReleaseOneTurnsItOn(int on, bool expected)
    {
        var snapshot = RunAndSnapshot($"""
            machine pages=64 cpus=1 cgroups=v1
            cgroup_create parent=0
            cgroup_set_notify_on_release cgroup=2 on={on}
            """);
        Assert.Equal(expected, snapshot.Cgroups.Single(c => c.Id == 3).NotifyOnRelease);
    }

    [Fact]
    public void SetupCacheSetAccountSwitchesTheNamedCache()
    {
        var off = RunAndSnapshot($"""
            machine pages=64 cpus=1
            setup_cache_set_account cache={SlabLayout.DentryCacheId} on=0
            """);
        Assert.False(off.SlabCaches.Single(c => c.Id == SlabLayout.DentryCacheId).Accounted);
        var on = RunAndSnapshot($"""
            machine pages=64 cpus=1
            setup_cache_set_account cache={SlabLayout.DentryCacheId} on=0
            setup_cache_set_account cache={SlabLayout.DentryCacheId} on=1
            """);
        Assert.True(on.SlabCaches.Single(c => c.Id == SlabLayout.DentryCacheId).Accounted);
    }
}
