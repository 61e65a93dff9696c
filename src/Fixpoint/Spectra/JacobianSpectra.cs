using System.Numerics;
using Fixpoint.Census;
using Fixpoint.Init;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace Fixpoint.Spectra;

/// <summary>Where the Jacobian is evaluated.</summary>
public enum SpectrumInputs
{
    /// <summary>Points with i.i.d. N(0, 1) entries, drawn per realisation.</summary>
    Gaussian,
    /// <summary>Points given by the caller, the same for every realisation.</summary>
    Given,
    /// <summary>Every distinct fixed point a census of the realisation found (stable or not).</summary>
    FixedPoints,
    /// <summary>Every distinct point a census reached by iteration: the fixed points with hits and all points of every cycle.</summary>
    CensusPoints,
}

/// <summary>The Jacobian at one point of one realisation.</summary>
/// <param name="Realisation">r, from 0.</param>
/// <param name="Point">x.</param>
/// <param name="Kind"><c>gaussian</c>, <c>given</c>, <c>fixed-point</c> or <c>cycle-point</c>.</param>
/// <param name="Stability">For fixed points, their stability in the census; null otherwise.</param>
/// <param name="SquaredSingularValues">The N squared singular values of J(x), descending.</param>
/// <param name="Eigenvalues">The N eigenvalues of J(x), by decreasing modulus (empty when not asked for).</param>
public sealed record JacobianSample(int Realisation, double[] Point, string Kind, Stability? Stability, double[] SquaredSingularValues, Complex[] Eigenvalues)
{
    /// <summary>ρ(J) = max |λ| (NaN when the eigenvalues were not computed).</summary>
    public double SpectralRadius => Eigenvalues.Length == 0 ? double.NaN : Eigenvalues.Max(e => e.Magnitude);
}

/// <summary>One realisation of an ensemble.</summary>
/// <param name="Q">Stable fixed points found by the realisation's census (null without a census).</param>
/// <param name="FixedPoints">Distinct fixed points of the census (null without one).</param>
/// <param name="Cycles">Distinct cycles of the census (null without one).</param>
/// <param name="Points">Points at which J was evaluated.</param>
public sealed record RealisationInfo(int Realisation, ulong Seed, int? Q, int? FixedPoints, int? Cycles, int Points);

/// <summary>How a Jacobian ensemble is measured.</summary>
public sealed record JacobianEnsembleOptions
{
    private readonly int _realisations = 1;
    private readonly int _points = 1;
    private readonly int _starts = 200;

    /// <summary>K realisations; realisation r uses the seed <see cref="JacobianSpectra.RealisationSeed"/>(seed, r).</summary>
    public int Realisations { get => _realisations; init => _realisations = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Realisations), value, "must be ≥ 1"); }

    public SpectrumInputs Inputs { get; init; } = SpectrumInputs.Gaussian;

    /// <summary>Gaussian inputs: points per realisation.</summary>
    public int PointsPerRealisation { get => _points; init => _points = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(PointsPerRealisation), value, "must be ≥ 1"); }

    /// <summary>Given inputs: points × N, row-major.</summary>
    public double[]? GivenPoints { get; init; }

    /// <summary>Census inputs: how the starts are drawn (default uniform in [−1, 1]).</summary>
    public StartSpec Starts { get; init; } = new UniformBoxStarts(-1, 1);

    /// <summary>Census inputs: starts per census.</summary>
    public int StartsPerCensus { get => _starts; init => _starts = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(StartsPerCensus), value, "must be ≥ 1"); }

    /// <summary>Census inputs: the census settings (its thread count is used inside each census; realisations run one after another).</summary>
    public CensusOptions Census { get; init; } = new();

    /// <summary>Compute the eigenvalues of J as well (a non-symmetric eigenproblem per point).</summary>
    public bool Eigenvalues { get; init; } = true;

    /// <summary>Worker threads over realisations for Gaussian and given inputs (0: one per core). Results never depend on it.</summary>
    public int Threads { get; init; }
}

