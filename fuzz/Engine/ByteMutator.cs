namespace Verify.Fuzz.Engine;

/// <summary>Havoc-style byte mutations of corpus inputs: flips, overwrites, inserts, deletes, duplications and splices.</summary>
public static class ByteMutator
{
    /// <summary>Mutated inputs never grow beyond this many bytes.</summary>
    public const int InputBytesMax = 16 << 10;

    public static byte[] Mutate(ref SplitMix64 random, byte[] input, IReadOnlyList<byte[]> corpus)
    {
        var bytes = new List<byte>(input);
        int mutations = (int)random.Range(1, 8);
        for (int m = 0; m < mutations; m++)
        {
            switch (random.Range(0, 5))
            {
                case 0 when bytes.Count > 0:
                    int flip = (int)random.Range(0, bytes.Count - 1);
                    bytes[flip] ^= (byte)(1 << (int)random.Range(0, 7));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[(int)random.Range(0, bytes.Count - 1)] = (byte)random.Next();
                    break;
                case 2:
                    int at = (int)random.Range(0, bytes.Count);
                    int length = (int)random.Range(1, 16);
                    for (int i = 0; i < length; i++) bytes.Insert(at, (byte)random.Next());
                    break;
                case 3 when bytes.Count > 1:
                    int from = (int)random.Range(0, bytes.Count - 1);
                    bytes.RemoveRange(from, (int)random.Range(1, Math.Min(32, bytes.Count - from)));
                    break;
                case 4 when bytes.Count > 1:
                    int start = (int)random.Range(0, bytes.Count - 1);
                    var chunk = bytes.GetRange(start, (int)random.Range(1, Math.Min(64, bytes.Count - start)));
                    bytes.InsertRange((int)random.Range(0, bytes.Count), chunk);
                    break;
                default:
                    if (corpus.Count == 0) break;
                    var other = corpus[(int)random.Range(0, corpus.Count - 1)];
                    int cut = (int)random.Range(0, bytes.Count), otherCut = (int)random.Range(0, other.Length);
                    bytes.RemoveRange(cut, bytes.Count - cut);
                    bytes.AddRange(other.Skip(otherCut));
                    break;
            }
        }
        if (bytes.Count > InputBytesMax) bytes.RemoveRange(InputBytesMax, bytes.Count - InputBytesMax);
        return bytes.ToArray();
    }
}
