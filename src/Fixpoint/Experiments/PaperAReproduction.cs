using System.Diagnostics;
using System.Globalization;
using System.Text;
using Fixpoint.Certify;
using Fixpoint.Maps;
using Fixpoint.Solvers;

namespace Fixpoint.Experiments;

/// <summary>Settings of <see cref="PaperAReproduction.Run"/>. Every default reproduces paper A's table and figures.</summary>
public sealed record PaperAReproductionOptions
{
    private readonly IReadOnlyList<PaperACase> _cases = PaperACase.All;
    private readonly int _maxDimension = 10;
    private readonly IReadOnlyList<double> _ms = [5, 15, 100];
    private readonly int _maxEnumerationDimension = 4;
    private readonly int _layers = 10;
    private readonly int _threads;
    private readonly int _fig1Points = 301;
    private readonly double _fig2M = 100;
    private readonly int _fig2Points1 = 61;
    private readonly int _fig2Points2 = 121;
    private readonly IReadOnlyList<double> _fig3Ms = [5, 15, 100];
    private readonly IReadOnlyList<double> _fig3Start = [1.475, 0.10];
    private readonly int _fig3Steps = 30;

    /// <summary>The case studies of the table and figure 1 (default both, <see cref="PaperACase.All"/>).</summary>
    public IReadOnlyList<PaperACase> Cases
    {
        get => _cases;
        init => _cases = value is { Count: > 0 } && value.All(c => c is not null) && value.Distinct().Count() == value.Count
            ? [.. value] : throw new ArgumentOutOfRangeException(nameof(Cases), value is null ? "null" : string.Join(",", value), "must be distinct cases, at least one");
    }

    /// <summary>Table rows for d = 1 … MaxDimension (1 … 14).</summary>
    public int MaxDimension { get => _maxDimension; init => _maxDimension = value >= 1 && value <= 14 ? value : throw new ArgumentOutOfRangeException(nameof(MaxDimension), value, "must be in 1 … 14"); }

    /// <summary>The coupling parameters m (each &gt; 0) of the table.</summary>
    public IReadOnlyList<double> Ms { get => _ms; init => _ms = ValidMs(value, nameof(Ms)); }

    /// <summary>Complete enumeration runs for d ≤ this (0 turns it off; at most 6).</summary>
    public int MaxEnumerationDimension { get => _maxEnumerationDimension; init => _maxEnumerationDimension = value >= 0 && value <= 6 ? value : throw new ArgumentOutOfRangeException(nameof(MaxEnumerationDimension), value, "must be in 0 … 6"); }