/// <summary>Everything a Jacobian ensemble measured.</summary>
/// <param name="InputMeanSquare">The mean square of the entries of the Gaussian or given inputs (the q_x of the theory); NaN for census inputs.</param>
/// <param name="Partial">True when cancelled: the samples cover the finished realisations only.</param>
public sealed record JacobianEnsembleResult(int Dimension, int Depth, SpectrumInputs Inputs, IReadOnlyList<JacobianSample> Samples,
    IReadOnlyList<RealisationInfo> Realisations, double InputMeanSquare, bool Partial)
{
    /// <summary>All squared singular values, pooled over points and realisations.</summary>
    public double[] SquaredSingularValues() => Samples.SelectMany(s => s.SquaredSingularValues).ToArray();

    /// <summary>All eigenvalues, pooled.</summary>
    public Complex[] Eigenvalues() => Samples.SelectMany(s => s.Eigenvalues).ToArray();
}

/// <summary>The empirical spectral distribution of the input–output Jacobian J(x) = ∏ D_l W_l.</summary>
public static class JacobianSpectra
{
    private const ulong RealisationKey = 0x5245414C49534154UL; // "REALISAT"
    private const ulong InputKey = 0x494E50555453UL; // "INPUTS"

    /// <summary>The network seed of realisation r: the base seed itself for r = 0 (so one realisation is the network <c>census --seed</c> builds), else a derived stream.</summary>
    public static ulong RealisationSeed(ulong seed, int realisation) =>
        realisation == 0 ? seed : Rng.Derive(seed, RealisationKey, (ulong)realisation).NextUInt64();

    /// <summary>
    /// The squared singular values of a row-major n×n matrix, descending (Math.NET SVD). A singular value below
    /// n·ε·s_max (ε = 2⁻⁵², s_max the largest) is below what the SVD resolves (its absolute error is of order ε·s_max)
    /// and is returned as exactly 0: such values are numerically zero, and rounding differences in J far below
    /// them do not change the spectrum.
    /// </summary>
    public static double[] SquaredSingularValues(ReadOnlySpan<double> matrix, int n)
    {
        if (matrix.Length < n * n) throw new ArgumentException("the matrix has fewer than n² entries", nameof(matrix));
        if (n == 1) return [matrix[0] * matrix[0]];
        double[] copy = matrix[..(n * n)].ToArray();
        var m = Matrix<double>.Build.Dense(n, n, (i, j) => copy[i * n + j]);
        double[] s = m.Svd(false).S.OrderByDescending(v => v).ToArray();
        double floor = n * MachineEpsilon * s[0];
        return s.Select(v => v < floor ? 0.0 : v * v).ToArray();
    }

    /// <summary>ε = 2⁻⁵², the spacing of doubles at 1.</summary>
    public const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>J at <paramref name="x"/> and its spectrum.</summary>
    public static JacobianSample At(IMap map, ReadOnlySpan<double> x, int realisation = 0, string kind = "given", Stability? stability = null, bool eigenvalues = true)
    {
        ArgumentNullException.ThrowIfNull(map);
        int n = map.Dimension;
        var j = new double[n * n];
        map.Jacobian(x, j);
        for (int i = 0; i < j.Length; i++)
            if (!double.IsFinite(j[i])) throw new ArgumentException($"the Jacobian at this point has a non-finite entry ({j[i]})", nameof(x));
        double[] sv2 = SquaredSingularValues(j, n);
        Complex[] ev = eigenvalues ? Spectral.Eigenvalues(j, n) : [];
        return new JacobianSample(realisation, x.ToArray(), kind, stability, sv2, ev);
    }

    /// <summary>The ensemble over <see cref="JacobianEnsembleOptions.Realisations"/> networks built from <paramref name="spec"/> with derived seeds.</summary>
    public static JacobianEnsembleResult Run(RandomNetworkSpec spec, JacobianEnsembleOptions options,
        IProgress<Progress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Run(r => (spec with { Seed = RealisationSeed(spec.Seed, r) }).Build(), spec.Seed, spec.Width, spec.Depth, options, progress, cancellationToken);
    }

