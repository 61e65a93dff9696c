using Fixpoint.Maps;
using Fixpoint.Numerics;
using Fixpoint.Solvers;
using Fixpoint.Training;

namespace Fixpoint.Applications;

/// <summary>Settings of <see cref="Restoration.Run"/>.</summary>
public sealed record RestoreOptions
{
    private readonly int _images = 100, _width = DigitsReader.Side, _height = DigitsReader.Side;

    public IReadOnlyList<Damage> Damages { get; init; } = Damage.Defaults;

    /// <summary>Images per set (the first ones of each set) that are damaged and restored.</summary>
    public int Images { get => _images; init => _images = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Images), value, "must be ≥ 1"); }

    public int Width { get => _width; init => _width = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Width), value, "must be ≥ 1"); }
    public int Height { get => _height; init => _height = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Height), value, "must be ≥ 1"); }

    public IterationOptions Iteration { get; init; } = new();
    public ulong Seed { get; init; }
}

/// <summary>
/// One row of the restoration table: one image set (stored = training images, unseen = test images) and
/// one damage. Quality is against the clean image; <see cref="RecallRate"/> is the fraction of images
/// whose damaged copy iterates to the same attractor as the clean image (within <see cref="IterationOptions.SameTol"/>).
/// </summary>
/// <param name="OnePass">F(damaged): one pass of the same autoencoder.</param>
/// <param name="Attractor">The end point of Picard from the damaged image (its best iterate when it did not converge).</param>
/// <param name="Nearest">The training image nearest (Euclidean) to the damaged image.</param>
/// <param name="AttractorBetterThanOnePass">Fraction of images whose attractor has lower MSE than the one pass.</param>
public sealed record RestoreRow(
    string Set, string Damage, string Kind, double Level, int Images,
    Quality Damaged, Quality OnePass, Quality Attractor, Quality Nearest,
    double RecallRate, double ConvergedFraction, double MeanIterations, double AttractorBetterThanOnePass);

/// <summary>Images for a montage (one per set and damage: image number damage-index mod images): clean, damaged, one pass, attractor, nearest training image.</summary>
public sealed record RestoreExample(string Set, string Damage, double[] Clean, double[] Damaged, double[] OnePass, double[] Attractor, double[] Nearest);

public sealed record RestoreReport(IReadOnlyList<RestoreRow> Rows, IReadOnlyList<RestoreExample> Examples);

/// <summary>
/// Damages images, iterates the trained autoencoder from each damaged image to its attractor, and compares
/// the result with the clean image, with one pass of the autoencoder and with the nearest training image.
/// </summary>
public static class Restoration
{
    public static RestoreReport Run(Network map, Dataset train, IReadOnlyList<(string Name, Dataset Images)> sets, RestoreOptions options,
        IProgress<string>? progress = null, CancellationToken ct = default)
    {
        int n = map.Dimension;
        if (options.Width * options.Height != n) throw new ArgumentException($"images of {options.Width}×{options.Height} pixels do not match the map's dimension {n}");
        var rows = new List<RestoreRow>();
        var examples = new List<RestoreExample>();
        for (int si = 0; si < sets.Count; si++)
        {
            (string name, Dataset data) = sets[si];
            if (data.Dimension != n) throw new ArgumentException($"set {name} has {data.Dimension} features, the map {n}");
            int m = Math.Min(options.Images, data.Count);
            double[] clean = data.Features.AsSpan(0, m * n).ToArray();
            var catalog = new AttractorCatalog(options.Iteration.SameTol);
            (int[] cleanAttr, _) = Attractors.Assign(map, clean, m, options.Iteration, catalog, addNew: true, ct);
            for (int di = 0; di < options.Damages.Count; di++)
            {
                Damage damage = options.Damages[di];
                progress?.Report($"{name}: {damage.Describe()}");
                var rng = Rng.Derive(options.Seed, Rng.HashKey("damage:" + damage.Key), (ulong)si);
                var damaged = new double[m * n];
                for (int i = 0; i < m; i++) damage.Apply(clean.AsSpan(i * n, n), damaged.AsSpan(i * n, n), options.Width, options.Height, rng);
                var onePass = new double[m * n];
                map.EvaluateBatch(damaged, onePass, m);
                (int[] attr, SolveResult[] res) = Attractors.Assign(map, damaged, m, options.Iteration, catalog, addNew: true, ct);
                var mD = new List<double>(); var mO = new List<double>(); var mA = new List<double>(); var mN = new List<double>();
                int recalled = 0, converged = 0, better = 0;
                long iterations = 0;
                for (int i = 0; i < m; i++)
                {
                    ReadOnlySpan<double> c = clean.AsSpan(i * n, n);
                    double[] nearest = Nearest(train, damaged.AsSpan(i * n, n));
                    double a = ImageMetrics.Mse(res[i].X, c), o = ImageMetrics.Mse(onePass.AsSpan(i * n, n), c);
                    mD.Add(ImageMetrics.Mse(damaged.AsSpan(i * n, n), c));
                    mO.Add(o);
                    mA.Add(a);
                    mN.Add(ImageMetrics.Mse(nearest, c));
                    if (a < o) better++;
                    if (res[i].Status == SolveStatus.Converged) converged++;
                    iterations += res[i].Iterations;
                    if (attr[i] >= 0 && attr[i] == cleanAttr[i]) recalled++;
                    if (i == di % m) examples.Add(new RestoreExample(name, damage.Key, c.ToArray(), damaged.AsSpan(i * n, n).ToArray(), onePass.AsSpan(i * n, n).ToArray(), res[i].X, nearest));
                }
                rows.Add(new RestoreRow(name, damage.Key, Damage.KindKey(damage.Kind), damage.Level, m,
                    Quality.Of(mD), Quality.Of(mO), Quality.Of(mA), Quality.Of(mN),
                    (double)recalled / m, (double)converged / m, (double)iterations / m, (double)better / m));
            }
        }
        return new RestoreReport(rows, examples);
    }

    /// <summary>The training image nearest to <paramref name="x"/> in Euclidean distance (first on ties).</summary>
    public static double[] Nearest(Dataset train, ReadOnlySpan<double> x)
    {
        int best = NearestIndex(train, x);
        return train.Row(best).ToArray();
    }

    public static int NearestIndex(Dataset train, ReadOnlySpan<double> x)
    {
        int n = train.Dimension, best = -1;
        double bestD = double.PositiveInfinity;
        for (int i = 0; i < train.Count; i++)
        {
            ReadOnlySpan<double> r = train.Features.AsSpan(i * n, n);
            double d = 0;
            for (int j = 0; j < n && d < bestD; j++) d += (r[j] - x[j]) * (r[j] - x[j]);
            if (d < bestD) { bestD = d; best = i; }
        }
        return best;
    }
}
