using Fixpoint.Census;
using Fixpoint.Init;
using Fixpoint.Maps;

namespace Fixpoint.Spectra;

/// <summary>A depth ensemble: for each depth L, several realisations of a random network recipe, a census each.</summary>
public sealed record DepthEnsembleSpec
{
    private readonly int _realisations = 4;
    private readonly int _starts = 300;
    private readonly int _probes = 4;

    /// <summary>The recipe; its <see cref="RandomNetworkSpec.Depth"/> is replaced by each of <see cref="Depths"/> and its seed by the realisation seed.</summary>
    public required RandomNetworkSpec Base { get; init; }

    /// <summary>The depths L, each ≥ 1.</summary>
    public required IReadOnlyList<int> Depths { get; init; }

    /// <summary>Realisations per depth; realisation r of depth L has the seed <see cref="DepthEnsemble.Seed"/>(base seed, L, r).</summary>
    public int Realisations { get => _realisations; init => _realisations = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Realisations), value, "must be ≥ 1"); }

    public StartSpec Starts { get; init; } = new UniformBoxStarts(-1, 1);

    public int StartsPerCensus { get => _starts; init => _starts = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(StartsPerCensus), value, "must be ≥ 1"); }

    public CensusOptions Census { get; init; } = new();

    /// <summary>J is also measured at the first ProbePoints census starts (typical points of the start domain).</summary>
    public int ProbePoints { get => _probes; init => _probes = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(ProbePoints), value, "must be ≥ 0"); }
}

/// <summary>
/// The spectral measurements of one realisation at one depth. It is built from a network and what a census found,
/// so it can come from <see cref="DepthEnsemble.Run"/> or from stored census results.
/// </summary>
/// <param name="Q">Stable fixed points.</param>
/// <param name="DistinctFixedPoints">All distinct fixed points, stable or not.</param>
/// <param name="Cycles">Distinct cycles.</param>
/// <param name="CycleBasin">Fraction of starts that ended in a cycle.</param>
/// <param name="UnresolvedBasin">Fraction of starts that diverged or hit the iteration limit (slow convergence near ρ = 1 ends here).</param>
/// <param name="SpectralRadii">ρ(J) at each fixed point.</param>
/// <param name="StableSpectralRadii">ρ(J) at each stable fixed point.</param>
/// <param name="FractionAboveOneAtFixedPoints">Squared singular values of J &gt; 1, pooled over the fixed points (NaN when there are none).</param>
/// <param name="MaxSquaredSingularValueAtFixedPoints">The largest squared singular value of J over the fixed points (NaN when none).</param>
/// <param name="FractionAboveOneAtProbes">Squared singular values &gt; 1, pooled over the probe points (NaN when none).</param>
/// <param name="MeanLog10AtProbes">Mean log10 of the positive squared singular values at the probe points (NaN when none).</param>
/// <param name="MeanAtProbes">Mean squared singular value at the probe points (NaN when none).</param>
public sealed record DepthRealisation(int Depth, int Realisation, ulong Seed, int Q, int DistinctFixedPoints, int Cycles, double CycleBasin,
    double UnresolvedBasin, double[] SpectralRadii, double[] StableSpectralRadii, double FractionAboveOneAtFixedPoints, double MaxSquaredSingularValueAtFixedPoints,
    double FractionAboveOneAtProbes, double MeanLog10AtProbes, double MeanAtProbes);

