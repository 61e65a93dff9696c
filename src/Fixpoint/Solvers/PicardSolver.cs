using System.Buffers;
using System.Runtime.CompilerServices;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using static Fixpoint.Numerics.DenseLinearAlgebra;

namespace Fixpoint.Solvers;

/// <summary>
/// Plain (damped) fixed-point iteration x ← (1 − β)x + βF(x). With β = 1 this is the network's own
/// dynamics, so its outcomes are the attractors and basins of the map; it also detects periodic
/// orbits (see <see cref="SolveOptions.MaxPeriod"/>).
/// </summary>
public sealed record PicardSolver : ISolver
{
    private readonly double _damping = 1.0;

    /// <summary>β in (0, 1]; 1 is undamped.</summary>
    public double Damping
    {
        get => _damping;
        init => _damping = value > 0 && value <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Damping), value, "must be in (0, 1]");
    }

    public string Name => "picard";

    public BatchResult SolveBatch(IMap map, double[] starts, int count, SolveOptions options, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
        => BatchDriver.Run(map, starts, count, options, progress, cancellationToken, SolveChunk,
            numbersPerStart: (3 + Math.Max(options.MaxPeriod - 1, 0)) * map.Dimension + 4);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long SolveChunk(IMap map, double[] starts, int first, int m, SolveOptions o, SolveResult?[] results, Action<int> finished, CancellationToken ct)
    {
        int n = map.Dimension;
        int h = Math.Max(o.MaxPeriod - 1, 0); // history x_{t-1} … x_{t-P+1}
        using var ws = new Workspace(m, n, h);
        double[] x = ws.X, y = ws.Y, best = ws.Best, bestRes = ws.BestRes, hist = ws.Hist, next = ws.Next;
        int[] id = ws.Id, histCount = ws.HistCount, histPos = ws.HistPos;
        Array.Copy(starts, first * n, x, 0, m * n);
        Array.Copy(x, best, m * n);
        bestRes.AsSpan(0, m).Fill(double.PositiveInfinity);
        histCount.AsSpan(0, m).Clear();
        histPos.AsSpan(0, m).Clear();
        for (int i = 0; i < m; i++) id[i] = first + i;
        int active = m;
        long evals = 0;
        double beta = Damping;
        bool relative = o.Rtol != 0;

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
                double r = RowOps.MaxAbsDiff(ya, xa, out double yInf);
                SolveResult? result = null;
                if (!double.IsFinite(r) || !double.IsFinite(yInf) || yInf > o.DivergenceBound)
                {
                    result = new SolveResult(best.AsSpan(a * n, n).ToArray(), SolveStatus.Diverged, iter, iter, bestRes[a] < double.PositiveInfinity ? bestRes[a] : double.NaN);
                }
                else if (o.IsConverged(r, relative ? RowOps.MaxAbs(xa) : 0.0))
                {
                    result = new SolveResult(xa.ToArray(), SolveStatus.Converged, iter, iter, r);
                }
                else
                {
                    if (r < bestRes[a]) { bestRes[a] = r; xa.CopyTo(best.AsSpan(a * n, n)); }
                    ReadOnlySpan<double> nxt = ya;
                    if (beta != 1.0)
                    {
                        for (int j = 0; j < n; j++) next[j] = (1 - beta) * xa[j] + beta * ya[j];
                        nxt = next.AsSpan(0, n);
                    }
                    result = DetectCycle(a, iter, xa, nxt);
                    if (result is null)
                    {
                        if (h > 0)
                        {
                            xa.CopyTo(hist.AsSpan((a * h + histPos[a]) * n, n));
                            histPos[a] = (histPos[a] + 1) % h;
                            histCount[a] = Math.Min(histCount[a] + 1, h);
                        }
                        nxt.CopyTo(xa);
                    }
                }
                if (result is null && iter == o.MaxIterations)
                    result = new SolveResult(best.AsSpan(a * n, n).ToArray(), SolveStatus.MaxIterations, iter, iter, bestRes[a]);
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

        // x_{t+1} = next, x_t = xa; a cycle of period k when x_{t+1} ≈ x_{t+1-k} (the convergence test applied to F^k).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        SolveResult? DetectCycle(int a, int iter, ReadOnlySpan<double> xa, ReadOnlySpan<double> nxt)
        {
            if (histCount[a] == 0) return null;
            double tol = o.Tolerance(relative ? RowOps.MaxAbs(nxt) : 0.0);
            double first = nxt[0];
            for (int k = 2; k <= histCount[a] + 1; k++)
            {
                int slot = histPos[a] - (k - 1);
                if (slot < 0) slot += h;
                int offset = (a * h + slot) * n;
                if (!(Math.Abs(first - hist[offset]) <= tol)) continue; // most candidates fail on the first entry
                ReadOnlySpan<double> past = hist.AsSpan(offset, n); // x_{t+1-k}
                if (!RowOps.Within(nxt, past, tol)) continue;
                double d = MaxAbsDiff(nxt, past);
                var points = new double[k][];
                for (int i = 0; i < k - 1; i++) points[i] = Past(a, k - 1 - i).ToArray(); // x_{t+1-k} … x_{t-1}
                points[k - 1] = xa.ToArray();
                if (!Separated(points)) return null;
                return new SolveResult(points[0], SolveStatus.Cycle, iter, iter, d, k, points);
            }
            return null;
        }

        // x_{t-j} for j ≥ 1
        ReadOnlySpan<double> Past(int a, int j)
        {
            int slot = ((histPos[a] - j) % h + h) % h;
            return hist.AsSpan((a * h + slot) * n, n);
        }

        bool Separated(double[][] points)
        {
            for (int i = 0; i < points.Length; i++)
                for (int j = i + 1; j < points.Length; j++)
                    if (MaxAbsDiff(points[i], points[j]) <= o.MinCycleSeparation) return false;
            return true;
        }

        void Move(int from, int to)
        {
            Array.Copy(x, from * n, x, to * n, n);
            Array.Copy(best, from * n, best, to * n, n);
            bestRes[to] = bestRes[from];
            id[to] = id[from];
            if (h > 0) Array.Copy(hist, from * h * n, hist, to * h * n, h * n);
            histCount[to] = histCount[from];
            histPos[to] = histPos[from];
        }
    }

    /// <summary>Per-chunk buffers, rented so that consecutive chunks reuse them (no allocation per iteration).</summary>
    private sealed class Workspace : IDisposable
    {
        public Workspace(int m, int n, int h)
        {
            X = Rent(m * n);
            Y = Rent(m * n);
            Best = Rent(m * n);
            BestRes = Rent(m);
            Hist = Rent(Math.Max(m * h * n, 1));
            Next = Rent(n);
            Id = ArrayPool<int>.Shared.Rent(m);
            HistCount = ArrayPool<int>.Shared.Rent(m);
            HistPos = ArrayPool<int>.Shared.Rent(m);
        }

        public double[] X { get; }
        public double[] Y { get; }
        public double[] Best { get; }
        public double[] BestRes { get; }
        public double[] Hist { get; }
        public double[] Next { get; }
        public int[] Id { get; }
        public int[] HistCount { get; }
        public int[] HistPos { get; }

        private static double[] Rent(int length) => ArrayPool<double>.Shared.Rent(length);

        public void Dispose()
        {
            foreach (double[] a in new[] { X, Y, Best, BestRes, Hist, Next }) ArrayPool<double>.Shared.Return(a);
            foreach (int[] a in new[] { Id, HistCount, HistPos }) ArrayPool<int>.Shared.Return(a);
        }
    }
}
