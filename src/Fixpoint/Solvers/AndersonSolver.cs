using Fixpoint.Maps;
using Fixpoint.Numerics;
using static Fixpoint.Numerics.DenseLinearAlgebra;

namespace Fixpoint.Solvers;

/// <summary>
/// Anderson acceleration (type II, Walker and Ni 2011) of x ← F(x), with residual g = F(x) − x:
/// γ = argmin ‖g_k − ΔG γ‖² + λ‖γ‖² over the last <see cref="History"/> differences, then
/// x ← x + βg − (ΔX + βΔG)γ. The ridge λ is <see cref="Ridge"/> × the largest diagonal entry of ΔGᵀΔG.
/// <para>Safeguard: the history is cleared and a plain step x ← x + βg is taken when the residual
/// grows (‖g_k‖∞ &gt; <see cref="RestartGrowth"/> × ‖g_{k−1}‖∞) or when the mixing problem is
/// ill-conditioned (a Cholesky pivot ratio below <see cref="MinPivotRatio"/>).</para>
/// Anderson can converge to unstable fixed points; its outcomes are not the map's basins of attraction.
/// </summary>
public sealed record AndersonSolver : ISolver
{
    private readonly int _history = 5;
    private readonly double _ridge = 1e-10;
    private readonly double _mixing = 1.0;
    private readonly double _restartGrowth = 1.0;
    private readonly double _minPivotRatio = 1e-14;

