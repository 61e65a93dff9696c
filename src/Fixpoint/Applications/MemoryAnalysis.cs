using Fixpoint.Census;
using Fixpoint.Certify;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using Fixpoint.Solvers;
using Fixpoint.Training;

namespace Fixpoint.Applications;

/// <summary>Settings of <see cref="MemoryAnalysis.Run"/>.</summary>
public sealed record MemoryOptions
{
    /// <summary>A training image x is stored when the iteration from x converges to a fixed point x* with ρ(J(x*)) &lt; 1 and ‖x* − x‖∞ ≤ this (0.25 = two of the digits' 16 grey steps).</summary>
    public const double DefaultStoreTol = 0.25;

    private readonly double _storeTol = DefaultStoreTol;
    private readonly int _randomStarts = 1000;
    private readonly int _certify;

    public double StoreTol { get => _storeTol; init => _storeTol = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(StoreTol), value, "must be > 0"); }

    /// <summary>Uniform starts in [−1, 1]^N added to the census to look for spurious attractors; 0 for none.</summary>
    public int RandomStarts { get => _randomStarts; init => _randomStarts = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(RandomStarts), value, "must be ≥ 0"); }

    public ulong Seed { get; init; }

    /// <summary>Interval (Krawczyk) certificates are attempted for the attractors of this many stored training images (the first ones); 0 for none. Each costs seconds in high dimension.</summary>
    public int Certify { get => _certify; init => _certify = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Certify), value, "must be ≥ 0"); }

    /// <summary>ε-inflation of the certificates: radii from 1e-9·max(1, ‖x*‖∞) growing fourfold up to 1.</summary>
    public KrawczykOptions Krawczyk { get; init; } = new() { InitialRadius = 1e-9, Growth = 4 };

    /// <summary>Options of the census (solver, tolerances); Picard by default, so basins are the map's.</summary>
    public CensusOptions Census { get; init; } = new();
}

/// <summary>One training image against the fixed point the iteration from it reaches.</summary>
/// <param name="Residual">‖F(x) − x‖∞ at the image itself.</param>
/// <param name="SpectralRadiusAtImage">ρ(J(x)) at the image itself.</param>
/// <param name="Outcome">How the census's solve from the image ended; null when the census was cancelled first.</param>
/// <param name="FixedPoint">Index into the census's fixed points, or null (the solve did not converge).</param>
/// <param name="DistanceInf">‖x* − x‖∞ (NaN when no fixed point).</param>
/// <param name="SpectralRadius">ρ(J(x*)) (NaN when no fixed point).</param>
public sealed record StoredImage(int Index, int Label, double Residual, double SpectralRadiusAtImage, SolveStatus? Outcome, int? FixedPoint, double DistanceInf, double SpectralRadius, bool Stored);

/// <summary>
/// An interval certificate for the attractor x* of a stored training image: <see cref="Status"/> <see cref="CertificateStatus.Unique"/> proves
/// that the box x* ± <see cref="LargestRadius"/> (∞-norm) holds exactly one fixed point of F (Krawczyk). Attraction
/// itself rests on the floating-point <see cref="SpectralRadius"/> = ρ(J(x*)) &lt; 1.
/// </summary>
public sealed record AttractorCertificate(int TrainingImage, int FixedPoint, CertificateStatus Status, string Reason, double SmallestRadius, double LargestRadius,
    double CenterResidual, double SpectralRadius, int Tests, double Seconds);

/// <summary>How many training images are attracting fixed points, and what else the map's census holds.</summary>
/// <param name="StoredAt">Stored counts at a ladder of tolerances on ‖x* − x‖∞ (0.05, 0.1, 0.25, 0.5).</param>
/// <param name="SpuriousAttractors">Stable fixed points reached from random starts but from no training image.</param>
public sealed record MemoryReport(
    int TrainingImages,
    int Stored,
    double StoreTol,
    IReadOnlyDictionary<string, int> StoredAt,
    int ImagesConverged,
    int AttractorsOfTrainingImages,
    int FixedPoints,
    int StableFixedPoints,
    int Cycles,
    int RandomStarts,
    int SpuriousAttractors,
    double RandomStartsToTrainingAttractors,
    double MedianResidual,
    double MedianSpectralRadiusAtImage,
    double MedianDistance,
    IReadOnlyList<StoredImage> Images,
    IReadOnlyList<AttractorCertificate> Certificates,
    CensusResult Census);