    /// <summary>L in the a-priori bound K^L·ε/(1 − K) of the region certificates.</summary>
    public int Layers { get => _layers; init => _layers = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Layers), value, "must be ≥ 0"); }

    /// <summary>Table rows computed at once; 0 means one per core. Results never depend on it.</summary>
    public int Threads { get => _threads; init => _threads = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Threads), value, "must be ≥ 0"); }

    /// <summary>Grid points of each scalar map in figure 1 (≥ 2).</summary>
    public int Fig1Points { get => _fig1Points; init => _fig1Points = value >= 2 ? value : throw new ArgumentOutOfRangeException(nameof(Fig1Points), value, "must be ≥ 2"); }

    /// <summary>The m of figure 2's d = 2 polynomial network.</summary>
    public double Fig2M { get => _fig2M; init => _fig2M = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(Fig2M), value, "must be > 0 and finite"); }

    /// <summary>Grid points along x1 ∈ [−1.5, 1.5] in figure 2 (≥ 2).</summary>
    public int Fig2Points1 { get => _fig2Points1; init => _fig2Points1 = value >= 2 ? value : throw new ArgumentOutOfRangeException(nameof(Fig2Points1), value, "must be ≥ 2"); }

    /// <summary>Grid points along x2 ∈ [−3, 3] in figure 2 (≥ 2).</summary>
    public int Fig2Points2 { get => _fig2Points2; init => _fig2Points2 = value >= 2 ? value : throw new ArgumentOutOfRangeException(nameof(Fig2Points2), value, "must be ≥ 2"); }

    /// <summary>The m of figure 3's trajectories.</summary>
    public IReadOnlyList<double> Fig3Ms { get => _fig3Ms; init => _fig3Ms = ValidMs(value, nameof(Fig3Ms)); }

    /// <summary>The start of figure 3's trajectories (two coordinates, inside D1 × D2).</summary>
    public IReadOnlyList<double> Fig3Start
    {
        get => _fig3Start;
        init => _fig3Start = value is { Count: 2 } && value.All(double.IsFinite) ? [.. value] : throw new ArgumentOutOfRangeException(nameof(Fig3Start), value is null ? "null" : string.Join(",", value), "must be two finite numbers");
    }

    /// <summary>Iterations of figure 3's trajectories.</summary>
    public int Fig3Steps { get => _fig3Steps; init => _fig3Steps = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Fig3Steps), value, "must be ≥ 1"); }

    public int EffectiveThreads => Threads == 0 ? Environment.ProcessorCount : Threads;

    private static IReadOnlyList<double> ValidMs(IReadOnlyList<double>? value, string name) =>
        value is { Count: > 0 } && value.All(m => m > 0 && double.IsFinite(m))
            ? [.. value] : throw new ArgumentOutOfRangeException(name, value is null ? "null" : string.Join(",", value), "must be a non-empty list of finite numbers > 0");
}

/// <summary>
/// One row of paper A's table: one network, dimension d and coupling m.
/// <list type="bullet">
/// <item><see cref="Starts"/> = 2^d Picard runs of f, one from the upper corner of each product region
/// (every coordinate at its region's upper end); <see cref="DistinctLimits"/> counts their distinct
/// converged limits (∞-distance &gt; 1e-8 apart), <see cref="LimitsInOwnRegion"/> the runs that ended in their own region;
/// <see cref="NonConvergedStarts"/> did not converge, of which <see cref="CycleStarts"/> ended on a periodic orbit
/// (period ≤ 8) and <see cref="DivergedStarts"/> diverged (the rest reached the iteration limit).</item>
/// <item><see cref="RegionsCertified"/> of the 2^d product regions pass the region certificate (F(D) ⊆ D and
/// computed K &lt; 1), so each holds exactly one fixed point: the regions are disjoint, so these are that many distinct
/// fixed points. <see cref="MaxCertifiedK"/> is the largest computed K among them (NaN when none),
/// <see cref="MaxAPrioriBound"/> the largest K^L·ε/(1 − K).</item>
/// <item><see cref="LiteralHolds"/>: regions where Theorem 4.1 holds literally with the paper's K (rigorous
/// pre-activation range); <see cref="LiteralHoldsDiagonalReading"/>: the same with the coupling shift of the
/// pre-activation ignored (the reading behind the quoted m thresholds). <see cref="LiteralMinM"/> and
/// <see cref="DiagonalReadingMinM"/> are the smallest m for which each holds in all regions (NaN when above 10⁴).</item>
/// <item><see cref="ProvenCount"/>: the number of fixed points in the enumeration domain, proved by complete
/// enumeration (null when not run, or when undecided boxes remain); <see cref="ProvenStable"/> of them have ρ(J) &lt; 1.</item>
/// </list>
/// </summary>
public sealed record PaperATableRow(
    string Network,
    int D,
    double M,
    int Starts,
    int DistinctLimits,
    int NonConvergedStarts,
    int CycleStarts,
    int DivergedStarts,
    int LimitsInOwnRegion,
    int Regions,
    int RegionsCertified,
    double MaxCertifiedK,
    double MaxAPrioriBound,
    double LiteralK,
    int LiteralHolds,
    int LiteralHoldsDiagonalReading,
    double LiteralMinM,
    double DiagonalReadingMinM,
    int? ProvenCount,
    int? ProvenStable,
    int EnumerationUndecided,
    double EnumerationSeconds,
    double RowSeconds);

