using Verify.Fuzz.Engine;
using Verify.Fuzz.Formats;
using Verify.Model.Alphabet;
using Verify.Model.Contract;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties;

/// <summary>The v2 byte header: it carries the swarm choice, decodes operations among the enabled ones, and round-trips.</summary>
public sealed class SwarmCodecTests(ITestOutputHelper output)
{
    [Fact]
    public void AGeneratedScenarioRoundTripsWithItsSwarmInTheHeader()
    {
        ulong seed = Profile.SeedFor(nameof(AGeneratedScenarioRoundTripsWithItsSwarmInTheHeader));
        output.WriteLine($"seed {seed}");
        var random = new SplitMix64(seed);
        var moods = new HashSet<Mood>();
        for (int i = 0; i < Profile.Scale(400); i++)
        {
            var generated = ScenarioGenerator.Draw(random.Next(), 150);
            var (scenario, header) = ByteCodec.DecodeWithHeader(ByteCodec.Encode(generated.Scenario, generated.Swarm));
            string where = $"scenario {i} of seed {seed} (mood {generated.Mood})";
            Assert.True(ScenarioEquality.Same(scenario, generated.Scenario), $"F2.codec-round-trip: {where} decodes differently:\n{TraceFormat.Print(generated.Scenario)}");
            Assert.True(header.V2, where);
            Assert.Equal((byte)generated.Mood, header.Mood);
            Assert.Equal(Enumerable.Range(0, Alphabet.Specs.Count).Where(generated.Swarm.IsEnabled), header.Enabled);
            moods.Add(generated.Mood);
        }
        Assert.Equal(Enum.GetValues<Mood>().Length, moods.Count);
    }

    [Fact]
    public void CodeBytesNameTheEnabledOperationsInOrder()
    {
        int allocPages = Code("alloc_pages"), kmalloc = Code("kmalloc");
        // alloc_pages order=b, kmalloc bytes=3 bytes flags=1 byte; code bytes 0, 1, 2 (= 0 mod 2), 3 (= 1 mod 2).
        var bytes = Header(mood: 0, count: Alphabet.Specs.Count, allocPages, kmalloc)
            .Concat(new byte[] { 0, 5, 1, 0x10, 0, 0, 0, 2, 7, 3, 0x20, 0, 0, 1 }).ToArray();
        var (scenario, header) = ByteCodec.DecodeWithHeader(bytes);
        Assert.Equal([allocPages, kmalloc], header.Enabled);
        Assert.Equal([Op.Of("alloc_pages", 5), Op.Of("kmalloc", 16, 0), Op.Of("alloc_pages", 7), Op.Of("kmalloc", 32, 1)], scenario.Ops);
    }

    [Fact]
    public void CodesFromTheHeadersAlphabetSizeOnAreNotEnabledAndNoBitSetEnablesAll()
    {
        // N = 1: only code 0 counts, whatever other bits say.
        Assert.Equal([0], ByteCodec.DecodeWithHeader(Header(0, 1, 0, 5, 9)).Header.Enabled);
        // No bit set: every code below N.
        Assert.Equal(Enumerable.Range(0, 3), ByteCodec.DecodeWithHeader(Header(0, 3)).Header.Enabled);
        // N = 0 or above the alphabet: today's alphabet.
        Assert.Equal(Enumerable.Range(0, Alphabet.Specs.Count), ByteCodec.DecodeWithHeader(Header(0, 0)).Header.Enabled);
        Assert.Equal(Enumerable.Range(0, Alphabet.Specs.Count), ByteCodec.DecodeWithHeader(Header(0, 255)).Header.Enabled);
    }

    [Fact]
    public void TheMachineMoodsShapeTheMachineAndNoOtherMoodDoes()
    {
        byte[] Machine(Mood mood)
        {
            var bytes = Header((byte)mood, Alphabet.Specs.Count);
            bytes[0] = ByteCodec.V2Marker | 12;             // scale 12 bits
            (bytes[1], bytes[2], bytes[3]) = (0xff, 0x0f, 0); // raw 4095
            bytes[4] = 9;                                  // cpus byte
            return bytes;
        }
        Assert.Equal(new MachineConfig(4096, 10), ByteCodec.Decode(Machine(Mood.Balanced)).Machine);
        Assert.Equal(new MachineConfig(4096, 10), ByteCodec.Decode(Machine(Mood.StaleAfterReuse)).Machine);
        Assert.Equal(new MachineConfig(Moods.SmallMachinePagesMax, 10), ByteCodec.Decode(Machine(Mood.SmallMachine)).Machine);
        Assert.Equal(new MachineConfig(4096, 1 + 9 % Moods.FewCpusMax), ByteCodec.Decode(Machine(Mood.FewCpus)).Machine);
    }