/// <summary>One row per depth: means over the realisations (NaN where no realisation had the quantity).</summary>
/// <param name="MeanQ">Mean number of stable fixed points.</param>
/// <param name="QStdError">Standard error of <paramref name="MeanQ"/> (sd/√K; NaN for K = 1).</param>
/// <param name="QValues">Q of each realisation, in realisation order.</param>
/// <param name="MeanSpectralRadiusStable">Mean ρ(J) over all stable fixed points of all realisations.</param>
/// <param name="MeanSpectralRadiusAll">Mean ρ(J) over all fixed points.</param>
/// <param name="FractionAboveOneAtFixedPoints">Mean over the realisations that have fixed points.</param>
/// <param name="FractionAboveOneAtProbes">Mean over the realisations.</param>
/// <param name="MeanLog10AtProbes">Mean over the realisations.</param>
/// <param name="CycleBasin">Mean fraction of starts that ended in a cycle.</param>
/// <param name="UnresolvedBasin">Mean fraction of starts that diverged or hit the iteration limit.</param>
public sealed record DepthRow(int Depth, int Realisations, double MeanQ, double QStdError, int[] QValues, double MeanFixedPoints, double MeanCycles,
    double CycleBasin, double UnresolvedBasin, double MeanSpectralRadiusStable, double MeanSpectralRadiusAll, double FractionAboveOneAtFixedPoints,
    double FractionAboveOneAtProbes, double MeanLog10AtProbes);

/// <summary>What a depth ensemble found: the per-realisation records and the per-depth rows.</summary>
public sealed record DepthEnsembleResult(IReadOnlyList<DepthRealisation> Records, IReadOnlyList<DepthRow> Rows, bool Partial);

/// <summary>Links Jacobian spectra to fixed points across depth: per L, ρ(J) at the fixed points, the expanding fraction of the spectrum, and Q.</summary>
public static class DepthEnsemble
{
    private const ulong DepthKey = 0x4445505448UL; // "DEPTH"

    /// <summary>The seed of realisation r at depth L: distinct for every (L, r), fixed by the base seed.</summary>
    public static ulong Seed(ulong baseSeed, int depth, int realisation) =>
        JacobianSpectra.RealisationSeed(Numerics.Rng.Derive(baseSeed, DepthKey, (ulong)depth).NextUInt64(), realisation);

