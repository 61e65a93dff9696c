namespace Fixpoint.Fuzz;

/// <summary>
/// A deterministic mutator in the style of libFuzzer's: each input is a corpus file with a few of bit flips,
/// byte and block changes, inserted "interesting" numbers (0, −1, 2³¹ − 1, 1e308, NaN as text), truncation
/// and splices of two files. The seed fixes the whole sequence, so a crash reproduces from its seed.
/// </summary>
internal sealed class Mutator(IReadOnlyList<byte[]> corpus, ulong seed)
{
    private ulong _state = seed * 0x9E3779B97F4A7C15UL + 1;

    private static readonly byte[][] Tokens =
    [
        "0"u8.ToArray(), "-1"u8.ToArray(), "2147483647"u8.ToArray(), "99999999999"u8.ToArray(), "1e308"u8.ToArray(), "-1e308"u8.ToArray(),
        "NaN"u8.ToArray(), "\"a\""u8.ToArray(), "[]"u8.ToArray(), "{}"u8.ToArray(), ","u8.ToArray(), "null"u8.ToArray(), "true"u8.ToArray(),
        "\"layers.-1.weight\""u8.ToArray(), "\"depth\": \"1000000000\""u8.ToArray(), "1e9"u8.ToArray(), [0xff, 0xfe], [0, 0, 0, 0], [0xff, 0xff, 0xff, 0x7f],
        [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0x0e], [0x08], [0x1f, 0x8b],
    ];

    private ulong NextRandom()
    {
        // splitmix64: small, fast and well mixed, enough to drive mutations.
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private int Below(int n) => n <= 1 ? 0 : (int)(NextRandom() % (ulong)n);

    public byte[] Next()
    {
        var data = new List<byte>(corpus[Below(corpus.Count)]);
        int steps = 1 + Below(4);
        for (int s = 0; s < steps; s++)
        {
            int at = Below(data.Count + 1);
            switch (Below(8))
            {
                case 0 when data.Count > 0: data[Math.Min(at, data.Count - 1)] ^= (byte)(1 << Below(8)); break;
                case 1 when data.Count > 0: data[Math.Min(at, data.Count - 1)] = (byte)NextRandom(); break;
                case 2: data.InsertRange(at, Tokens[Below(Tokens.Length)]); break;
                case 3 when data.Count > 0:
                    {
                        int len = Math.Min(1 + Below(16), data.Count - Math.Min(at, data.Count - 1));
                        data.RemoveRange(Math.Min(at, data.Count - 1), len);
                        break;
                    }
                case 4: if (at < data.Count) data.RemoveRange(at, data.Count - at); break;
                case 5:
                    {
                        byte[] other = corpus[Below(corpus.Count)];
                        int from = Below(other.Length + 1);
                        data.InsertRange(at, other.Skip(from).Take(1 + Below(64)));
                        break;
                    }
                case 6 when data.Count > 0:
                    {
                        // Replace a digit run with a token: offsets, shapes, counts and lengths at their edges.
                        int i = Math.Min(at, data.Count - 1);
                        while (i < data.Count && !char.IsAsciiDigit((char)data[i])) i++;
                        int j = i;
                        while (j < data.Count && char.IsAsciiDigit((char)data[j])) j++;
                        if (i < data.Count) { data.RemoveRange(i, j - i); data.InsertRange(i, Tokens[Below(6)]); }
                        break;
                    }
                default:
                    if (data.Count >= 8) data[Below(8)] = (byte)NextRandom();
                    break;
            }
        }
        return [.. data];
    }
}
