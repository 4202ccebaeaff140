using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace NarrativeMonitor.Ingest.NearDuplicates;

/// <summary>
/// A MinHash signature of a text's word shingles, and its locality-sensitive bands.
/// </summary>
/// <remarks>
/// <para>The body is folded as for the content hash (NFKC, lower case, runs of letters and digits), cut into overlapping
/// shingles of <see cref="ShingleWords"/> words, and each shingle hashed (FNV-1a 64, then <see cref="HashCount"/>
/// seeded mixes); the signature keeps each mix's minimum. Two signatures agree in a position with probability equal to
/// the Jaccard similarity of the shingle sets, so the share of agreeing positions estimates it.</para>
/// <para>Why MinHash and not SimHash: a republished wire story with a paragraph appended keeps about 0.75-0.85 of its
/// shingles, which a 64-bit SimHash puts 8-12 bits away, beyond the 3 bits that 4 bands of 16 find; MinHash bands can
/// be tuned to find Jaccard 0.5 almost surely (<see cref="Bands"/> bands of <see cref="RowsPerBand"/>: a pair at 0.5
/// shares at least one band with probability 1 - (1 - 0.5^3)^40 = 0.995, at 0.2 with probability 0.28, and candidates
/// are then checked against the whole signature).</para>
/// <para>Hashes are stable across processes and machines (no randomized string hashing), so replicas share the index.</para>
/// </remarks>
public sealed class MinHashSignature
{
    public const int ShingleWords = 3;
    public const int Bands = 40;
    public const int RowsPerBand = 3;
    public const int HashCount = Bands * RowsPerBand;

    /// <summary>Texts with fewer shingles than this (about a dozen words) are too short to call near-duplicates.</summary>
    public const int MinShingles = 10;

    private static readonly ulong[] Seeds = CreateSeeds();

    private readonly uint[] _values;

    private MinHashSignature(uint[] values, int shingles)
    {
        _values = values;
        ShingleCount = shingles;
    }

    /// <summary>How many distinct shingles the text had (0 for a signature read back from a store).</summary>
    public int ShingleCount { get; }

    public ReadOnlySpan<uint> Values => _values;

    /// <summary>The signature of <paramref name="text"/>, or null when it has fewer than <see cref="MinShingles"/> shingles.</summary>
    public static MinHashSignature? Compute(string text)
    {
        var words = FoldedWords(text);
        if (words.Count < ShingleWords)
        {
            return null;
        }

        var shingles = new HashSet<ulong>();
        for (var i = 0; i + ShingleWords <= words.Count; i++)
        {
            var hash = 14695981039346656037UL;
            for (var j = 0; j < ShingleWords; j++)
            {
                foreach (var c in words[i + j])
                {
                    hash = (hash ^ c) * 1099511628211UL;
                }

                hash = (hash ^ ' ') * 1099511628211UL;
            }

            shingles.Add(hash);
        }

        if (shingles.Count < MinShingles)
        {
            return null;
        }

        var values = new uint[HashCount];
        Array.Fill(values, uint.MaxValue);
        foreach (var shingle in shingles)
        {
            for (var k = 0; k < HashCount; k++)
            {
                var mixed = (uint)(Mix(shingle ^ Seeds[k]) >> 32);
                if (mixed < values[k])
                {
                    values[k] = mixed;
                }
            }
        }

        return new MinHashSignature(values, shingles.Count);
    }

    /// <summary>The share of positions in which the two signatures agree: an estimate of the shingles' Jaccard similarity.</summary>
    public double Similarity(MinHashSignature other)
    {
        var agree = 0;
        for (var k = 0; k < HashCount; k++)
        {
            if (_values[k] == other._values[k])
            {
                agree++;
            }
        }

        return (double)agree / HashCount;
    }

    /// <summary>One token per band, "{band}:{16 hex digits}": two texts sharing a token are candidate near-duplicates.</summary>
    public IReadOnlyList<string> BandTokens()
    {
        var tokens = new string[Bands];
        for (var b = 0; b < Bands; b++)
        {
            var hash = (ulong)b;
            for (var r = 0; r < RowsPerBand; r++)
            {
                hash = Mix(hash ^ _values[b * RowsPerBand + r]);
            }

            tokens[b] = b.ToString(CultureInfo.InvariantCulture) + ":" + hash.ToString("x16", CultureInfo.InvariantCulture);
        }

        return tokens;
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[HashCount * sizeof(uint)];
        for (var k = 0; k < HashCount; k++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(k * sizeof(uint)), _values[k]);
        }

        return bytes;
    }

    public static MinHashSignature FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != HashCount * sizeof(uint))
        {
            throw new FormatException($"A MinHash signature has {HashCount * sizeof(uint)} bytes, not {bytes.Length}.");
        }

        var values = new uint[HashCount];
        for (var k = 0; k < HashCount; k++)
        {
            values[k] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(k * sizeof(uint))..]);
        }

        return new MinHashSignature(values, 0);
    }

    private static List<string> FoldedWords(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var rune in text.Normalize(NormalizationForm.FormKC).EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune))
            {
                current.Append(Rune.ToLowerInvariant(rune).ToString());
            }
            else if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
            {
                // accents and stress marks stay inside the word
            }
            else if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    // SplitMix64's finalizer: a fast, well-distributed 64-bit mix.
    private static ulong Mix(ulong x)
    {
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return x;
    }

    private static ulong[] CreateSeeds()
    {
        var seeds = new ulong[HashCount];
        var state = 0x9E3779B97F4A7C15UL;
        for (var k = 0; k < HashCount; k++)
        {
            state += 0x9E3779B97F4A7C15UL;
            seeds[k] = Mix(state);
        }

        return seeds;
    }
}
