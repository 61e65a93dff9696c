using System.Buffers;
using System.Runtime.CompilerServices;
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
/// <para>Cost per start and step, besides one evaluation of F: the new difference's row of ΔGᵀΔG and
/// the right-hand side ΔGᵀg in one pass over the history (the rest of the Gram matrix is kept from
/// earlier steps), a Cholesky solve of size ≤ History, and the update in one pass.</para>
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
        => BatchDriver.Run(map, starts, count, options, progress, cancellationToken, SolveChunk,
            numbersPerStart: (5 + 2 * History) * map.Dimension + History * History + 4);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long SolveChunk(IMap map, double[] starts, int first, int m, SolveOptions o, SolveResult?[] results, Action<int> finished, CancellationToken ct)
    {
        int n = map.Dimension;
        int hm = History;
        using var ws = new Workspace(m, n, hm);
        double[] x = ws.X, y = ws.Y, xPrev = ws.XPrev, gPrev = ws.GPrev, rPrev = ws.RPrev, dx = ws.Dx, dg = ws.Dg;
        double[] best = ws.Best, bestRes = ws.BestRes, gram = ws.Gram, g = ws.G, system = ws.System, gamma = ws.Gamma;
        int[] hCount = ws.HCount, hPos = ws.HPos, id = ws.Id;
        Array.Copy(starts, first * n, x, 0, m * n);
        Array.Copy(x, best, m * n);
        bestRes.AsSpan(0, m).Fill(double.PositiveInfinity);
        hCount.AsSpan(0, m).Clear();
        hPos.AsSpan(0, m).Clear();
        for (int i = 0; i < m; i++) id[i] = first + i;
        int active = m;
        long evals = 0;
        double beta = Mixing;
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
                Span<double> ga = g.AsSpan(0, n);
                                double r = RowOps.Residual(ya, xa, ga, out double yInf, out double xInf);
                SolveResult? result = null;
                if (!double.IsFinite(r) || !double.IsFinite(yInf) || yInf > o.DivergenceBound || xInf > o.DivergenceBound)
                    result = new SolveResult(best.AsSpan(a * n, n).ToArray(), SolveStatus.Diverged, iter, iter, bestRes[a] < double.PositiveInfinity ? bestRes[a] : double.NaN);
                else if (o.IsConverged(r, relative ? xInf : 0.0))
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

        // The history of start a holds k = hCount[a] differences in slots 0 … k−1 (a ring once full),
        // and gram[a] their Gram matrix ΔGᵀΔG, updated one row and column per step.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        void Step(int a, int iter, double r)
        {
            Span<double> xa = x.AsSpan(a * n, n);
            Span<double> xp = xPrev.AsSpan(a * n, n);
            Span<double> gp = gPrev.AsSpan(a * n, n);
            ReadOnlySpan<double> ga = g.AsSpan(0, n);
            Span<double> gr = gram.AsSpan(a * hm * hm, hm * hm);
            ReadOnlySpan<double> dxa = dx.AsSpan(a * hm * n, hm * n);
            ReadOnlySpan<double> dga = dg.AsSpan(a * hm * n, hm * n);
            bool restart = iter > 1 && r > RestartGrowth * rPrev[a];
            int slot = -1;
            if (restart || iter == 1)
            {
                Clear(a);
                xa.CopyTo(xp);
                ga.CopyTo(gp);
            }
            else
            {
                // Push (Δx, Δg) = (x − x_prev, g − g_prev) into the ring and shift x_prev, g_prev.
                slot = hPos[a];
                RowOps.DifferenceAndShift(xa, xp, dx.AsSpan((a * hm + slot) * n, n));
                RowOps.DifferenceAndShift(ga, gp, dg.AsSpan((a * hm + slot) * n, n));
                hPos[a] = (slot + 1) % hm;
                hCount[a] = Math.Min(hCount[a] + 1, hm);
            }
            rPrev[a] = r;
            int k = hCount[a];
            if (k > 0)
            {
                // A difference was just pushed (k > 0 only then): its Gram row and column, and the
                // right-hand side ΔGᵀg, in one pass over the history.
                ReadOnlySpan<double> dgs = dga.Slice(slot * n, n);
                for (int i = 0; i < k; i++)
                {
                    var (v, rhs) = RowOps.Dot2(dga.Slice(i * n, n), dgs, ga);
                    gr[slot * hm + i] = v;
                    gr[i * hm + slot] = v;
                    gamma[i] = rhs;
                }
                double maxDiag = 0;
                for (int i = 0; i < k; i++)
                {
                    for (int j = 0; j < k; j++) system[i * k + j] = gr[i * hm + j];
                    maxDiag = Math.Max(maxDiag, gr[i * hm + i]);
                }
                double lambda = Ridge * maxDiag;
                for (int i = 0; i < k; i++) system[i * k + i] += lambda;
                if (DenseLinearAlgebra.CholeskySolveInPlace(system.AsSpan(0, k * k), gamma.AsSpan(0, k), k, MinPivotRatio))
                {
                    // x ← x + βg − Σ γ_i (Δx_i + βΔg_i)
                    RowOps.MixUpdate(xa, ga, beta, dxa, dga, gamma, k);
                    return;
                }
                Clear(a); // ill-conditioned: drop the history, take a plain step
            }
            RowOps.Axpy(beta, ga, xa);
        }

        // Empties the history of start a; new differences fill slots 0, 1, … again.
        void Clear(int a)
        {
            hCount[a] = 0;
            hPos[a] = 0;
        }

        void Move(int from, int to)
        {
            Array.Copy(x, from * n, x, to * n, n);
            Array.Copy(xPrev, from * n, xPrev, to * n, n);
            Array.Copy(gPrev, from * n, gPrev, to * n, n);
            Array.Copy(best, from * n, best, to * n, n);
            Array.Copy(dx, from * hm * n, dx, to * hm * n, hm * n);
            Array.Copy(dg, from * hm * n, dg, to * hm * n, hm * n);
            Array.Copy(gram, from * hm * hm, gram, to * hm * hm, hm * hm);
            rPrev[to] = rPrev[from];
            hCount[to] = hCount[from];
            hPos[to] = hPos[from];
            bestRes[to] = bestRes[from];
            id[to] = id[from];
        }
    }

    /// <summary>
    /// Per-chunk buffers, rented so that consecutive chunks reuse them: (5 + 2·History)·N + History² + 4
    /// numbers per start; nothing is allocated per iteration except the result of a finished start.
    /// </summary>
    private sealed class Workspace : IDisposable
    {
        private readonly double[][] _doubles;
        private readonly int[][] _ints;

        public Workspace(int m, int n, int hm)
        {
            X = Rent(m * n);
            Y = Rent(m * n);
            XPrev = Rent(m * n);
            GPrev = Rent(m * n);
            Best = Rent(m * n);
            Dx = Rent(m * hm * n);
            Dg = Rent(m * hm * n);
            Gram = Rent(m * hm * hm);
            RPrev = Rent(m);
            BestRes = Rent(m);
            G = Rent(n);
            System = Rent(hm * hm);
            Gamma = Rent(hm);
            HCount = ArrayPool<int>.Shared.Rent(m);
            HPos = ArrayPool<int>.Shared.Rent(m);
            Id = ArrayPool<int>.Shared.Rent(m);
            _doubles = [X, Y, XPrev, GPrev, Best, Dx, Dg, Gram, RPrev, BestRes, G, System, Gamma];
            _ints = [HCount, HPos, Id];
        }

        public double[] X { get; }
        public double[] Y { get; }
        public double[] XPrev { get; }
        public double[] GPrev { get; }
        public double[] Best { get; }
        public double[] Dx { get; }
        public double[] Dg { get; }
        public double[] Gram { get; }
        public double[] RPrev { get; }
        public double[] BestRes { get; }
        public double[] G { get; }
        public double[] System { get; }
        public double[] Gamma { get; }
        public int[] HCount { get; }
        public int[] HPos { get; }
        public int[] Id { get; }

        private static double[] Rent(int length) => ArrayPool<double>.Shared.Rent(Math.Max(length, 1));

        public void Dispose()
        {
            foreach (double[] a in _doubles) ArrayPool<double>.Shared.Return(a);
            foreach (int[] a in _ints) ArrayPool<int>.Shared.Return(a);
        }
    }
}
