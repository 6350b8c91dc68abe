using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Properties.Support;

namespace Verify.Properties;

/// <summary>
/// The alphabet's small types, whose texts name steps in every failure message and whose checks
/// guard the codec: an operation prints as keyword name=value, a scenario as its machine and
/// steps, an argument accepts exactly its range, and Op.Of refuses what the alphabet does not have.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class AlphabetTypesTests
{
    [Fact]
    public void AnOperationPrintsItsKeywordAndEachArgumentByName()
    {
        Assert.Equal("cache_free_bulk obj=1 count=3", Op.Of("cache_free_bulk", 1, 3).ToString());
        Assert.Equal("machine pages=64 cpus=2; tick ms=5; shrink count=2",
            new Scenario(new MachineConfig(64, 2), [Op.Of("tick", 5), Op.Of("shrink", 2)]).ToString());
    }

    [Fact]
    public void OpOfRefusesAnUnknownKeywordAndAWrongArgumentCount()
    {
        Assert.Equal("unknown operation 'no_such_op'", Assert.Throws<ArgumentException>(() => Op.Of("no_such_op")).Message);
        Assert.Equal("shrink takes 1 arguments", Assert.Throws<ArgumentException>(() => Op.Of("shrink", 1, 2)).Message);
    }

    [Fact]
    public void AnArgumentAcceptsExactlyItsRange()
    {
        var arg = ArgSpec.Int("x", -2, 5);
        Assert.Equal([false, true, true, true, false], new long[] { -3, -2, 0, 5, 6 }.Select(arg.Accepts));
        Assert.False(arg.IsReference);
        Assert.True(ArgSpec.Ref("r", HandleKind.Task).IsReference);
        Assert.True(ArgSpec.StaleRef("s", HandleKind.Task).IsReference);
    }
}
