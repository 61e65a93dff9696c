using System.Diagnostics;
using System.Numerics;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using Fixpoint.Solvers;
using static Fixpoint.Numerics.DenseLinearAlgebra;

namespace Fixpoint.Census;

/// <summary>
/// The census: solve from many starts, de-duplicate, polish, classify stability, collect cycles,
/// measure basins and estimate how many attracting fixed points were not seen.
/// </summary>
public static class FixedPointCensus
{
    public static CensusResult Run(IMap map, StartSpec starts, int requestedStarts, ulong seed, CensusOptions options,
        IProgress<Progress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(starts);
        ArgumentNullException.ThrowIfNull(options);
        if (requestedStarts < 1) throw new ArgumentOutOfRangeException(nameof(requestedStarts), requestedStarts, "must be ≥ 1");
        var clock = Stopwatch.StartNew();
        int n = map.Dimension;
        int count = starts.Count(n, requestedStarts);
        double[] x0 = starts.Generate(n, count, seed);
        long phase = Stopwatch.GetTimestamp();

        var assignment = new EarlyAssignment(map, options);
        BatchResult batch = assignment.SolveBatch(x0, count,
            progress is null ? null : new SyncProgress<int>(d => progress.Report(new Progress("solve", d, count))), cancellationToken);
        long evaluations = batch.Evaluations;
        double solveSeconds = Stopwatch.GetElapsedTime(phase).TotalSeconds, newtonSeconds = 0;

        if (options.RoundingFloor > 0) batch = batch with { Results = batch.Results.Select(r => WithinRounding(r, options.RoundingFloor)).ToArray() };

        var status = new SolveStatus?[count];
        long conv = 0, cyc = 0, div = 0, maxit = 0, nonFinite = 0, stalled = 0, cancelled = 0;
        for (int i = 0; i < count; i++)
        {
            SolveResult r = batch.Results[i];
            status[i] = r.Status;
            switch (r.Status)
            {
                case SolveStatus.Converged: conv++; break;
                case SolveStatus.Cycle: cyc++; break;
                case SolveStatus.Diverged: div++; break;
                case SolveStatus.MaxIterations: maxit++; break;
                case SolveStatus.NonFinite: nonFinite++; break;
                case SolveStatus.Stalled: stalled++; break;
                case SolveStatus.Cancelled: cancelled++; break;
            }
        }
        long finished = conv + cyc + div + maxit + nonFinite + stalled;

        // 1. Cluster converged starts (start order: deterministic). The anchor is the first member; the best member has the lowest residual.
        var clusters = new List<Cluster>();
        var index = new PointClusters(n, options.UniqueTol);
        var startCluster = new int[count];
        Array.Fill(startCluster, -1);
        for (int i = 0; i < count; i++)
        {
            SolveResult r = batch.Results[i];
            if (r.Status != SolveStatus.Converged) continue;
            int c = index.Find(r.X);
            if (c < 0)
            {
                clusters.Add(new Cluster(r.X, r.Residual, FoundBy.Iteration));
                c = index.Add(r.X);
            }
            Cluster cl = clusters[c];
            cl.Hits++;
            if (r.Residual < cl.BestResidual) { cl.Best = r.X; cl.BestResidual = r.Residual; }
            startCluster[i] = c;
        }

        // 2. Cycles: canonical rotation and de-duplication.
        var cycles = new List<(double[][] Points, long Hits)>();
        var startCycle = new int[count];
        Array.Fill(startCycle, -1);
        for (int i = 0; i < count; i++)
        {
            SolveResult r = batch.Results[i];
            if (r.Status != SolveStatus.Cycle || r.CyclePoints is null) continue;
            double[][] pts = Canonical(ShortestPeriod(r.CyclePoints, options.UniqueTol));
            int found = -1;
            for (int c = 0; c < cycles.Count && found < 0; c++)
                if (SameOrbit(cycles[c].Points, pts, options.UniqueTol)) found = c;
            if (found < 0) { cycles.Add((pts, 0)); found = cycles.Count - 1; }
            cycles[found] = (cycles[found].Points, cycles[found].Hits + 1);
            startCycle[i] = found;
        }
        // 3. The unstable pass: Newton from every start, from the points of each distinct cycle, and from the best iterates of starts that hit the iteration limit.
        if (options.Unstable && !cancellationToken.IsCancellationRequested)
        {
            phase = Stopwatch.GetTimestamp();
            var extra = new List<double[]>();
            foreach (var c in cycles) extra.AddRange(c.Points);
            for (int i = 0; i < count; i++)
            {
                SolveResult r = batch.Results[i];
                if (r.Status is SolveStatus.MaxIterations or SolveStatus.Stalled && r.X.All(double.IsFinite)) extra.Add(r.X);
            }
            int fromStarts = options.UnstableStarts > 0 ? Math.Min(options.UnstableStarts, count) : count;
            int total = fromStarts + extra.Count;
            var newtonStarts = new double[total * n];
            Array.Copy(x0, newtonStarts, fromStarts * n);
            for (int e = 0; e < extra.Count; e++) Array.Copy(extra[e], 0, newtonStarts, (fromStarts + e) * n, n);
            var newtonOptions = options.Solve with { MaxIterations = options.NewtonMaxIterations };
            ISolver newtonSolver = CensusNewton.For(options.Newton, n);
            BatchResult nb = newtonSolver.SolveBatch(map, newtonStarts, total, newtonOptions,
                progress is null ? null : new SyncProgress<int>(d => progress.Report(new Progress("newton", d, total))), cancellationToken);
            // Where Newton–Krylov is the solver, it stalls from most starts on wide high-gain networks (docs/census.md,
            // "Unstable fixed points"): a few arclength homotopy paths from the first starts are tracked in addition.
            if (newtonSolver is NewtonKrylovSolver && !cancellationToken.IsCancellationRequested)
            {
                int tracks = Math.Min(CensusNewton.HomotopyTracks, count);
                var homotopyOptions = options.Solve with { MaxIterations = Math.Max(options.NewtonMaxIterations, CensusNewton.HomotopyMaxIterations) };
                BatchResult hb = HomotopyBatch(new HomotopySolver { MaxProducts = CensusNewton.HomotopyMaxProducts }, map, x0.AsSpan(0, tracks * n).ToArray(), tracks, homotopyOptions,
                    progress is null ? null : new SyncProgress<int>(d => progress.Report(new Progress("newton", total + d, total + tracks))), cancellationToken);
                nb = new BatchResult([.. nb.Results, .. hb.Results], nb.Cancelled || hb.Cancelled, nb.Evaluations + hb.Evaluations);
            }
            evaluations += nb.Evaluations;
            foreach (SolveResult r in nb.Results)
            {
                if (r.Status != SolveStatus.Converged) continue;
                if (index.Find(r.X) >= 0) continue;
                clusters.Add(new Cluster(r.X, r.Residual, FoundBy.Newton));
                index.Add(r.X);
            }
            newtonSeconds = Stopwatch.GetElapsedTime(phase).TotalSeconds;
        }

        // 3b. Deflation (docs/census.md, "Deflation"): deflated Newton from the first DeflateStarts starts, each start
        // again and again with every point known so far deflated, until it finds nothing new. Sequential: the known set grows.
        if (options.DeflateStarts > 0 && !cancellationToken.IsCancellationRequested)
        {
            phase = Stopwatch.GetTimestamp();
            var deflated = new DeflatedNewton(map, options.Newton);
            var known = clusters.Select(c => c.Best).ToList();
            int k = Math.Min(options.DeflateStarts, count);
            for (int i = 0; i < k && !cancellationToken.IsCancellationRequested; i++)
            {
                for (int round = 0; round < CensusOptions.DeflationsPerStart; round++)
                {
                    double[]? x = deflated.Solve(x0.AsSpan(i * n, n), known, options.PolishTol, options.UniqueTol, options.NewtonMaxIterations, options.Solve.DivergenceBound);
                    if (x is null || index.Find(x) >= 0) break;
                    var y = new double[n];
                    map.Evaluate(x, y);
                    clusters.Add(new Cluster(x, MaxAbsDiff(y, x), FoundBy.Deflation));
                    index.Add(x);
                    known.Add(x);
                }
                progress?.Report(new Progress("deflation", i + 1, k));
            }
            newtonSeconds += Stopwatch.GetElapsedTime(phase).TotalSeconds;
        }

        // 4. Polish each cluster's best member with Newton and recompute its residual.
        var polishOptions = options.Solve with { Atol = options.PolishTol, Rtol = 0, MaxIterations = options.NewtonMaxIterations, Threads = 1 };
        ISolver newton = CensusNewton.For(options.Newton, n);
        phase = Stopwatch.GetTimestamp();
        int polished = 0;
        progress?.Report(new Progress("polish", 0, clusters.Count));
        Parallel.For(0, clusters.Count, new ParallelOptions { MaxDegreeOfParallelism = options.Solve.EffectiveThreads }, c =>
        {
            Cluster cl = clusters[c];
            SolveResult p = newton.Solve(map, cl.Best, polishOptions);
            if (p.Status == SolveStatus.Converged && MaxAbsDiff(p.X, cl.Best) <= options.UniqueTol)
            {
                cl.Point = p.X;
                cl.Polished = true;
            }
            else cl.Point = cl.Best;
            var y = new double[n];
            map.Evaluate(cl.Point, y);
            cl.Residual = MaxAbsDiff(y, cl.Point);
            progress?.Report(new Progress("polish", Interlocked.Increment(ref polished), clusters.Count));
        });

        // 5. Polishing can bring two clusters of one slowly converging point together: merge them.
        var merged = new List<Cluster>();
        var mergedIndex = new PointClusters(n, options.UniqueTol);
        var remap = new int[clusters.Count];
        for (int c = 0; c < clusters.Count; c++)
        {
            int m = mergedIndex.Find(clusters[c].Point!);
            if (m < 0) { merged.Add(clusters[c]); remap[c] = mergedIndex.Add(clusters[c].Point!); }
            else
            {
                Cluster keep = merged[m], other = clusters[c];
                keep.Hits += other.Hits;
                if (other.Residual < keep.Residual) { keep.Point = other.Point; keep.Residual = other.Residual; keep.Polished = other.Polished; mergedIndex.Replace(m, keep.Point!); }
                if (keep.FoundBy != FoundBy.Iteration && other.FoundBy == FoundBy.Iteration) keep.FoundBy = FoundBy.Iteration;
                remap[c] = m;
            }
        }

        double polishSeconds = Stopwatch.GetElapsedTime(phase).TotalSeconds;

        // 6. Stability from the eigenvalues of J.
        phase = Stopwatch.GetTimestamp();
        int classified = 0;
        progress?.Report(new Progress("stability", 0, merged.Count));
        var infos = new FixedPointInfo[merged.Count];
        Parallel.For(0, merged.Count, new ParallelOptions { MaxDegreeOfParallelism = options.Solve.EffectiveThreads }, () => new JacobianWorkspace(), (k, _, workspace) =>
        {
            Cluster cl = merged[k];
            // A ball's proof formed J at its centre, which is the point an assigned start reports: the same J, not formed twice.
            double[]? formed = options.EarlyAssignment?.Prover.FormedJacobian(map, cl.Point!);
            StabilityVerdict v = FixedPointStability.Of(map, cl.Point!, options.Eigen, options.StabilityMargin, workspace, options.SlowModes, formed);
            var ci = CensusStatistics.Wilson(cl.Hits, finished);
            infos[k] = new FixedPointInfo(cl.Point!, cl.Residual, cl.Polished, v.SpectralRadius, v.Stability, v.UnstableDimensions, v.Eigenvalues, v.IsFocus,
                cl.Hits, finished > 0 ? (double)cl.Hits / finished : 0.0, ci, cl.FoundBy) { EigenvalueMethod = v.Method, EigenvalueResidual = v.Residual, Modes = v.Modes };
            infos[k] = StabilityUncertainty.Annotate(infos[k], map, options.StabilityMargin);
            if (v.Uncertain) infos[k] = infos[k] with { StabilityUncertain = true };
            progress?.Report(new Progress("stability", Interlocked.Increment(ref classified), merged.Count));
            return workspace;
        }, _ => { });

        // 6b. At a map's rounding floor (float32) converged points of one attractor spread over its error ball, so two
        // attracting points are one when their distance is ≤ UniqueTol + r_a + r_b, r = ‖F(x) − x‖∞/(1 − ρ) (how far a point
        // with that residual can be from the fixed point of a contraction with rate ρ).
        if (options.RoundingFloor > 0) (infos, remap) = MergeWithinErrorBalls(infos, remap, options.UniqueTol, finished);

        // 7. The multiplier of each orbit.
        var cycleInfos = cycles.Select(c =>
        {
            double rho = MultiplierRadius(map, c.Points);
            return new CycleInfo(c.Points.Length, c.Points, c.Hits, finished > 0 ? (double)c.Hits / finished : 0.0,
                CensusStatistics.Wilson(c.Hits, finished), rho, StabilityText.Classify(rho, options.StabilityMargin));
        }).ToList();
        double stabilitySeconds = Stopwatch.GetElapsedTime(phase).TotalSeconds;

        // 8. Order: most hits first, then stable before unstable, then lexicographically; map starts to the sorted indices.
        int[] fpOrder = Enumerable.Range(0, infos.Length)
            .OrderByDescending(k => infos[k].Hits).ThenBy(k => infos[k].Stability).ThenBy(k => infos[k].UnstableDimensions)
            .ThenBy(k => infos[k].X, LexicographicComparer.Instance).ToArray();
        var fpRank = new int[infos.Length];
        for (int r = 0; r < fpOrder.Length; r++) fpRank[fpOrder[r]] = r;
        int[] cyOrder = Enumerable.Range(0, cycleInfos.Count).OrderByDescending(k => cycleInfos[k].Hits)
            .ThenBy(k => cycleInfos[k].Period).ThenBy(k => cycleInfos[k].Points[0], LexicographicComparer.Instance).ToArray();
        var cyRank = new int[cycleInfos.Count];
        for (int r = 0; r < cyOrder.Length; r++) cyRank[cyOrder[r]] = r;
        var attractor = new int?[count];
        for (int i = 0; i < count; i++)
            attractor[i] = startCluster[i] >= 0 ? fpRank[remap[startCluster[i]]]
                : startCycle[i] >= 0 ? infos.Length + cyRank[startCycle[i]] : null;

        // 9. Slow points: local minima of ½‖F(x) − x‖² that are not fixed points, from the first starts.
        IReadOnlyList<SlowPoint>? slowPoints = options.SlowPoints is { } sp && !cancellationToken.IsCancellationRequested
            ? SlowPointSearch.Find(map, x0, count, sp, options.Solve, options.UniqueTol, progress, cancellationToken) : null;

        MissingEstimate missing = CensusStatistics.Chao1(infos.Where(f => f.Hits > 0).Select(f => f.Hits).ToList());
        return assignment.Annotate(new CensusResult(n, (int)finished, count, seed, options.Solver.Name, starts.Describe(),
            new OutcomeCounts(conv, cyc, div, maxit) { NonFinite = nonFinite, Stalled = stalled, Cancelled = cancelled },
            fpOrder.Select(k => infos[k]).ToList(), cyOrder.Select(k => cycleInfos[k]).ToList(),
            missing, clock.Elapsed.TotalSeconds, evaluations, batch.Cancelled || cancellationToken.IsCancellationRequested,
            options, x0, status, attractor)
        {
            Phases = new PhaseSeconds(solveSeconds, newtonSeconds, polishSeconds, stabilitySeconds, 0),
            StartIterations = batch.Results.Select(r => r.Iterations).ToArray(),
            StartAssigned = batch.Results.Select(r => r.AssignedTo is not null).ToArray(),
            SlowPoints = slowPoints,
        });
    }

