using System.Numerics;
using Verify.Model.Contract;
using static Verify.Impl.WordBits;

namespace Verify.Impl.Buddy;

/// <summary>
/// A set of small integers that finds its lowest member without scanning.
/// Guarantees: level 0 holds one bit per member; bit j of level i+1 is set exactly when word j of
/// level i is non-zero; the top level is a single word. Hence FindLowest descends one word per
/// level, and Add and Remove touch at most one word per level: O(log64 capacity) each, which is
/// at most 4 levels for 2^20 members. Nothing is allocated except when Reset grows the capacity.
/// CheckConsistency verifies the summary guarantee and that no bit lies beyond the capacity.
/// </summary>
public sealed class LowestSetBitmap
{
    private const int LevelsMax = 6;
    private readonly ulong[][] _levels = new ulong[LevelsMax][];
    private readonly int[] _wordsUsed = new int[LevelsMax];
    private int _levelCount;

    public LowestSetBitmap(int capacity) => Reset(capacity);

    public int Capacity { get; private set; }

    /// <summary>Empties the set and makes room for members 0..capacity-1.</summary>
    public void Reset(int capacity)
    {
        Capacity = capacity;
        int level = 0;
        int words = Math.Max(1, WordsFor(capacity));
        while (true)
        {
            if (_levels[level] is null || _levels[level].Length < words) _levels[level] = new ulong[words];
            else Array.Clear(_levels[level], 0, Math.Max(words, _wordsUsed[level]));
            _wordsUsed[level] = words;
            level++;
            if (words == 1) break;
            words = WordsFor(words);
        }
        for (int stale = level; stale < _levelCount; stale++) Array.Clear(_levels[stale], 0, _wordsUsed[stale]);
        _levelCount = level;
    }

    public bool Contains(int member) => (_levels[0][Word(member)] & Mask(member)) != 0;

    public void Add(int member)
    {
        for (int level = 0; level < _levelCount; level++)
        {
            ref ulong word = ref _levels[level][Word(member)];
            bool wasEmpty = word == 0;
            word |= Mask(member);
            if (!wasEmpty) return;
            member = Word(member);
        }
    }

    public void Remove(int member)
    {
        for (int level = 0; level < _levelCount; level++)
        {
            ref ulong word = ref _levels[level][Word(member)];
            word &= ~Mask(member);
            if (word != 0) return;
            member = Word(member);
        }
    }

    /// <summary>The number of members: a popcount of level 0. O(capacity / 64); for checks.</summary>
    public int CountMembers()
    {
        int count = 0;
        var words = _levels[0];
        for (int w = 0; w < _wordsUsed[0]; w++) count += BitOperations.PopCount(words[w]);
        return count;
    }

    /// <summary>
    /// S1: bit j of level i+1 is set exactly when word j of level i is non-zero; level 0 has no bit
    /// at or above Capacity and every level no bit beyond its words; the top level is one word.
    /// </summary>
    public void CheckConsistency(SelfCheckReport report, string name)
    {
        if (_wordsUsed[_levelCount - 1] != 1)
        {
            // The walk below indexes each level by the word count of the one under it: stop before it reads past an array.
            report.Fail(StructureInvariant.LowestSetBitmap, $"{name}: the top level has {_wordsUsed[_levelCount - 1]} words");
            return;
        }
        int tailBits = Capacity & 63;
        if (tailBits != 0 && Capacity > 0 && (_levels[0][Word(Capacity - 1)] >> tailBits) != 0)
            report.Fail(StructureInvariant.LowestSetBitmap, $"{name}: level 0 has members at or above its capacity {Capacity}");
        for (int level = 0; level + 1 < _levelCount && !report.IsFull; level++)
        {
            var below = _levels[level];
            var above = _levels[level + 1];
            for (int word = 0; word < _wordsUsed[level]; word++)
            {
                bool summarized = (above[Word(word)] & Mask(word)) != 0;
                if (summarized != (below[word] != 0))
                    report.Fail(StructureInvariant.LowestSetBitmap,
                        $"{name}: level {level + 1} bit {word} is {(summarized ? "set" : "clear")} but level {level} word {word} is 0x{below[word]:x16}");
            }
            int usedBits = _wordsUsed[level];
            if ((usedBits & 63) != 0 && (above[_wordsUsed[level + 1] - 1] >> (usedBits & 63)) != 0)
                report.Fail(StructureInvariant.LowestSetBitmap, $"{name}: level {level + 1} has summary bits beyond the {usedBits} words of level {level}");
        }
    }

    /// <summary>The words of one level, for planted bugs that emulate a slip (test code only).</summary>
    internal ulong[] LevelWords(int level) => _levels[level];

    internal int LevelCount => _levelCount;

    /// <summary>The lowest member, or -1 when the set is empty.</summary>
    public int FindLowest()
    {
        int index = 0;
        for (int level = _levelCount - 1; level >= 0; level--)
        {
            ulong word = _levels[level][index];
            if (word == 0) return -1;
            index = (index << 6) | BitOperations.TrailingZeroCount(word);
        }
        return index;
    }
}
