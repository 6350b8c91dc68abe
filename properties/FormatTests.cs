using Verify.Fuzz.Engine;
using Verify.Fuzz.Formats;
using Verify.Fuzz.Harness;
using Verify.Model.Alphabet;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties;

/// <summary>The trace text format and the byte codec: round trips, totality, and error messages.</summary>
public sealed class FormatTests(ITestOutputHelper output)
{
    [Fact]
    public void PrintThenParseGivesTheScenarioBack() =>
        PropertyCheck.ForAll(output, nameof(PrintThenParseGivesTheScenarioBack), count: 300, opsMax: 300, scenario =>
        {
            var text = TraceFormat.Print(scenario, ["a comment"]);
            return ScenarioEquality.Same(TraceFormat.Parse(text), scenario) ? null
                : new Failure(0, "F1.trace-round-trip", $"parse(print(s)) differs from s:\n{text}");
        });

    [Fact]
    public void DecodeOfEncodeGivesTheScenarioBack() =>
        PropertyCheck.ForAll(output, nameof(DecodeOfEncodeGivesTheScenarioBack), count: 300, opsMax: 300, scenario =>
            ScenarioEquality.Same(ByteCodec.Decode(ByteCodec.Encode(scenario)), scenario) ? null
                : new Failure(0, "F2.codec-round-trip", "decode(encode(s)) differs from s"));

    [Fact]
    public void EveryByteStringDecodesAndReencodesStably()
    {
        ulong seed = Profile.SeedFor(nameof(EveryByteStringDecodesAndReencodesStably));
        output.WriteLine($"seed {seed}");
        var random = new SplitMix64(seed);
        for (int i = 0; i < Profile.Scale(2000); i++)
        {
            var bytes = new byte[random.Range(0, 600)];
            for (int b = 0; b < bytes.Length; b++) bytes[b] = (byte)random.Next();
            var scenario = ByteCodec.Decode(bytes);
            Assert.True(scenario.Machine.Validate() is null, $"input {i} (seed {seed}): decoded machine is invalid: {scenario.Machine.Validate()}");
            Assert.True(scenario.Ops.Count <= Scenario.OpsMax, $"input {i} (seed {seed}): {scenario.Ops.Count} ops decoded, above the cap {Scenario.OpsMax}");
            Assert.True(ScenarioEquality.Same(ByteCodec.Decode(ByteCodec.Encode(scenario)), scenario), $"input {i} (seed {seed}) re-encodes differently");
        }
    }

    [Fact]
    public void AnOversizedInputIsTruncatedAtTheOperationCap()
    {
        var bytes = new byte[ByteCodec.LegacyHeaderBytes + 10 * Scenario.OpsMax * 4];
        var scenario = ByteCodec.Decode(bytes);
        Assert.Equal(Scenario.OpsMax, scenario.Ops.Count);
    }

    [Theory]
    [InlineData("machine pages=8 cpus=1\nalloc_pagez order=1\n", 2, 1, "unknown operation 'alloc_pagez'")]
    [InlineData("machine pages=8 cpus=1\nalloc_pages order=x1\n", 2, 19, "'x1' is not a number")]
    [InlineData("machine pages=8 cpus=1\n  alloc_pages\n", 2, 15, "missing argument 'order'")]
    [InlineData("machine pages=8 cpus=1\nalloc_pages size=1\n", 2, 13, "expected 'order=<number>'")]
    [InlineData("machine pages=8 cpus=1\nalloc_pages order=13\n", 2, 19, "outside 0..12")]
    [InlineData("machine pages=8 cpus=1\nalloc_pages order=1 order=2\n", 2, 21, "takes 1 argument")]
    [InlineData("# nothing\nalloc_pages order=1\n", 2, 1, "expected 'machine pages=N cpus=N'")]
    [InlineData("machine pages=0 cpus=1\n", 1, 15, "outside 1..1048576")]
    [InlineData("machine pages=8 cpus=1 cgroups=v3\n", 1, 32, "'v3' is not a cgroup layout (expected v1 or v2)")]
    [InlineData("machine pages=8 cpus=1 cgroups=v1 x=1\n", 1, 35, "takes 2 argument")]
    public void BadTracesGiveOneLineErrorsWithFileLineAndColumn(string text, int line, int column, string fragment)
    {
        var error = Assert.Throws<InputException>(() => TraceFormat.Parse(text, "t.trace"));
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.StartsWith($"t.trace:{line}:{column}: ", error.Message);
        Assert.Contains(fragment, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void CommentsAndBlankLinesAreIgnored()
    {
        var scenario = TraceFormat.Parse("# header\n\nmachine pages=16 cpus=2   # trailing\n\talloc_pages order=2 # why\n\n");
        Assert.Equal(16, scenario.Machine.Pages);
        Assert.Equal([Op.Of("alloc_pages", 2)], scenario.Ops);
    }
}
