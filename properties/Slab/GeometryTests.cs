using Verify.Impl;
using Verify.Model;
using Verify.Model.Contract;
using Verify.Model.Slab;
using Verify.Properties.Support;
using Xunit.Abstractions;

namespace Verify.Properties.Slab;

/// <summary>
/// SLUB geometry against real kernels. Data/slabinfo-6.18-cpus2.txt is /proc/slabinfo of a 6.18
/// kernel on 2 CPUs (nproc 2). The check covers every cache in the file: the objsize column is
/// s->size with whatever metadata the cache carries, and the order depends only on s->size and the
/// CPU count. The one exclusion: a live file is skipped when the kernel was booted with a slub_
/// parameter (slub_debug, slub_min_order, slub_max_order, slub_min_objects), which changes orders.
/// </summary>
[Trait("Category", Profile.MutationCategory)]
public sealed class GeometryTests(ITestOutputHelper output)
{
    internal const int RecordedCpus = 2;
    internal static readonly string RecordedPath = Path.Combine(RepoPaths.Root, "properties", "Slab", "Data", "slabinfo-6.18-cpus2.txt");

    /// <summary>One cache of a /proc/slabinfo file: name, objsize (s->size), objperslab, pagesperslab.</summary>
    internal sealed record Line(string Name, int SizeBytes, int ObjectsPerSlab, int PagesPerSlab);

    internal static List<Line> Parse(string text) => text.Split('\n')
        .Where(line => line.Length > 0 && !line.StartsWith("slabinfo") && !line.StartsWith('#'))
        .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Select(f => new Line(f[0], int.Parse(f[3]), int.Parse(f[4]), int.Parse(f[5])))
        .ToList();

    private static List<string> Mismatches(IEnumerable<Line> lines, int cpus) => lines
        .Select(line => (line, geometry: SlabGeometry.ForSize(line.SizeBytes, cpus)))
        .Where(p => p.geometry.ObjectsPerSlab != p.line.ObjectsPerSlab || p.geometry.PagesPerSlab != p.line.PagesPerSlab)
        .Select(p => $"{p.line.Name} objsize {p.line.SizeBytes}: real {p.line.ObjectsPerSlab} objects in {p.line.PagesPerSlab} pages, ours {p.geometry.ObjectsPerSlab} in {p.geometry.PagesPerSlab}")
        .ToList();

    [Fact]
    public void TheGoldenValuesFor8CpusHold()
    {
        (int Size, int Order, int Objects)[] golden = [(8, 0, 512), (96, 0, 42), (192, 0, 21), (256, 1, 32), (512, 2, 32), (1024, 3, 32), (2048, 3, 16), (4096, 3, 8), (8192, 3, 4)];
        foreach (var (size, order, objects) in golden)
            Assert.Equal((order, objects), (SlabGeometry.ForSize(size, 8).Order, SlabGeometry.ForSize(size, 8).ObjectsPerSlab));
        Assert.Equal(20, SlabGeometry.MinObjects(8));
    }

    [Fact]
    public void SizesAndMinPartialFollowTheRules()
    {
        Assert.Equal(128, SlabGeometry.AlignedSize(100, 0, SlabFlags.HwcacheAlign));
        Assert.Equal(32, SlabGeometry.AlignedSize(20, 0, SlabFlags.HwcacheAlign)); // the line halves while size <= align / 2
        Assert.Equal(24, SlabGeometry.AlignedSize(20, 0, SlabFlags.None));
        Assert.Equal(64, SlabGeometry.AlignedSize(24, 64, SlabFlags.None));
        Assert.Equal(5, SlabGeometry.MinPartial(8));
        Assert.Equal(6, SlabGeometry.MinPartial(4096));
        Assert.Equal(7, SlabGeometry.MinPartial(32768));
    }

    [Fact]
    public void EveryCacheOfTheRecordedSlabinfoHasOurGeometry()
    {
        var lines = Parse(File.ReadAllText(RecordedPath));
        Assert.True(lines.Count > 200, $"{RecordedPath} has only {lines.Count} caches");
        var wrong = Mismatches(lines, RecordedCpus);
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void TheSetupCachesListWhatTheRecordedKernelLists()
    {
        var real = Parse(File.ReadAllText(RecordedPath)).ToDictionary(line => line.Name);
        foreach (IKernel kernel in new IKernel[] { new ModelKernel(new MachineConfig(64, RecordedCpus)), new ImplKernel(new MachineConfig(64, RecordedCpus)) })
        {
            var setup = kernel.TakeSnapshot().SlabCaches.Where(c => c.Id < SlabLayout.FirstUserCacheId).ToList();
            Assert.Equal(SlabLayout.FirstUserCacheId, setup.Count);
            foreach (var cache in setup)
            {
                Assert.True(real.TryGetValue(cache.Name, out var line), $"{cache.Name} is not in the recorded slabinfo");
                Assert.Equal((line.SizeBytes, line.ObjectsPerSlab, line.PagesPerSlab), (cache.SizeBytes, cache.ObjectsPerSlab, cache.PagesPerSlab));
            }
        }
    }

    [Fact]
    public void TheLiveSlabinfoHasOurGeometryWhenReadable()
    {
        string text;
        try { text = File.ReadAllText("/proc/slabinfo"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            output.WriteLine($"no readable /proc/slabinfo ({e.GetType().Name}): only the recorded file is checked");
            return;
        }
        if (File.Exists("/proc/cmdline") && File.ReadAllText("/proc/cmdline").Contains("slub_"))
        {
            output.WriteLine("the kernel was booted with a slub_ parameter: its orders are not the defaults; skipped");
            return;
        }
        int cpus = PresentCpus();
        var lines = Parse(text);
        output.WriteLine($"live /proc/slabinfo: {lines.Count} caches, {cpus} present CPUs");
        var wrong = Mismatches(lines, cpus);
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    /// <summary>num_present_cpus() from /sys/devices/system/cpu/present ("0-7", "0,2-3"), else the process's CPU count.</summary>
    private static int PresentCpus()
    {
        const string path = "/sys/devices/system/cpu/present";
        if (!File.Exists(path)) return Environment.ProcessorCount;
        int count = 0;
        foreach (var range in File.ReadAllText(path).Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var bounds = range.Split('-');
            count += bounds.Length == 2 ? int.Parse(bounds[1]) - int.Parse(bounds[0]) + 1 : 1;
        }
        return count;
    }
}