/// <summary>Figure 1: one scalar map y ↦ g(y + C) on a grid, with its certified fixed points (all of them in the enumeration domain) and their stability.</summary>
public sealed record PaperAFigure1Series(
    string Network,
    double[] X,
    double[] Y,
    double[] FixedPoints,
    Interval[] FixedPointEnclosures,
    bool[] Stable);

/// <summary>
/// Figure 2: f1 and f2 of the d = 2 polynomial network on the grid X1 × X2 (arrays indexed [i2][i1]),
/// their differences G1 = f1 − x1 and G2 = f2 − x2 (zero on the cuts by the planes y = x_k), and the
/// certified fixed points in the plotted rectangle.
/// </summary>
public sealed record PaperAFigure2Data(
    double M,
    double[] X1,
    double[] X2,
    double[][] F1,
    double[][] F2,
    double[][] G1,
    double[][] G2,
    IReadOnlyList<CertifiedFixedPoint> FixedPoints);

/// <summary>
/// Figure 3: the orbit of the d = 2 polynomial network f_m from the start, viewed as a perturbation of the uncoupled
/// map f_∞ (W = I) with h = f_m − f_∞: <see cref="Robust"/> checks Theorem 4.2's bounds around the uncoupled fixed
/// point <see cref="UncoupledFixedPoint"/> with δ = 1/m (the paper's) and K = 0.92 on D1 × D2.
/// <see cref="RigorousDelta"/> is a proved bound of sup over D1 × D2 of ‖f_m − f_∞‖∞, <see cref="Radius"/> = δ/(1 − K).
/// <see cref="CoupledFixedPoint"/> is f_m's own fixed point (certified, <see cref="CoupledEnclosure"/>).
/// </summary>
public sealed record PaperAFigure3Trajectory(
    double M,
    double[][] Orbit,
    double[] CoupledFixedPoint,
    Interval[]? CoupledEnclosure,
    double[] UncoupledFixedPoint,
    double Delta,
    double RigorousDelta,
    double K,
    double Radius,
    double FinalDistanceToUncoupled,
    bool EndsWithinRadius,
    RobustIterationResult Robust);

/// <summary>Everything <see cref="PaperAReproduction.Run"/> computes.</summary>
public sealed record PaperAReproductionResult(
    PaperAReproductionOptions Options,
    IReadOnlyList<PaperATableRow> Table,
    IReadOnlyList<PaperAFigure1Series> Figure1,
    PaperAFigure2Data? Figure2,
    IReadOnlyList<PaperAFigure3Trajectory> Figure3,
    bool Cancelled,
    TimeSpan Elapsed)
{
    /// <summary>The table as GitHub markdown, one row per (network, d, m).</summary>
    public string TableMarkdown() => PaperAReproduction.ToMarkdown(Table);
}

/// <summary>
/// Reproduces paper A (Ke et al. 2024, arXiv 2410.11279): the table of fixed-point counts and certificates, and the
/// data of figures 1–3. The per-coordinate regions are those of the paper, in the shifted coordinate y of the
/// scalar map y ↦ g(y + C). The network is f(x) = g(Wx + C·1) with W = I + (11ᵀ − I)/m², so its i-th coordinate
/// is g(x_i + C + s_i) with s_i = Σ_{k≠i} x_k/m²: the network's x coordinates are the paper's y coordinates
/// directly, up to the coupling shift s_i (fixed points near <see cref="PaperACase.RegionFixedPoints"/>). Each case
/// study is a <see cref="PaperACase"/>.
/// </summary>
public static class PaperAReproduction
{
    /// <summary>Iterations of each Picard run of the table; converging runs need a few hundred (K ≤ 0.93).</summary>
    public const int PicardMaxIterations = 5000;

