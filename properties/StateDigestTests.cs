using Verify.Model.Contract;
using Verify.Model.Slab;
using Verify.Properties.Support;

namespace Verify.Properties;

/// <summary>
/// StateDigest's promise, "different digests prove different states", is only as good as its
/// sensitivity: the cheap check compares model and impl digests alone, and both sides call the
/// same functions, so a field that stops entering a term would hide every difference in it from
/// that check. Here every argument of every term, varied alone over a few values of its real
/// range (0 to 4095; bools both ways), gives a different digest each time, and the terms of
/// different kinds at the same arguments differ from each other (their tags).
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class StateDigestTests
{
    private static readonly long[] Values = [0, 1, 2, 3, 100, 4095];

    /// <summary>A term: its name, its arguments ('l' a number, 'b' a bool) and how the digest is asked for them.</summary>
    private sealed record Term(string Name, string Arguments, Func<long[], ulong> Digest);

    private static bool B(long value) => value != 0;

    private static readonly Term[] Terms =
    [
        new("FreeBlock", "ll", a => StateDigest.FreeBlock(a[0], (int)a[1])),
        new("Allocation", "lll", a => StateDigest.Allocation(a[0], a[1], (AllocationKind)a[2])),
        new("SlabCache", "lllllllb", a => StateDigest.SlabCache((int)a[0], (int)a[1], (SlabFlags)a[2],
            new CacheGeometry((int)a[3], (int)a[4], (int)a[5], (int)a[6], (int)(a[6] % 10)), B(a[7]))),
        new("SlabCacheMinOrder", "l", a => StateDigest.SlabCache(1, 64, 0, new CacheGeometry(64, 0, 64, 5, (int)a[0]), false)),
        new("Slab", "ll", a => StateDigest.Slab(a[0], (int)a[1])),
        new("SlabObject", "llb", a => StateDigest.SlabObject(a[0], (int)a[1], B(a[2]))),
        new("LargeKmalloc", "ll", a => StateDigest.LargeKmalloc(a[0], (int)a[1])),
        new("VmallocArea", "ll", a => StateDigest.VmallocArea(a[0], (int)a[1])),
        new("Dentry", "llll", a => StateDigest.Dentry(a[0], a[1], a[2], (int)a[3])),
        new("Cgroup", "lllbllbl", a => StateDigest.Cgroup(a[0], a[1], (int)a[2], B(a[3]), a[4], a[5], a[7], B(a[6]))),
        new("PidsUnit", "l", a => StateDigest.PidsUnit(a[0])),
        new("TasksUnit", "l", a => StateDigest.TasksUnit(a[0])),
        new("Task", "llllll", a => StateDigest.Task(a[0], a[1], a[2], a[3], (int)a[4], (int)a[5] - 1000)),
        new("Memcg", "lllllllllbbb", a => StateDigest.Memcg(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], B(a[9]), B(a[10]), B(a[11]))),
        new("MmRecord", "llll", a => StateDigest.MmRecord(a[0], a[1], a[2], a[3])),
        new("Forkbomb", "bllllb", a => StateDigest.Forkbomb(new ForkbombInfo(B(a[0]), a[1], a[2], a[3], a[4], B(a[5])))),
        new("MemcgOom", "lllllll", a => StateDigest.MemcgOom(a[0], new OomEvents(a[1], a[2], a[3], a[4], a[5], a[6]))),
        new("Socket", "lllb", a => StateDigest.Socket(a[0], a[1], (int)a[2], B(a[3]))),
        new("SocketPage", "ll", a => StateDigest.SocketPage(a[0], a[1])),
        new("KernelCharge", "llll", a => StateDigest.KernelCharge((KernelChargeKind)a[0], a[1], a[2], a[3])),
        new("UserPage", "lbll", a => StateDigest.UserPage(a[0], B(a[1]), a[2], a[3])),
        new("PageTable", "ll", a => StateDigest.PageTable(a[0], a[1])),
        new("Pool", "ll", a => StateDigest.Pool(a[0], (PoolFlags)a[1])),
        new("PoolArea", "llllb", a => StateDigest.PoolArea(a[0], a[1], (int)a[2], (int)a[3], B(a[4]))),
        new("PoolObject", "llllll", a => StateDigest.PoolObject(a[0], a[1], a[2], (int)a[3], (int)a[4], a[5])),
        new("Current", "ll", a => StateDigest.Current(a[0], (int)a[1])),
    ];

    public static TheoryData<string> TermNames() => [.. Terms.Select(t => t.Name)];

    /// <summary>Every argument at 5 (bools true) but one.</summary>
    private static long[] Base(Term term) => [.. term.Arguments.Select(kind => kind == 'b' ? 1L : 5L)];

    [Theory, MemberData(nameof(TermNames))]
    public void EveryArgumentEntersTheDigest(string name)
    {
        var term = Terms.Single(t => t.Name == name);
        for (int i = 0; i < term.Arguments.Length; i++)
        {
            var values = term.Arguments[i] == 'b' ? [0L, 1L] : Values;
            var seen = new Dictionary<ulong, long>();
            foreach (long value in values)
            {
                long[] arguments = Base(term);
                arguments[i] = value;
                ulong digest = term.Digest(arguments);
                Assert.False(seen.TryGetValue(digest, out long earlier),
                    $"{name}: argument {i} at {value} gives the digest it gave at {earlier} (0x{digest:x16})");
                seen[digest] = value;
            }
        }
    }

    [Fact]
    public void TermsOfDifferentKindsDiffer()
    {
        foreach (long value in Values)
        {
            var seen = new Dictionary<ulong, string>();
            foreach (var term in Terms.Where(t => t.Name != "SlabCacheMinOrder"))
            {
                ulong digest = term.Digest([.. term.Arguments.Select(kind => kind == 'b' ? value & 1 : value)]);
                Assert.False(seen.TryGetValue(digest, out string? other), $"{term.Name} and {other} give the same digest with every argument at {value}");
                seen[digest] = term.Name;
            }
        }
    }

    /// <summary>
    /// A term binds all of its element's fields together: two elements that trade some fields
    /// between them give a different sum. A term written as a sum of two Mixes, one of them without
    /// the element's id, would not: a value written to the wrong object, or events counted on the
    /// wrong group, would leave the digest unchanged.
    /// </summary>
    [Fact]
    public void ElementsTradingOnePartOfTheirTermsChangeTheDigest()
    {
        AssertTradeSeen("mm_record parent and pid", StateDigest.MmRecord(1, 7, 20, 300) + StateDigest.MmRecord(2, 8, 21, 400),
            StateDigest.MmRecord(1, 8, 21, 300) + StateDigest.MmRecord(2, 7, 20, 400));
        AssertTradeSeen("mm_record birth time", StateDigest.MmRecord(1, 7, 20, 300) + StateDigest.MmRecord(2, 8, 21, 400),
            StateDigest.MmRecord(1, 7, 20, 400) + StateDigest.MmRecord(2, 8, 21, 300));
        var events = new OomEvents(3, 2, 1, 6, 5, 4);
        var others = new OomEvents(13, 12, 11, 16, 15, 14);
        AssertTradeSeen("memory.events", StateDigest.MemcgOom(1, events) + StateDigest.MemcgOom(2, others),
            StateDigest.MemcgOom(1, events with { Oom = 13, OomKill = 12, OomGroupKill = 11 }) + StateDigest.MemcgOom(2, others with { Oom = 3, OomKill = 2, OomGroupKill = 1 }));
        AssertTradeSeen("memory.events.local", StateDigest.MemcgOom(1, events) + StateDigest.MemcgOom(2, others),
            StateDigest.MemcgOom(1, events with { LocalOom = 16, LocalOomKill = 15, LocalOomGroupKill = 14 }) + StateDigest.MemcgOom(2, others with { LocalOom = 6, LocalOomKill = 5, LocalOomGroupKill = 4 }));
        AssertTradeSeen("pool object place", StateDigest.PoolObject(1, 1, 1, 0, 8, 55) + StateDigest.PoolObject(2, 1, 2, 16, 32, 66),
            StateDigest.PoolObject(1, 1, 2, 16, 32, 55) + StateDigest.PoolObject(2, 1, 1, 0, 8, 66));
        AssertTradeSeen("pool object value", StateDigest.PoolObject(1, 1, 1, 0, 8, 55) + StateDigest.PoolObject(2, 1, 2, 16, 32, 66),
            StateDigest.PoolObject(1, 1, 1, 0, 8, 66) + StateDigest.PoolObject(2, 1, 2, 16, 32, 55));
    }

    private static void AssertTradeSeen(string part, ulong before, ulong traded) =>
        Assert.True(before != traded, $"two elements trading their {part} leave the digest at 0x{before:x16}");

    /// <summary>
    /// Mix is the splitmix64 finalizer, a bijection: undoing each of its steps (shift-XORs by
    /// repeated application, multiplications by the constant's inverse modulo 2^64) gives every
    /// input back.
    /// </summary>
    [Fact]
    public void MixIsABijection()
    {
        // Small numbers, single bits, and 4096 multiples of the golden-ratio constant (spread over all 64 bits).
        var inputs = Enumerable.Range(0, 256).Select(i => (ulong)i)
            .Concat(Enumerable.Range(0, 64).Select(i => 1UL << i))
            .Concat(Enumerable.Range(1, 4096).Select(i => (ulong)i * 0x9E3779B97F4A7C15UL));
        foreach (ulong x in inputs)
            Assert.True(Unmix(StateDigest.Mix(x)) == x, $"Mix(0x{x:x16}) = 0x{StateDigest.Mix(x):x16} does not undo to its input");
    }

    private static ulong Unmix(ulong x)
    {
        x = UndoShiftXor(x, 31);
        x *= Inverse(0x94D049BB133111EBUL);
        x = UndoShiftXor(x, 27);
        x *= Inverse(0xBF58476D1CE4E5B9UL);
        return UndoShiftXor(x, 30);
    }

    /// <summary>y = x ^ (x >> shift) gives x back: each pass fixes another shift's worth of high bits.</summary>
    private static ulong UndoShiftXor(ulong y, int shift)
    {
        ulong x = y;
        for (int fixedBits = shift; fixedBits < 64; fixedBits += shift) x = y ^ (x >> shift);
        return x;
    }

    /// <summary>The inverse of an odd number modulo 2^64 by Newton's iteration (each step doubles the correct low bits).</summary>
    private static ulong Inverse(ulong odd)
    {
        ulong inverse = odd;
        for (int i = 0; i < 6; i++) inverse *= 2 - odd * inverse;
        Assert.Equal(1UL, odd * inverse);
        return inverse;
    }

    /// <summary>Mix is the splitmix64 finalizer, a bijection: a few thousand consecutive and spread inputs never meet.</summary>
    [Fact]
    public void MixSeparatesItsInputs()
    {
        var inputs = Enumerable.Range(0, 4096).Select(i => (ulong)i).Concat(Enumerable.Range(0, 64).Select(i => 1UL << i)).Distinct().ToList();
        Assert.Equal(inputs.Count, inputs.Select(StateDigest.Mix).Distinct().Count());
        Assert.NotEqual(0UL, StateDigest.Mix(1));
    }
}
