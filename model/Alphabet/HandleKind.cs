namespace Verify.Model.Alphabet;

/// <summary>The kinds of live objects an operation can refer to. Each kind has its own pool of handles.</summary>
public enum HandleKind : byte
{
    /// <summary>A run of pages from AllocPages or AllocPagesExact.</summary>
    PageRun = 0,
}