/// <summary>
/// Runs the census of a trained square map from its training images (and from uniform random starts),
/// then says which training images are attracting fixed points (see <see cref="MemoryOptions.StoreTol"/>).
/// </summary>
public static class MemoryAnalysis
{
    public static readonly double[] ToleranceLadder = [0.05, 0.1, 0.25, 0.5];

    public static MemoryReport Run(Network map, Dataset train, MemoryOptions options, IProgress<Progress>? progress = null, CancellationToken ct = default)
    {
        int n = map.Dimension;
        if (train.Dimension != n) throw new ArgumentException($"the data has {train.Dimension} features, the map {n}");
        int m = train.Count, k = options.RandomStarts;
        var starts = new double[(m + k) * n];
        train.Features.AsSpan(0, m * n).CopyTo(starts);
        var rng = Rng.Derive(options.Seed, Rng.HashKey("memory-random-starts"));
        for (int i = m * n; i < starts.Length; i++) starts[i] = rng.Uniform(-1, 1);
        var spec = new PointListStarts($"{m} training images and {k} uniform starts in [-1, 1]", starts, n);
        CensusResult census = FixedPointCensus.Run(map, spec, m + k, options.Seed, options.Census, progress, ct);

        var y = new double[n];
        var images = new StoredImage[m];
        var fromTraining = new HashSet<int>();
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<double> x = train.Row(i);
            map.Evaluate(x, y);
            double res = 0;
            for (int j = 0; j < n; j++) res = Math.Max(res, Math.Abs(y[j] - x[j]));
            double rhoX = Attractors.SpectralRadius(map, x);
            int? a = i < census.StartAttractor.Length ? census.StartAttractor[i] : null;
            bool isFixed = a < census.FixedPoints.Count;
            double dist = double.NaN, rho = double.NaN;
            bool stored = false;
            if (isFixed)
            {
                FixedPointInfo f = census.FixedPoints[a!.Value];
                dist = 0;
                for (int j = 0; j < n; j++) dist = Math.Max(dist, Math.Abs(f.X[j] - x[j]));
                rho = f.SpectralRadius;
                stored = f.Stability == Stability.Stable && dist <= options.StoreTol;
                if (f.Stability == Stability.Stable) fromTraining.Add(a.Value);
            }
            images[i] = new StoredImage(i, train.Labels?[i] ?? -1, res, rhoX, census.StartStatus[i], isFixed ? a : null, dist, rho, stored);
        }
        var spurious = new HashSet<int>();
        int randomToTraining = 0, randomFinished = 0;
        for (int i = m; i < m + k; i++)
        {
            if (census.StartStatus[i] is null or SolveStatus.Cancelled) continue;
            randomFinished++;
            if (census.StartAttractor[i] is not int a || a >= census.FixedPoints.Count) continue;
            if (fromTraining.Contains(a)) randomToTraining++;
            else if (census.FixedPoints[a].Stability == Stability.Stable) spurious.Add(a);
        }
        var certificates = new List<AttractorCertificate>();
        foreach (StoredImage s in images.Where(s => s.Stored).DistinctBy(s => s.FixedPoint).Take(options.Certify))
        {
            ct.ThrowIfCancellationRequested();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            int fp = s.FixedPoint!.Value;
            FixedPointInfo f = census.FixedPoints[fp];
            KrawczykResult kr = Krawczyk.Certify(map, f.X, options.Krawczyk, ct);
            certificates.Add(new AttractorCertificate(s.Index, fp, kr.Status, kr.Status == CertificateStatus.Unique ? "" : kr.Reason.Message(),
                kr.SmallestRadius, kr.LargestRadius, kr.CenterResidual, f.SpectralRadius, kr.Tests, clock.Elapsed.TotalSeconds));
        }
        var ladder = ToleranceLadder.ToDictionary(t => t.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture),
            t => images.Count(s => s.FixedPoint is int fp && s.DistanceInf <= t && census.FixedPoints[fp].Stability == Stability.Stable));
        return new MemoryReport(
            m, images.Count(s => s.Stored), options.StoreTol, ladder,
            images.Count(s => s.FixedPoint is not null), fromTraining.Count,
            census.FixedPoints.Count, census.StableCount, census.Cycles.Count,
            k, spurious.Count, randomFinished == 0 ? double.NaN : (double)randomToTraining / randomFinished,
            Median(images.Select(s => s.Residual)), Median(images.Select(s => s.SpectralRadiusAtImage)),
            Median(images.Where(s => s.FixedPoint is not null).Select(s => s.DistanceInf)),
            images, certificates, census);
    }

    internal static double Median(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).OrderBy(x => x).ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }
}