    /// <summary>ρ of J(x_{k−1})⋯J(x_0) along an orbit; the product is renormalised at each step so it cannot overflow.</summary>
    public static double MultiplierRadius(IMap map, double[][] orbit)
    {
        int n = map.Dimension;
        var prod = new double[n * n];
        for (int i = 0; i < n; i++) prod[i * n + i] = 1;
        var jac = new double[n * n];
        var tmp = new double[n * n];
        var workspace = new JacobianWorkspace();
        double logScale = 0;
        foreach (double[] p in orbit)
        {
            map.Jacobian(p, jac, workspace);
            Spectral.Multiply(jac, prod, n, tmp);
            double s = tmp.Max(Math.Abs);
            if (s == 0) return 0;
            if (!double.IsFinite(s)) return double.NaN;
            for (int i = 0; i < tmp.Length; i++) tmp[i] /= s;
            logScale += Math.Log(s);
            (prod, tmp) = (tmp, prod);
        }
        return Math.Exp(logScale) * Spectral.SpectralRadius(prod, n);
    }

    // The few homotopy paths, one start per solve so that each gets a core (a driver chunk holds at least 16 starts).
    private static BatchResult HomotopyBatch(ISolver solver, IMap map, double[] starts, int count, SolveOptions options,
        IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var results = new SolveResult[count];
        long evaluations = 0;
        int done = 0;
        var one = options with { Threads = 1 };
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = options.EffectiveThreads }, i =>
        {
            BatchResult b = solver.SolveBatch(map, starts.AsSpan(i * map.Dimension, map.Dimension).ToArray(), 1, one, null, cancellationToken);
            results[i] = b.Results[0];
            Interlocked.Add(ref evaluations, b.Evaluations);
            progress?.Report(Interlocked.Increment(ref done));
        });
        return new BatchResult(results, results.Any(r => r.Status == SolveStatus.Cancelled), evaluations);
    }

    private static (FixedPointInfo[], int[]) MergeWithinErrorBalls(FixedPointInfo[] infos, int[] remap, double uniqueTol, long finished)
    {
        static double Radius(FixedPointInfo f) => f.Residual / (1 - f.SpectralRadius);
        int m = infos.Length;
        var into = Enumerable.Range(0, m).ToArray();
        for (int a = 0; a < m; a++)
        {
            if (into[a] != a || infos[a].Stability != Stability.Stable) continue;
            for (int b = a + 1; b < m; b++)
                if (into[b] == b && infos[b].Stability == Stability.Stable
                    && MaxAbsDiff(infos[a].X, infos[b].X) <= uniqueTol + Radius(infos[a]) + Radius(infos[b])) into[b] = a;
        }
        if (Enumerable.Range(0, m).All(k => into[k] == k)) return (infos, remap);
        var hits = new long[m];
        for (int k = 0; k < m; k++) hits[into[k]] += infos[k].Hits;
        var kept = new List<FixedPointInfo>();
        var position = new int[m];
        for (int k = 0; k < m; k++)
        {
            if (into[k] != k) continue;
            position[k] = kept.Count;
            kept.Add(hits[k] == infos[k].Hits ? infos[k] : infos[k] with
            {
                Hits = hits[k], BasinFraction = finished > 0 ? (double)hits[k] / finished : 0.0, BasinCI95 = CensusStatistics.Wilson(hits[k], finished),
            });
        }
        return (kept.ToArray(), remap.Select(r => r < 0 ? r : position[into[r]]).ToArray());
    }

    /// <summary>A cycle whose orbit is narrower than the rounding floor, as the converged start it is (at the orbit's first point).</summary>
    private static SolveResult WithinRounding(SolveResult r, double floor)
    {
        if (r.Status != SolveStatus.Cycle || r.CyclePoints is not { Length: > 0 } pts) return r;
        for (int i = 0; i < pts.Length; i++)
            for (int j = i + 1; j < pts.Length; j++)
                if (MaxAbsDiff(pts[i], pts[j]) > floor) return r;
        return r with { X = pts[0], Status = SolveStatus.Converged, Period = 0, CyclePoints = null };
    }

    /// <summary>
    /// The orbit with its shortest period: a k-cycle whose points repeat after p | k within <paramref name="tol"/>
    /// (a 4-cycle that is a 2-cycle traversed twice, which a float32 map's rounding makes the driver see) is that p-cycle.
    /// </summary>
    private static double[][] ShortestPeriod(double[][] points, double tol)
    {
        int k = points.Length;
        for (int p = 2; p < k; p++) // period 1 would be a fixed point: that is the rounding floor's call, not this one's
        {
            if (k % p != 0) continue;
            bool repeats = true;
            for (int i = 0; i + p < k && repeats; i++) repeats = MaxAbsDiff(points[i], points[i + p]) <= tol;
            if (repeats) return points[..p];
        }
        return points;
    }

    private static double[][] Canonical(double[][] points)
    {
        int start = 0;
        for (int i = 1; i < points.Length; i++)
            if (LexicographicComparer.Instance.Compare(points[i], points[start]) < 0) start = i;
        return Enumerable.Range(0, points.Length).Select(i => points[(start + i) % points.Length]).ToArray();
    }

    private static bool SameOrbit(double[][] a, double[][] b, double tol)
    {
        if (a.Length != b.Length) return false;
        for (int shift = 0; shift < a.Length; shift++)
        {
            bool all = true;
            for (int i = 0; i < a.Length && all; i++) all = MaxAbsDiff(a[i], b[(i + shift) % b.Length]) <= tol;
            if (all) return true;
        }
        return false;
    }

    private sealed class Cluster(double[] anchor, double residual, FoundBy foundBy)
    {
        public double[] Anchor { get; } = anchor;
        public double[] Best { get; set; } = anchor;
        public double BestResidual { get; set; } = residual;
        public long Hits { get; set; }
        public FoundBy FoundBy { get; set; } = foundBy;
        public double[]? Point { get; set; }
        public double Residual { get; set; }
        public bool Polished { get; set; }
    }
}