    [Fact]
    public void BitSevenOfTheCpusByteSelectsTheV1LayoutInV2HeadersOnly()
    {
        var bytes = Header((byte)Mood.Balanced, Alphabet.Specs.Count);
        bytes[0] = ByteCodec.V2Marker | 6;
        (bytes[1], bytes[2], bytes[3]) = (63, 0, 0);
        bytes[4] = ByteCodec.LayoutV1Bit | 9;
        Assert.Equal(new MachineConfig(64, 10, CgroupLayout.V1), ByteCodec.Decode(bytes).Machine);
        bytes[4] = 9;
        Assert.Equal(new MachineConfig(64, 10, CgroupLayout.V2), ByteCodec.Decode(bytes).Machine);
        // A legacy input keeps the v2 layout whatever its cpus byte: it means what it always did.
        Assert.Equal(new MachineConfig(64, 10, CgroupLayout.V2), ByteCodec.Decode(new byte[] { 6, 63, 0, 0, ByteCodec.LayoutV1Bit | 9 }).Machine);
        var v1 = TraceFormat.Parse("machine pages=64 cpus=3 cgroups=v1\ntask_fork task=0\ncgroup_create parent=1\n");
        var decoded = ByteCodec.Decode(ByteCodec.Encode(v1));
        Assert.True(ScenarioEquality.Same(v1, decoded));
        Assert.Equal(CgroupLayout.V1, decoded.Machine.Layout);
        Assert.Equal("machine pages=64 cpus=3 cgroups=v1", TraceFormat.Print(decoded).Split('\n')[0]);
    }

    [Fact]
    public void EncodeRefusesAMachineItsMoodCannotHold()
    {
        var big = new Scenario(new MachineConfig(Moods.SmallMachinePagesMax + 1, 2), []);
        Assert.Throws<ArgumentException>(() => ByteCodec.Encode(big, new Swarm(UInt128.Zero, Mood.SmallMachine)));
        var manyCpus = new Scenario(new MachineConfig(64, Moods.FewCpusMax + 1), []);
        Assert.Throws<ArgumentException>(() => ByteCodec.Encode(manyCpus, new Swarm(UInt128.Zero, Mood.FewCpus)));
    }

    [Fact]
    public void ATraceEncodesWithTheOperationsItUsesEnabledAndLegacyCodesStayModuloTheOldAlphabet()
    {
        var scenario = TraceFormat.Parse("machine pages=64 cpus=2\nkmalloc bytes=8 flags=0\nkfree obj=0\n");
        var bytes = ByteCodec.Encode(scenario);
        Assert.Equal(ByteCodec.V2Marker, bytes[0] & ByteCodec.V2Marker);
        Assert.Equal(Alphabet.Specs.Count, bytes[ByteCodec.LegacyHeaderBytes]);
        var (decoded, header) = ByteCodec.DecodeWithHeader(bytes);
        Assert.Equal([Code("kmalloc"), Code("kfree")], header.Enabled);
        Assert.True(ScenarioEquality.Same(scenario, decoded));
        // Legacy: code byte 24 + c is code c, for the 24 operations of the alphabet when v2 came.
        Assert.Equal(24, ByteCodec.LegacyAlphabetCount);
        var legacy = ByteCodec.Decode(new byte[] { 6, 63, 0, 0, 1, (byte)(24 + Code("alloc_pages")), 3 });
        Assert.Equal([Op.Of("alloc_pages", 3)], legacy.Ops);
    }

    private static int Code(string keyword) => Alphabet.ByKeyword(keyword)!.Code;

    /// <summary>A v2 header with the default machine bytes (scale 0: one page), N = count and the given codes' bits.</summary>
    private static byte[] Header(byte mood, int count, params int[] codes)
    {
        var bytes = new byte[ByteCodec.V2HeaderBytes];
        bytes[0] = ByteCodec.V2Marker;
        bytes[ByteCodec.LegacyHeaderBytes] = (byte)count;
        foreach (int code in codes) bytes[ByteCodec.LegacyHeaderBytes + 1 + code / 8] |= (byte)(1 << (code % 8));
        bytes[^1] = mood;
        return bytes;
    }
}
