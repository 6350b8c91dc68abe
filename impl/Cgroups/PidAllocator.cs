using System.Numerics;
using System.Runtime.CompilerServices;
using Verify.Model.Contract;
using static Verify.Impl.WordBits;
using static Verify.Model.Contract.KernelConstants;

namespace Verify.Impl.Cgroups;

/// <summary>
/// The pids in use and alloc_pid's cyclic cursor (idr_alloc_cyclic), as the model's AllocPid:
/// the next pid is the first free one at or after the cursor, else the first free one from the
/// start, where the start is RESERVED_PIDS once the cursor has passed it and 1 before; taking a
/// pid moves the cursor past it even if the caller then gives it up.
/// Guarantees: bit p of the used words is set exactly for the pids in use (all below PidMax);
/// bit w of the summary is set exactly when used word w is full, so a search skips 4096 used
/// pids per summary word: Next is O(1) when the pid after the cursor is free and O(PidMax / 4096)
/// at worst. Use and Release touch one word and one summary bit. Reset clears only the words
/// (PidMax / 64 of them) and keeps the arrays. CheckConsistency verifies the summary and that no
/// pid at or above PidMax is used.
/// </summary>
public sealed class PidAllocator
{
    private ulong[] _used = new ulong[WordsFor(PidMax(CpusMin))];
    private ulong[] _full = new ulong[WordsFor(WordsFor(PidMax(CpusMin)))];
    private int _words;

    public int PidMaxValue { get; private set; }

    /// <summary>The model's cursor: where the next search starts.</summary>
    public int Cursor { get; private set; }

    public int UsedCount { get; private set; }

    /// <summary>No pid in use, pid_max for that many CPUs (a multiple of 64), the cursor at 1.</summary>
    public void Reset(int cpus)
    {
        Array.Clear(_used, 0, _words);
        Array.Clear(_full, 0, WordsFor(_words));
        PidMaxValue = PidMax(cpus);
        _words = WordsFor(PidMaxValue);
        if (_used.Length < _words)
        {
            _used = new ulong[_words];
            _full = new ulong[WordsFor(_words)];
        }
        Cursor = 1;
        UsedCount = 0;
    }

    /// <summary>The next pid as alloc_pid takes it, moving the cursor past it; -1 when every pid is in use (the cursor stays). The pid is not marked used: Use does that.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Next()
    {
        int start = Cursor > ReservedPids ? ReservedPids : 1;
        int pid = FirstFree(Math.Max(start, Cursor));
        if (pid < 0) pid = FirstFree(start);
        if (pid < 0) return -1;
        Cursor = pid + 1;
        return pid;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsUsed(long pid) => (ulong)pid < (ulong)PidMaxValue && (_used[Word((int)pid)] & Mask((int)pid)) != 0;

    /// <summary>Marks a free pid below PidMax used.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Use(int pid)
    {
        ref ulong word = ref _used[Word(pid)];
        word |= Mask(pid);
        if (word == ulong.MaxValue) _full[Word(Word(pid))] |= Mask(Word(pid));
        UsedCount++;
    }

    /// <summary>Marks a used pid free.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Release(int pid)
    {
        ref ulong word = ref _used[Word(pid)];
        if (word == ulong.MaxValue) _full[Word(Word(pid))] &= ~Mask(Word(pid));
        word &= ~Mask(pid);
        UsedCount--;
    }

    /// <summary>The lowest used pid at or above from, or -1: for listing tasks in pid order (O(PidMax / 64) for a whole pass).</summary>
    public int NextUsed(int from)
    {
        if (from >= PidMaxValue) return -1;
        int w = Word(from);
        ulong word = _used[w] & (ulong.MaxValue << (from & 63));
        while (word == 0)
        {
            if (++w >= _words) return -1;
            word = _used[w];
        }
        return (w << 6) | BitOperations.TrailingZeroCount(word);
    }

    /// <summary>The lowest free pid at or above from and below PidMax, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FirstFree(int from)
    {
        if (from >= PidMaxValue) return -1;
        int w = Word(from);
        ulong taken = _used[w] | (Mask(from) - 1);
        if (taken != ulong.MaxValue) return (w << 6) | BitOperations.TrailingZeroCount(~taken);
        return FirstFreeAfterWord(w);
    }

    /// <summary>Word w is full from the search's start on: the first free pid of the next word that is not full, found through the summary.</summary>
    private int FirstFreeAfterWord(int w)
    {
        int next = w + 1;
        for (int s = Word(next); (s << 6) < _words; s++)
        {
            ulong notFull = ~_full[s];
            if (s == Word(next)) notFull &= ulong.MaxValue << (next & 63);
            if (notFull == 0) continue;
            int freeWord = (s << 6) | BitOperations.TrailingZeroCount(notFull);
            if (freeWord >= _words) return -1;
            return (freeWord << 6) | BitOperations.TrailingZeroCount(~_used[freeWord]);
        }
        return -1;
    }

    /// <summary>The invariant's name: each summary bit is set exactly when its word is full, no summary bit lies beyond the words, the cursor is in 1..PidMax and UsedCount is the popcount.</summary>
    public void CheckConsistency(SelfCheckReport report, string invariant)
    {
        int count = 0;
        for (int w = 0; w < _words && !report.IsFull; w++)
        {
            count += BitOperations.PopCount(_used[w]);
            bool summarized = (_full[Word(w)] & Mask(w)) != 0;
            if (summarized != (_used[w] == ulong.MaxValue))
                report.Fail(invariant, $"pid bitmap: summary bit {w} is {(summarized ? "set" : "clear")} but pids {w << 6}..{(w << 6) + 63} are 0x{_used[w]:x16}");
        }
        int summaryWords = WordsFor(_words);
        if ((_words & 63) != 0 && (_full[summaryWords - 1] >> (_words & 63)) != 0)
            report.Fail(invariant, $"pid bitmap: summary bits beyond its {_words} words");
        if (count != UsedCount) report.Fail(invariant, $"pid bitmap: {count} pids are marked used but the count says {UsedCount}");
        if (Cursor < 1 || Cursor > PidMaxValue) report.Fail(invariant, $"pid cursor {Cursor} is outside 1..{PidMaxValue}");
    }
}