    public int History { get => _history; init => _history = value >= 1 && value <= 50 ? value : throw new ArgumentOutOfRangeException(nameof(History), value, "must be in 1 … 50"); }
    public double Ridge { get => _ridge; init => _ridge = value >= 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(Ridge), value, "must be ≥ 0"); }
    /// <summary>β in (0, 1].</summary>
    public double Mixing { get => _mixing; init => _mixing = value > 0 && value <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Mixing), value, "must be in (0, 1]"); }
    public double RestartGrowth { get => _restartGrowth; init => _restartGrowth = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(RestartGrowth), value, "must be ≥ 1"); }
    public double MinPivotRatio { get => _minPivotRatio; init => _minPivotRatio = value > 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(nameof(MinPivotRatio), value, "must be in (0, 1)"); }

    public string Name => "anderson";

    public BatchResult SolveBatch(IMap map, double[] starts, int count, SolveOptions options, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
        => BatchDriver.Run(map, starts, count, options, progress, cancellationToken, SolveChunk);

    private long SolveChunk(IMap map, double[] starts, int first, int m, SolveOptions o, SolveResult?[] results, Action<int> finished, CancellationToken ct)
    {
        int n = map.Dimension;
        int hm = History;
        var x = new double[m * n];
        var y = new double[m * n];
        var xPrev = new double[m * n];
        var gPrev = new double[m * n];
        var rPrev = new double[m];
        var dx = new double[m * hm * n];
        var dg = new double[m * hm * n];
        var hCount = new int[m];
        var hPos = new int[m];
        var best = new double[m * n];
        var bestRes = new double[m];
        var id = new int[m];
        var iters = new int[m];
        var g = new double[n];
        var gram = new double[hm * hm];
        var gamma = new double[hm];
        Array.Copy(starts, first * n, x, 0, m * n);
        Array.Copy(x, best, m * n);
        Array.Fill(bestRes, double.PositiveInfinity);
        for (int i = 0; i < m; i++) id[i] = first + i;
        int active = m;
        long evals = 0;
        double beta = Mixing;

        for (int iter = 1; iter <= o.MaxIterations && active > 0; iter++)
        {
            if (ct.IsCancellationRequested) return evals;
            map.EvaluateBatch(x, y, active);
            evals += active;
            int finishedNow = 0;
            for (int a = active - 1; a >= 0; a--)
            {
                Span<double> xa = x.AsSpan(a * n, n);
                ReadOnlySpan<double> ya = y.AsSpan(a * n, n);
                for (int j = 0; j < n; j++) g[j] = ya[j] - xa[j];
                double r = MaxAbs(g);
                double yInf = MaxAbs(ya);
                SolveResult? result = null;
                if (!double.IsFinite(r) || !double.IsFinite(yInf) || yInf > o.DivergenceBound || MaxAbs(xa) > o.DivergenceBound)
                    result = new SolveResult(best.AsSpan(a * n, n).ToArray(), SolveStatus.Diverged, iter, iter, bestRes[a] < double.PositiveInfinity ? bestRes[a] : double.NaN);
                else if (o.IsConverged(r, MaxAbs(xa)))
                    result = new SolveResult(xa.ToArray(), SolveStatus.Converged, iter, iter, r);
                else
                {
                    if (r < bestRes[a]) { bestRes[a] = r; xa.CopyTo(best.AsSpan(a * n, n)); }
                    Step(a, iter, r);
                    if (iter == o.MaxIterations)
                        result = new SolveResult(best.AsSpan(a * n, n).ToArray(), SolveStatus.MaxIterations, iter, iter, bestRes[a]);
                }
                if (result is not null)
                {
                    results[id[a]] = result;
                    finishedNow++;
                    active--;
                    if (a != active) Move(active, a);
                }
            }
            if (finishedNow > 0) finished(finishedNow);
        }
        return evals;

        void Step(int a, int iter, double r)
        {
            Span<double> xa = x.AsSpan(a * n, n);
            Span<double> xp = xPrev.AsSpan(a * n, n);
            Span<double> gp = gPrev.AsSpan(a * n, n);
            bool restart = iter > 1 && r > RestartGrowth * rPrev[a];
            if (restart) hCount[a] = 0;
            else if (iter > 1)
            {
                int slot = hPos[a];
                Span<double> dxs = dx.AsSpan((a * hm + slot) * n, n);
                Span<double> dgs = dg.AsSpan((a * hm + slot) * n, n);
                for (int j = 0; j < n; j++) { dxs[j] = xa[j] - xp[j]; dgs[j] = g[j] - gp[j]; }
                hPos[a] = (slot + 1) % hm;
                hCount[a] = Math.Min(hCount[a] + 1, hm);
            }
            xa.CopyTo(xp);
            g.AsSpan(0, n).CopyTo(gp);
            rPrev[a] = r;
            int k = hCount[a];
            bool mixed = false;
            if (k > 0)
            {
                double maxDiag = 0;
                for (int i = 0; i < k; i++)
                {
                    ReadOnlySpan<double> gi = dg.AsSpan((a * hm + i) * n, n);
                    gamma[i] = System.Numerics.Tensors.TensorPrimitives.Dot(gi, g);
                    for (int j = 0; j <= i; j++)
                    {
                        double v = System.Numerics.Tensors.TensorPrimitives.Dot(gi, dg.AsSpan((a * hm + j) * n, n));
                        gram[i * k + j] = v;
                        gram[j * k + i] = v;
                    }
                    maxDiag = Math.Max(maxDiag, gram[i * k + i]);
                }
                double lambda = Ridge * maxDiag;
                for (int i = 0; i < k; i++) gram[i * k + i] += lambda;
                if (DenseLinearAlgebra.CholeskySolveInPlace(gram.AsSpan(0, k * k), gamma.AsSpan(0, k), k, MinPivotRatio))
                {
                    for (int j = 0; j < n; j++) xa[j] += beta * g[j];
                    for (int i = 0; i < k; i++)
                    {
                        double c = gamma[i];
                        ReadOnlySpan<double> dxi = dx.AsSpan((a * hm + i) * n, n);
                        ReadOnlySpan<double> dgi = dg.AsSpan((a * hm + i) * n, n);
                        for (int j = 0; j < n; j++) xa[j] -= c * (dxi[j] + beta * dgi[j]);
                    }
                    mixed = true;
                }
                else hCount[a] = 0; // ill-conditioned: drop the history, take a plain step
            }
            if (!mixed) for (int j = 0; j < n; j++) xa[j] += beta * g[j];
        }

        void Move(int from, int to)
        {
            Array.Copy(x, from * n, x, to * n, n);
            Array.Copy(xPrev, from * n, xPrev, to * n, n);
            Array.Copy(gPrev, from * n, gPrev, to * n, n);
            Array.Copy(best, from * n, best, to * n, n);
            Array.Copy(dx, from * hm * n, dx, to * hm * n, hm * n);
            Array.Copy(dg, from * hm * n, dg, to * hm * n, hm * n);
            rPrev[to] = rPrev[from];
            hCount[to] = hCount[from];
            hPos[to] = hPos[from];
            bestRes[to] = bestRes[from];
            id[to] = id[from];
        }
    }
}
