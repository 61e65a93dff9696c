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
public sealed record PicardSolver : ISolver, IIterationStep
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
        => IterationDriver.Run(this, map, starts, count, options, progress, cancellationToken);

    int IIterationStep.NumbersPerStart(int dimension, SolveOptions options) => (3 + Math.Max(options.MaxPeriod - 1, 0)) * dimension + 4;

    bool IIterationStep.TestsLastIterate => false;

    ChunkStep IIterationStep.CreateChunk(IMap map, int rows, SolveOptions options) => new Chunk(map.Dimension, rows, Damping, options);

    /// <summary>
    /// The step of a chunk: x ← (1 − β)x + βF(x), and the cycle test against the last MaxPeriod − 1
    /// iterates of each row, kept in a ring (rented, so consecutive chunks reuse the buffers).
    /// </summary>
    private sealed class Chunk : ChunkStep
    {
        private readonly int _n, _h;
        private readonly double _beta;
        private readonly SolveOptions _o;
        private readonly bool _relative;
        private readonly double[] _hist, _next;
        private readonly int[] _histCount, _histPos;

        public Chunk(int n, int m, double beta, SolveOptions o)
        {
            _n = n;
            _h = Math.Max(o.MaxPeriod - 1, 0); // history x_{t-1} … x_{t-P+1}
            _beta = beta;
            _o = o;
            _relative = o.Rtol != 0;
            _hist = ArrayPool<double>.Shared.Rent(Math.Max(m * _h * n, 1));
            _next = ArrayPool<double>.Shared.Rent(n);
            _histCount = ArrayPool<int>.Shared.Rent(m);
            _histPos = ArrayPool<int>.Shared.Rent(m);
            _histCount.AsSpan(0, m).Clear();
            _histPos.AsSpan(0, m).Clear();
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override StepOutcome Step(int a, int iter, Span<double> xa, Span<double> fx, ReadOnlySpan<double> g, double residual)
        {
            int n = _n, h = _h;
            ReadOnlySpan<double> nxt = fx;
            if (_beta != 1.0)
            {
                double beta = _beta;
                for (int j = 0; j < n; j++) _next[j] = (1 - beta) * xa[j] + beta * fx[j];
                nxt = _next.AsSpan(0, n);
            }
            if (DetectCycle(a, xa, nxt) is { } cycle) return cycle;
            if (h > 0)
            {
                xa.CopyTo(_hist.AsSpan((a * h + _histPos[a]) * n, n));
                _histPos[a] = (_histPos[a] + 1) % h;
                _histCount[a] = Math.Min(_histCount[a] + 1, h);
            }
            nxt.CopyTo(xa);
            return StepOutcome.Moved;
        }

        // x_{t+1} = next, x_t = xa; a cycle of period k when x_{t+1} ≈ x_{t+1-k} (the convergence test applied to F^k).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private StepOutcome? DetectCycle(int a, ReadOnlySpan<double> xa, ReadOnlySpan<double> nxt)
        {
            if (_histCount[a] == 0) return null;
            int n = _n, h = _h;
            double tol = _o.Tolerance(_relative ? RowOps.MaxAbs(nxt) : 0.0);
            double first = nxt[0];
            for (int k = 2; k <= _histCount[a] + 1; k++)
            {
                int slot = _histPos[a] - (k - 1);
                if (slot < 0) slot += h;
                int offset = (a * h + slot) * n;
                if (!(Math.Abs(first - _hist[offset]) <= tol)) continue; // most candidates fail on the first entry
                ReadOnlySpan<double> past = _hist.AsSpan(offset, n); // x_{t+1-k}
                if (!RowOps.Within(nxt, past, tol)) continue;
                double d = MaxAbsDiff(nxt, past);
                var points = new double[k][];
                for (int i = 0; i < k - 1; i++) points[i] = Past(a, k - 1 - i).ToArray(); // x_{t+1-k} … x_{t-1}
                points[k - 1] = xa.ToArray();
                if (!Separated(points)) return null;
                return StepOutcome.Cycle(points, d);
            }
            return null;
        }

        // x_{t-j} for j ≥ 1
        private ReadOnlySpan<double> Past(int a, int j)
        {
            int slot = ((_histPos[a] - j) % _h + _h) % _h;
            return _hist.AsSpan((a * _h + slot) * _n, _n);
        }

        private bool Separated(double[][] points)
        {
            for (int i = 0; i < points.Length; i++)
                for (int j = i + 1; j < points.Length; j++)
                    if (MaxAbsDiff(points[i], points[j]) <= _o.MinCycleSeparation) return false;
            return true;
        }

        public override void Move(int from, int to)
        {
            int n = _n, h = _h;
            if (h > 0) Array.Copy(_hist, from * h * n, _hist, to * h * n, h * n);
            _histCount[to] = _histCount[from];
            _histPos[to] = _histPos[from];
        }

        public override void Dispose()
        {
            ArrayPool<double>.Shared.Return(_hist);
            ArrayPool<double>.Shared.Return(_next);
            ArrayPool<int>.Shared.Return(_histCount);
            ArrayPool<int>.Shared.Return(_histPos);
        }
    }
}