    /// <summary>Picard limits closer than this (∞-norm) are the same limit.</summary>
    public const double DistinctLimitTolerance = 1e-8;

    public static PaperAReproductionResult Run(PaperAReproductionOptions? options = null, IProgress<Progress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new PaperAReproductionOptions();
        var clock = Stopwatch.StartNew();
        var cases = (from paper in options.Cases
                     from d in Enumerable.Range(1, options.MaxDimension)
                     from m in options.Ms
                     select (paper, d, m)).ToArray();
        // the slow rows (large d, enumeration) first, so that the threads finish together
        int[] order = [.. Enumerable.Range(0, cases.Length).OrderByDescending(i => Cost(cases[i].d, options))];
        var rows = new PaperATableRow?[cases.Length];
        int done = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.EffectiveThreads, CancellationToken = cancellationToken };
        try
        {
            // the thresholds in m depend on (network, d) only
            var pairs = (from paper in options.Cases from d in Enumerable.Range(1, options.MaxDimension) select (paper, d)).ToArray();
            var thresholds = new (double Literal, double Diagonal)[pairs.Length];
            progress?.Report(new Progress("thresholds", 0, cases.Length));
            Parallel.For(0, pairs.Length, parallel, i =>
            {
                (PaperACase paper, int d) = pairs[i];
                thresholds[i] = (MinimalM(paper, d, paper.K, diagonalReading: false), MinimalM(paper, d, paper.K, diagonalReading: true));
            });
            progress?.Report(new Progress("table", 0, cases.Length));
            Parallel.ForEach(order, parallel, i =>
            {
                (PaperACase paper, int d, double m) = cases[i];
                (double lit, double diag) = thresholds[Array.IndexOf(pairs, (paper, d))];
                rows[i] = TableRow(paper, d, m, options, cancellationToken) with { LiteralMinM = lit, DiagonalReadingMinM = diag };
                progress?.Report(new Progress("table", Interlocked.Increment(ref done), cases.Length));
            });
        }
        catch (OperationCanceledException) { }
        bool cancelled = cancellationToken.IsCancellationRequested;
        var fig1 = new List<PaperAFigure1Series>();
        PaperAFigure2Data? fig2 = null;
        var fig3 = new List<PaperAFigure3Trajectory>();
        if (!cancelled)
        {
            progress?.Report(new Progress("figure 1", done, cases.Length));
            foreach (PaperACase paper in PaperACase.All) fig1.Add(Figure1(paper, options.Fig1Points));
            progress?.Report(new Progress("figure 2", done, cases.Length));
            fig2 = Figure2(options.Fig2M, options.Fig2Points1, options.Fig2Points2);
            progress?.Report(new Progress("figure 3", done, cases.Length));
            foreach (double m in options.Fig3Ms) fig3.Add(Figure3(m, [.. options.Fig3Start], options.Fig3Steps));
            cancelled = cancellationToken.IsCancellationRequested;
        }
        return new PaperAReproductionResult(options, [.. rows.OfType<PaperATableRow>()], fig1, fig2, fig3, cancelled, clock.Elapsed);
    }

    private static double Cost(int d, PaperAReproductionOptions o) => d <= o.MaxEnumerationDimension ? Math.Pow(16, d) : Math.Pow(2, d);

    /// <summary>One row of the table (see <see cref="PaperATableRow"/>); the thresholds in m are left NaN (see <see cref="MinimalM"/>, which <see cref="Run"/> adds).</summary>
    public static PaperATableRow TableRow(PaperACase paper, int d, double m, PaperAReproductionOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new PaperAReproductionOptions();
        var clock = Stopwatch.StartNew();
        Network net = paper.Create(d, m);
        var f = new IntervalNetwork(net);
        double k = paper.K;
        int regions = 1 << d;

        // Picard from the upper corner of every product region
        var starts = new double[regions * d];
        for (int b = 0; b < regions; b++)
        {
            Interval[] box = paper.ProductRegion(d, b);
            for (int i = 0; i < d; i++) starts[b * d + i] = box[i].Hi;
        }
        BatchResult picard = new PicardSolver().SolveBatch(net, starts, regions,
            new SolveOptions { Atol = 1e-12, MaxIterations = PicardMaxIterations, Threads = 1 }, null, cancellationToken);
        var limits = new List<double[]>();
        int nonConverged = 0, inOwn = 0, cycles = 0, diverged = 0;
        for (int b = 0; b < regions; b++)
        {
            SolveResult r = picard.Results[b];
            if (!r.Converged)
            {
                nonConverged++;
                if (r.Status == SolveStatus.Cycle) cycles++;
                if (r.Status is SolveStatus.Diverged or SolveStatus.NonFinite) diverged++;
                continue;
            }
            if (IntervalVector.Contains(paper.ProductRegion(d, b), r.X)) inOwn++;
            if (!limits.Any(l => Numerics.DenseLinearAlgebra.MaxAbsDiff(l, r.X) <= DistinctLimitTolerance)) limits.Add(r.X);
        }

        // region certificates and the literal Theorem 4.1
        int certified = 0, literal = 0, diagonal = 0;
        double maxK = double.NaN, maxBound = double.NaN;
        var regionOptions = new RegionCertificateOptions { Layers = options.Layers };
        for (int b = 0; b < regions; b++)
        {
            Interval[] box = paper.ProductRegion(d, b);
            RegionCertificateResult rc = RegionCertificate.Check(f, box, regionOptions);
            if (rc.Certified)
            {
                certified++;
                maxK = double.IsNaN(maxK) ? rc.K : Math.Max(maxK, rc.K);
                maxBound = double.IsNaN(maxBound) ? rc.APrioriBound : Math.Max(maxBound, rc.APrioriBound);
            }
            LiteralTheorem41Result lt = RegionCertificate.LiteralTheorem41(f, box, k, options.Layers);
            if (lt.Holds) literal++;
            if (lt.HoldsInDiagonalReading) diagonal++;
        }

        // complete enumeration in the domain
        int? proven = null, provenStable = null;
        int undecided = 0;
        double enumSeconds = double.NaN;
        if (d <= options.MaxEnumerationDimension && !cancellationToken.IsCancellationRequested)
        {
            var dom = new Interval[d];
            Array.Fill(dom, paper.EnumerationDomain);
            EnumerationResult er = FixedPointEnumerator.Enumerate(net, dom, null, null, cancellationToken);
            proven = er.ProvenCount;
            provenStable = er.ProvenCount is null ? null : er.FixedPoints.Count(p => p.Stable);
            undecided = er.Undecided.Count;
            enumSeconds = er.Elapsed.TotalSeconds;
        }
        return new PaperATableRow(paper.Name, d, m, regions, limits.Count, nonConverged, cycles, diverged, inOwn, regions, certified, maxK, maxBound,
            k, literal, diagonal, double.NaN, double.NaN, proven, provenStable, undecided, enumSeconds, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The smallest m (to 0.1 %, by bisection on [1, 10⁴]) for which Theorem 4.1 with the paper's K holds in all 2^d
    /// product regions, rigorously or in the diagonal reading; NaN when it fails at m = 10⁴. W(m, d) and b = C·1 are
    /// unchanged when coordinates are permuted, so a region's verdict depends only on how many of its coordinates lie
    /// in D1: the d + 1 regions with D1 in the first k coordinates (k = 0 … d) decide all 2^d.
    /// </summary>
    public static double MinimalM(PaperACase paper, int d, double k, bool diagonalReading)
    {
        int full = (1 << d) - 1;
        int[] representatives = [.. Enumerable.Range(0, d + 1).Select(ones => full ^ ((1 << ones) - 1))];
        bool Holds(double m)
        {
            var net = new IntervalNetwork(paper.Create(d, m));
            foreach (int b in representatives)
            {
                LiteralTheorem41Result lt = RegionCertificate.LiteralTheorem41(net, paper.ProductRegion(d, b), k, 1);
                if (!(diagonalReading ? lt.HoldsInDiagonalReading : lt.Holds)) return false;
            }
            return true;
        }
        double lo = 1.0, hi = 1e4;
        if (!Holds(hi)) return double.NaN;
        if (Holds(lo)) return lo;
        while (hi / lo > 1.001)
        {
            double mid = Math.Sqrt(lo * hi);
            if (Holds(mid)) hi = mid; else lo = mid;
        }
        return hi;
    }

    /// <summary>Figure 1 for one case: the scalar map on its plotting range, and all its certified fixed points.</summary>
    public static PaperAFigure1Series Figure1(PaperACase paper, int points = 301)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 2);
        Network net = paper.Create(1, 1.0);
        Interval range = paper.Figure1Range;
        var x = new double[points];
        var y = new double[points];
        for (int i = 0; i < points; i++)
        {
            x[i] = range.Lo + (range.Hi - range.Lo) * i / (points - 1);
            net.Evaluate(x.AsSpan(i, 1), y.AsSpan(i, 1));
        }
        EnumerationResult er = FixedPointEnumerator.Enumerate(net, [paper.EnumerationDomain]);
        return new PaperAFigure1Series(paper.Name, x, y,
            [.. er.FixedPoints.Select(p => p.Point[0])],
            [.. er.FixedPoints.Select(p => p.Enclosure[0])],
            [.. er.FixedPoints.Select(p => p.Stable)]);
    }

    /// <summary>Figure 2: the d = 2 polynomial network with coupling m on its <see cref="PaperACase.Figure2Box"/>, x1 ∈ [−1.5, 1.5], x2 ∈ [−3, 3].</summary>
    public static PaperAFigure2Data Figure2(double m = 100, int points1 = 61, int points2 = 121)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points1, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(points2, 2);
        PaperACase paper = PaperACase.Poly;
        Network net = paper.Create(2, m);
        Interval r1 = paper.Figure2Box[0], r2 = paper.Figure2Box[1];
        var x1 = new double[points1];
        var x2 = new double[points2];
        for (int i = 0; i < points1; i++) x1[i] = r1.Lo + (r1.Hi - r1.Lo) * i / (points1 - 1);
        for (int i = 0; i < points2; i++) x2[i] = r2.Lo + (r2.Hi - r2.Lo) * i / (points2 - 1);
        var f1 = new double[points2][];
        var f2 = new double[points2][];
        var g1 = new double[points2][];
        var g2 = new double[points2][];
        var y = new double[2];
        for (int j = 0; j < points2; j++)
        {
            f1[j] = new double[points1];
            f2[j] = new double[points1];
            g1[j] = new double[points1];
            g2[j] = new double[points1];
            for (int i = 0; i < points1; i++)
            {
                net.Evaluate([x1[i], x2[j]], y);
                f1[j][i] = y[0];
                f2[j][i] = y[1];
                g1[j][i] = y[0] - x1[i];
                g2[j][i] = y[1] - x2[j];
            }
        }
        EnumerationResult er = FixedPointEnumerator.Enumerate(net, [r1, r2]);
        return new PaperAFigure2Data(m, x1, x2, f1, f2, g1, g2, er.FixedPoints);
    }

    /// <summary>Figure 3: the orbit of the d = 2 polynomial network f_m from <paramref name="start"/>, checked against Theorem 4.2.</summary>
    public static PaperAFigure3Trajectory Figure3(double m, double[]? start = null, int steps = 30)
    {
        start ??= [1.475, 0.10];
        if (start.Length != 2) throw new ArgumentException("the start needs two coordinates", nameof(start));
        PaperACase paper = PaperACase.Poly;
        const int D1xD2 = 0b10;
        double k = paper.K;
        Network coupled = paper.Create(2, m);
        Network uncoupled = paper.Uncoupled(2);
        Interval[] region = paper.ProductRegion(2, D1xD2);
        KrawczykResult pInf = Krawczyk.Certify(uncoupled, paper.RegionFixedPoint(2, D1xD2));
        KrawczykResult pM = Krawczyk.Certify(coupled, paper.RegionFixedPoint(2, D1xD2));
        double delta = 1.0 / m;
        var options = new RobustIterationOptions { Steps = steps, Delta = delta, K = k };
        RobustIterationResult robust = RobustIteration.Run(uncoupled, start, pInf.Center, options, Perturbations.Difference(coupled, uncoupled), region);
        double final = robust.Steps.Count > 0 ? robust.Steps[^1].Distance : robust.InitialDistance;
        return new PaperAFigure3Trajectory(m, robust.Orbit, pM.Center, pM.Enclosure, pInf.Center, delta, CouplingPerturbationBound(paper, m, region), k,
            robust.LimitRadius, final, final <= robust.LimitRadius, robust);
    }

    /// <summary>
    /// A proved upper bound of sup over the box of ‖f_m(x) − f_∞(x)‖∞: by the mean-value theorem, row j is
    /// g′(ξ)·Σ_{k≠j} x_k/m² with ξ between the two pre-activations.
    /// </summary>
    public static double CouplingPerturbationBound(PaperACase paper, double m, ReadOnlySpan<Interval> box)
    {
        int d = box.Length;
        Network coupled = paper.Create(d, m);
        Network uncoupled = paper.Uncoupled(d);
        var g = IntervalActivation.For(coupled.Activation);
        var zm = new Interval[d];
        var z0 = new Interval[d];
        IntervalNetwork.Affine(coupled.Layers[0], box, zm);
        IntervalNetwork.Affine(uncoupled.Layers[0], box, z0);
        double bound = 0;
        Interval inv = Interval.Point(1.0) / Interval.Sqr(Interval.Point(m));
        for (int j = 0; j < d; j++)
        {
            Interval s = Interval.Point(0.0);
            for (int i = 0; i < d; i++) if (i != j) s += box[i];
            Interval diff = g.Derivative(Interval.Hull(zm[j], z0[j])) * (s * inv);
            bound = Math.Max(bound, diff.Mag);
        }
        return bound;
    }

    /// <summary>The table as GitHub markdown.</summary>
    public static string ToMarkdown(IReadOnlyList<PaperATableRow> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| network | d | m | distinct limits / 2^d starts | regions certified / 2^d | max K | literal Thm 4.1 (K) | literal, diagonal reading | min m literal | min m diagonal | proven fixed points (stable) |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (PaperATableRow r in rows)
        {
            string proven = r.ProvenCount is int p ? $"{p} ({r.ProvenStable})" : double.IsNaN(r.EnumerationSeconds) ? "—" : $"undecided ({r.EnumerationUndecided} boxes)";
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Network} | {r.D} | {r.M:G} | {r.DistinctLimits} / {r.Starts}{(r.NonConvergedStarts > 0 ? $" ({r.NonConvergedStarts} not converged, {r.CycleStarts} cycles)" : "")} | {r.RegionsCertified} / {r.Regions} | {Fmt(r.MaxCertifiedK)} | {r.LiteralHolds} / {r.Regions} ({r.LiteralK:G}) | {r.LiteralHoldsDiagonalReading} / {r.Regions} | {Fmt(r.LiteralMinM)} | {Fmt(r.DiagonalReadingMinM)} | {proven} |"));
        }
        return sb.ToString();

        static string Fmt(double v) => double.IsNaN(v) ? "—" : v.ToString("0.####", CultureInfo.InvariantCulture);
    }
}
