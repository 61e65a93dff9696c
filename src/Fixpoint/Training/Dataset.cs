using Fixpoint.Numerics;

namespace Fixpoint.Training;

/// <summary>
/// A data set held in memory: <see cref="Count"/> examples of <see cref="Dimension"/> features,
/// row-major in <see cref="Features"/> (example i occupies <c>[i·D, (i+1)·D)</c>), with an optional
/// integer label per example.
/// </summary>
public sealed record Dataset
{
    public Dataset(string source, double[] features, int dimension, int[]? labels = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (features.Length % dimension != 0)
            throw new ArgumentException($"{features.Length} numbers do not make rows of {dimension}", nameof(features));
        int count = features.Length / dimension;
        if (labels is not null && labels.Length != count)
            throw new ArgumentException($"{labels.Length} labels for {count} examples", nameof(labels));
        (Source, Features, Dimension, Labels, Count) = (source, features, dimension, labels, count);
    }

    /// <summary>Where the data came from (a path or a description), for reports.</summary>
    public string Source { get; }

    /// <summary>Count × Dimension, row-major. Treat as read-only.</summary>
    public double[] Features { get; }
    public int Dimension { get; }

    /// <summary>One label per example, or null when the data set has none.</summary>
    public int[]? Labels { get; }
    public int Count { get; }

    /// <summary>The number of classes: 1 + the largest label (0 when unlabelled).</summary>
    public int ClassCount => Labels is null || Labels.Length == 0 ? 0 : Labels.Max() + 1;

    /// <summary>Example i's features.</summary>
    public ReadOnlySpan<double> Row(int i) => Features.AsSpan(i * Dimension, Dimension);

    /// <summary>The examples at <paramref name="indices"/>, in that order.</summary>
    public Dataset Select(IReadOnlyList<int> indices, string? source = null)
    {
        var f = new double[indices.Count * Dimension];
        int[]? l = Labels is null ? null : new int[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            int i = indices[k];
            if (i < 0 || i >= Count) throw new ArgumentOutOfRangeException(nameof(indices), i, $"index outside 0 … {Count - 1}");
            Row(i).CopyTo(f.AsSpan(k * Dimension, Dimension));
            if (l is not null) l[k] = Labels![i];
        }
        return new Dataset(source ?? Source, f, Dimension, l);
    }

    /// <summary>The first <paramref name="count"/> examples.</summary>
    public Dataset Take(int count) => Select(Enumerable.Range(0, Math.Min(count, Count)).ToArray());

    /// <summary>
    /// A seeded split: the examples are shuffled by a Fisher–Yates permutation from the stream
    /// (seed, "split"), the first <paramref name="trainCount"/> form the training set and the next
    /// <paramref name="testCount"/> (all the rest when null) the test set. The same (data, counts, seed)
    /// always give the same split.
    /// </summary>
    public (Dataset Train, Dataset Test, int[] TrainIndices, int[] TestIndices) Split(int trainCount, int? testCount, ulong seed)
    {
        if (trainCount < 1 || trainCount >= Count)
            throw new ArgumentOutOfRangeException(nameof(trainCount), trainCount, $"must be in 1 … {Count - 1} (the data set has {Count} examples)");
        int rest = Count - trainCount;
        int nTest = testCount ?? rest;
        if (nTest < 1 || nTest > rest)
            throw new ArgumentOutOfRangeException(nameof(testCount), nTest, $"must be in 1 … {rest} (examples left after {trainCount} for training)");
        int[] perm = Permutation(Count, Rng.Derive(seed, Rng.HashKey("split")));
        int[] train = perm[..trainCount];
        int[] test = perm[trainCount..(trainCount + nTest)];
        return (Select(train, Source + " (train)"), Select(test, Source + " (test)"), train, test);
    }

    /// <summary>A uniformly random permutation of 0 … n−1 (Fisher–Yates).</summary>
    public static int[] Permutation(int n, Rng rng)
    {
        var p = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)(rng.NextUInt64() % (ulong)(i + 1));
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