    /// <summary>Runs the ensemble: one census per (depth, realisation), one after another (each census uses its own threads).</summary>
    public static DepthEnsembleResult Run(DepthEnsembleSpec spec, IProgress<Progress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Depths.Count == 0) throw new ArgumentException("no depths", nameof(spec));
        foreach (int d in spec.Depths)
            if (d < 1) throw new ArgumentOutOfRangeException(nameof(spec), d, "every depth must be ≥ 1");
        var records = new List<DepthRealisation>();
        int total = spec.Depths.Count * spec.Realisations, done = 0;
        bool partial = false;
        foreach (int depth in spec.Depths)
            for (int r = 0; r < spec.Realisations; r++)
            {
                if (cancellationToken.IsCancellationRequested) { partial = true; goto finished; }
                ulong seed = Seed(spec.Base.Seed, depth, r);
                Network net = (spec.Base with { Depth = depth, Seed = seed }).Build();
                CensusResult census = FixedPointCensus.Run(net, spec.Starts, spec.StartsPerCensus, seed, spec.Census, null, cancellationToken);
                if (census.Partial) { partial = true; goto finished; }
                int probes = Math.Min(spec.ProbePoints, census.StartPoints.Length / net.Dimension);
                records.Add(Measure(depth, r, seed, net, census, census.StartPoints.AsSpan(0, probes * net.Dimension)));
                progress?.Report(new Progress("depth ensemble", ++done, total));
            }
        finished:
        return new DepthEnsembleResult(records, Aggregate(records), partial);
    }

    /// <summary>The measurements of one realisation from its census.</summary>
    public static DepthRealisation Measure(int depth, int realisation, ulong seed, IMap map, CensusResult census, ReadOnlySpan<double> probePoints)
    {
        ArgumentNullException.ThrowIfNull(census);
        double cycleBasin = census.Starts > 0 ? census.Cycles.Sum(c => (double)c.Hits) / census.Starts : 0.0;
        double unresolved = census.Starts > 0 ? (double)(census.Outcomes.Diverged + census.Outcomes.NonFinite + census.Outcomes.MaxIterations + census.Outcomes.Stalled) / census.Starts : 0.0;
        return Measure(depth, realisation, seed, map, census.FixedPoints.Select(f => (f.X, f.Stability)).ToList(), census.Cycles.Count, cycleBasin,
            unresolved, probePoints);
    }

    /// <summary>The measurements of one realisation from its fixed points (for stored results: the point and its stability).</summary>
    public static DepthRealisation Measure(int depth, int realisation, ulong seed, IMap map, IReadOnlyList<(double[] X, Stability Stability)> fixedPoints,
        int cycles, double cycleBasin, double unresolvedBasin, ReadOnlySpan<double> probePoints)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(fixedPoints);
        int n = map.Dimension;
        if (probePoints.Length % n != 0) throw new ArgumentException($"probe points must be a multiple of N = {n} numbers", nameof(probePoints));
        var radii = new double[fixedPoints.Count];
        var stable = new List<double>();
        var atFixed = new List<double>();
        for (int i = 0; i < fixedPoints.Count; i++)
        {
            JacobianSample s = JacobianSpectra.At(map, fixedPoints[i].X, realisation, "fixed-point", fixedPoints[i].Stability);
            radii[i] = s.SpectralRadius;
            if (fixedPoints[i].Stability == Stability.Stable) stable.Add(radii[i]);
            atFixed.AddRange(s.SquaredSingularValues);
        }
        var atProbes = new List<double>();
        for (int p = 0; p < probePoints.Length / n; p++)
            atProbes.AddRange(JacobianSpectra.At(map, probePoints.Slice(p * n, n), realisation, "probe", null, eigenvalues: false).SquaredSingularValues);
        EsdSummary? fs = atFixed.Count > 0 ? EsdSummary.Of(atFixed.ToArray()) : null;
        EsdSummary? ps = atProbes.Count > 0 ? EsdSummary.Of(atProbes.ToArray()) : null;
        return new DepthRealisation(depth, realisation, seed, stable.Count, fixedPoints.Count, cycles, cycleBasin, unresolvedBasin, radii, [.. stable],
            fs?.FractionAboveOne ?? double.NaN, fs?.Max ?? double.NaN,
            ps?.FractionAboveOne ?? double.NaN, ps?.MeanLog10 ?? double.NaN, ps?.Mean ?? double.NaN);
    }

    /// <summary>One row per depth, in increasing depth.</summary>
    public static IReadOnlyList<DepthRow> Aggregate(IEnumerable<DepthRealisation> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        return records.GroupBy(r => r.Depth).OrderBy(g => g.Key).Select(g =>
        {
            var rs = g.OrderBy(r => r.Realisation).ToList();
            int[] qs = rs.Select(r => r.Q).ToArray();
            double meanQ = qs.Average();
            double se = qs.Length > 1 ? Math.Sqrt(qs.Sum(q => (q - meanQ) * (q - meanQ)) / (qs.Length - 1) / qs.Length) : double.NaN;
            return new DepthRow(g.Key, rs.Count, meanQ, se, qs, rs.Average(r => (double)r.DistinctFixedPoints), rs.Average(r => (double)r.Cycles),
                rs.Average(r => r.CycleBasin), rs.Average(r => r.UnresolvedBasin),
                MeanOrNaN(rs.SelectMany(r => r.StableSpectralRadii)), MeanOrNaN(rs.SelectMany(r => r.SpectralRadii)),
                MeanOrNaN(rs.Select(r => r.FractionAboveOneAtFixedPoints).Where(double.IsFinite)),
                MeanOrNaN(rs.Select(r => r.FractionAboveOneAtProbes).Where(double.IsFinite)),
                MeanOrNaN(rs.Select(r => r.MeanLog10AtProbes).Where(double.IsFinite)));
        }).ToList();
    }

    private static double MeanOrNaN(IEnumerable<double> values)
    {
        double sum = 0;
        int n = 0;
        foreach (double v in values) { sum += v; n++; }
        return n > 0 ? sum / n : double.NaN;
    }
}