    /// <summary>One fixed network (a model file): <see cref="JacobianEnsembleOptions.Realisations"/> must be 1.</summary>
    public static JacobianEnsembleResult Run(Network network, ulong seed, JacobianEnsembleOptions options,
        IProgress<Progress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Realisations != 1) throw new ArgumentOutOfRangeException(nameof(options), options.Realisations, "a fixed network has one realisation");
        return Run(_ => network, seed, network.Dimension, network.Depth, options, progress, cancellationToken);
    }

    private static JacobianEnsembleResult Run(Func<int, Network> realise, ulong seed, int n, int depth, JacobianEnsembleOptions o,
        IProgress<Progress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(o);
        int k = o.Realisations;
        double[]? given = o.GivenPoints;
        if (o.Inputs == SpectrumInputs.Given)
        {
            if (given is null || given.Length == 0 || given.Length % n != 0)
                throw new ArgumentException($"given inputs need a non-empty array of points × {n} numbers", nameof(o));
            if (given.Any(v => !double.IsFinite(v))) throw new ArgumentException("given inputs must be finite", nameof(o));
        }
        var samples = new List<JacobianSample>[k];
        var infos = new RealisationInfo?[k];
        int done = 0;
        bool census = o.Inputs is SpectrumInputs.FixedPoints or SpectrumInputs.CensusPoints;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = census ? 1 : o.Threads > 0 ? o.Threads : Environment.ProcessorCount };
        try
        {
            Parallel.For(0, k, parallel, (r, state) =>
            {
                if (ct.IsCancellationRequested) { state.Stop(); return; }
                ulong rs = RealisationSeed(seed, r);
                Network net = realise(r);
                var list = new List<JacobianSample>();
                int? q = null, fps = null, cycles = null;
                switch (o.Inputs)
                {
                    case SpectrumInputs.Gaussian:
                        var rng = Rng.Derive(rs, InputKey);
                        var x = new double[n];
                        for (int p = 0; p < o.PointsPerRealisation; p++)
                        {
                            for (int i = 0; i < n; i++) x[i] = rng.Normal();
                            list.Add(At(net, x, r, "gaussian", null, o.Eigenvalues));
                        }
                        break;
                    case SpectrumInputs.Given:
                        for (int p = 0; p < given!.Length / n; p++)
                            list.Add(At(net, given.AsSpan(p * n, n), r, "given", null, o.Eigenvalues));
                        break;
                    default:
                        CensusResult c = FixedPointCensus.Run(net, o.Starts, o.StartsPerCensus, rs, o.Census, null, ct);
                        if (c.Partial) return; // an interrupted census is not this realisation's census: leave it out
                        q = c.StableCount;
                        fps = c.FixedPoints.Count;
                        cycles = c.Cycles.Count;
                        foreach (FixedPointInfo f in c.FixedPoints)
                            if (o.Inputs == SpectrumInputs.FixedPoints || f.Hits > 0)
                                list.Add(At(net, f.X, r, "fixed-point", f.Stability, o.Eigenvalues));
                        if (o.Inputs == SpectrumInputs.CensusPoints)
                            foreach (CycleInfo cy in c.Cycles)
                                foreach (double[] pt in cy.Points)
                                    list.Add(At(net, pt, r, "cycle-point", null, o.Eigenvalues));
                        break;
                }
                samples[r] = list;
                infos[r] = new RealisationInfo(r, rs, q, fps, cycles, list.Count);
                int now = Interlocked.Increment(ref done);
                progress?.Report(new Progress("realisations", now, k));
            });
        }
        catch (OperationCanceledException) { }
        bool partial = infos.Any(i => i is null);
        var all = Enumerable.Range(0, k).Where(r => infos[r] is not null).SelectMany(r => samples[r]).ToList();
        double meanSquare = double.NaN;
        if (!census && all.Count > 0) meanSquare = all.SelectMany(s => s.Point).Average(v => v * v);
        return new JacobianEnsembleResult(n, depth, o.Inputs, all, infos.Where(i => i is not null).Select(i => i!).ToList(), meanSquare, partial);
    }
}
