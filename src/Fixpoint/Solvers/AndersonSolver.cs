using System.Buffers;
using System.Runtime.CompilerServices;
using Fixpoint.Maps;
using Fixpoint.Numerics;

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
public sealed record AndersonSolver : ISolver, IIterationStep
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
        => IterationDriver.Run(this, map, starts, count, options, progress, cancellationToken);

    int IIterationStep.NumbersPerStart(int dimension, SolveOptions options) => (5 + 2 * History) * dimension + History * History + 4;

    bool IIterationStep.TestsLastIterate => false;

    ChunkStep IIterationStep.CreateChunk(IMap map, int rows, SolveOptions options) => new Chunk(this, map.Dimension, rows);

    /// <summary>
    /// The step of a chunk. Row a's history holds k = hCount[a] differences in slots 0 … k−1 (a ring
    /// once full), and gram[a] their Gram matrix ΔGᵀΔG, updated one row and column per step. Besides
    /// the driver's three rows, (2 + 2·History)·N + History² numbers per start, rented so that
    /// consecutive chunks reuse them; nothing is allocated per iteration.
    /// </summary>
    private sealed class Chunk : ChunkStep
    {
        private readonly AndersonSolver _s;
        private readonly int _n, _hm;
        private readonly double[] _xPrev, _gPrev, _dx, _dg, _gram, _rPrev, _system, _gamma;
        private readonly int[] _hCount, _hPos;

        public Chunk(AndersonSolver s, int n, int m)
        {
            _s = s;
            _n = n;
            _hm = s.History;
            int hm = _hm;
            _xPrev = Rent(m * n);
            _gPrev = Rent(m * n);
            _dx = Rent(m * hm * n);
            _dg = Rent(m * hm * n);
            _gram = Rent(m * hm * hm);
            _rPrev = Rent(m);
            _system = Rent(hm * hm);
            _gamma = Rent(hm);
            _hCount = ArrayPool<int>.Shared.Rent(m);
            _hPos = ArrayPool<int>.Shared.Rent(m);
            _hCount.AsSpan(0, m).Clear();
            _hPos.AsSpan(0, m).Clear();
        }

        private static double[] Rent(int length) => ArrayPool<double>.Shared.Rent(Math.Max(length, 1));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override StepOutcome Step(int a, int iter, Span<double> xa, Span<double> fx, ReadOnlySpan<double> ga, double r)
        {
            int n = _n, hm = _hm;
            double beta = _s.Mixing;
            double[] dx = _dx, dg = _dg, system = _system, gamma = _gamma;
            Span<double> xp = _xPrev.AsSpan(a * n, n);
            Span<double> gp = _gPrev.AsSpan(a * n, n);
            Span<double> gr = _gram.AsSpan(a * hm * hm, hm * hm);
            ReadOnlySpan<double> dxa = dx.AsSpan(a * hm * n, hm * n);
            ReadOnlySpan<double> dga = dg.AsSpan(a * hm * n, hm * n);
            bool restart = iter > 1 && r > _s.RestartGrowth * _rPrev[a];
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
                slot = _hPos[a];
                RowOps.DifferenceAndShift(xa, xp, dx.AsSpan((a * hm + slot) * n, n));
                RowOps.DifferenceAndShift(ga, gp, dg.AsSpan((a * hm + slot) * n, n));
                _hPos[a] = (slot + 1) % hm;
                _hCount[a] = Math.Min(_hCount[a] + 1, hm);
            }
            _rPrev[a] = r;
            int k = _hCount[a];
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
                double lambda = _s.Ridge * maxDiag;
                for (int i = 0; i < k; i++) system[i * k + i] += lambda;
                if (DenseLinearAlgebra.CholeskySolveInPlace(system.AsSpan(0, k * k), gamma.AsSpan(0, k), k, _s.MinPivotRatio))
                {
                    // x ← x + βg − Σ γ_i (Δx_i + βΔg_i)
                    RowOps.MixUpdate(xa, ga, beta, dxa, dga, gamma, k);
                    return StepOutcome.Moved;
                }
                Clear(a); // ill-conditioned: drop the history, take a plain step
            }
            RowOps.Axpy(beta, ga, xa);
            return StepOutcome.Moved;
        }

        // Empties the history of row a; new differences fill slots 0, 1, … again.
        private void Clear(int a)
        {
            _hCount[a] = 0;
            _hPos[a] = 0;
        }

        public override void Move(int from, int to)
        {
            int n = _n, hm = _hm;
            Array.Copy(_xPrev, from * n, _xPrev, to * n, n);
            Array.Copy(_gPrev, from * n, _gPrev, to * n, n);
            Array.Copy(_dx, from * hm * n, _dx, to * hm * n, hm * n);
            Array.Copy(_dg, from * hm * n, _dg, to * hm * n, hm * n);
            Array.Copy(_gram, from * hm * hm, _gram, to * hm * hm, hm * hm);
            _rPrev[to] = _rPrev[from];
            _hCount[to] = _hCount[from];
            _hPos[to] = _hPos[from];
        }

        public override void Dispose()
        {
            foreach (double[] b in new[] { _xPrev, _gPrev, _dx, _dg, _gram, _rPrev, _system, _gamma }) ArrayPool<double>.Shared.Return(b);
            ArrayPool<int>.Shared.Return(_hCount);
            ArrayPool<int>.Shared.Return(_hPos);
        }
    }
}
