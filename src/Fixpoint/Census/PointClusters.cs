using Fixpoint.Numerics;
using static Fixpoint.Numerics.DenseLinearAlgebra;

namespace Fixpoint.Census;

/// <summary>
/// The de-duplication index of the census: clusters numbered in creation order, each with a
/// representative point, and <see cref="Find"/>: the first cluster (lowest number) whose representative
/// is within ∞-norm ≤ tol of a point (<see cref="DenseLinearAlgebra.MaxAbsDiff"/> ≤ tol, exactly the
/// linear scan's test), or −1. A point with a NaN or ±∞ coordinate is within tol of nothing (the
/// distance is NaN or ∞), as in the scan.
/// <para>Why it is fast: the representatives are bucketed by two fixed projections p(x) = u·x with
/// ‖u‖₁ = ½, quantised to width tol. Two points within tol of each other (∞-norm) have projections
/// within ½·tol (‖u‖₁·‖a − x‖∞), so only the buckets a query's projection range touches can hold a
/// match (usually one or two per projection, four in all); each candidate gets the full ∞-norm test
/// and the lowest-numbered match wins. The range is widened by a bound on the rounding of the
/// projections ((N + 1)·2⁻⁵²·‖x‖∞ for a point and the largest over the representatives), so no match is
/// ever missed; when that makes a range span many buckets (points near 10¹⁰·tol in size), the query
/// falls back to the linear scan. So the result is the scan's, bit for bit, at a cost that does not
/// grow with the number of distinct points.</para>
/// </summary>
public sealed class PointClusters
{
    private const int Projections = 2;

    /// <summary>Buckets per projection a query may visit before the linear scan is cheaper.</summary>
    private const long MaxSpan = 8;

    private const double Epsilon = 2.220446049250313e-16;      // 2⁻⁵²
    private const double TwoToMinus50 = 8.881784197001252e-16; // 2⁻⁵⁰
    private const double Clamp = 4611686018427387904.0;        // 2⁶², bucket numbers stay far from long's range

    private readonly int _n;
    private readonly double _tol;
    private readonly double[] _u; // Projections × N
    private readonly List<double[]> _points = [];
    private readonly List<Key?> _keys = [];
    private readonly Dictionary<Key, List<int>> _buckets = [];
    private double _maxError;

    public PointClusters(int dimension, double tol)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "must be ≥ 1");
        if (!(tol > 0) || !double.IsFinite(tol)) throw new ArgumentOutOfRangeException(nameof(tol), tol, "must be > 0 and finite");
        _n = dimension;
        _tol = tol;
        _u = new double[Projections * dimension];
        // Fixed directions (not data-dependent), so the index is deterministic; random signs and sizes
        // keep symmetric point sets (x and −x, permuted coordinates) apart.
        var rng = new Rng(0x5EED_C1A5_7E25UL);
        for (int r = 0; r < Projections; r++)
        {
            Span<double> u = _u.AsSpan(r * dimension, dimension);
            double sum = 0;
            for (int i = 0; i < dimension; i++) { u[i] = rng.Uniform(-1, 1); sum += Math.Abs(u[i]); }
            for (int i = 0; i < dimension; i++) u[i] *= 0.5 / sum;
        }
    }

    /// <summary>Clusters so far.</summary>
    public int Count => _points.Count;

    /// <summary>The representative of cluster <paramref name="c"/>.</summary>
    public double[] this[int c] => _points[c];

    /// <summary>The first cluster whose representative is within ∞-norm ≤ tol of <paramref name="x"/>, or −1.</summary>
    public int Find(ReadOnlySpan<double> x)
    {
        if (x.Length != _n) throw new ArgumentException($"the point has length {x.Length}, not {_n}", nameof(x));
        if (_points.Count == 0) return -1;
        double xInf = MaxAbs(x);
        if (!double.IsFinite(xInf)) return -1;
        Span<long> lo = stackalloc long[Projections];
        Span<long> hi = stackalloc long[Projections];
        for (int r = 0; r < Projections; r++)
        {
            double p = Project(r, x);
            // Exact distance ≤ tol·(1 + 2⁻⁵²) moves the exact projection by ≤ 0.51·tol; add both points' rounding bounds.
            double reach = 0.51 * _tol + Error(xInf) + _maxError + 1e-300;
            reach = reach * (1 + 1e-10) + Math.Abs(p) * TwoToMinus50;
            lo[r] = Bucket(p - reach);
            hi[r] = Bucket(p + reach);
            if ((double)hi[r] - lo[r] >= MaxSpan) return Scan(x); // in double: the clamped ends are 2⁶³ apart
        }
        int best = -1;
        for (long a = lo[0]; a <= hi[0]; a++)
            for (long b = lo[1]; b <= hi[1]; b++)
            {
                if (!_buckets.TryGetValue(new Key(a, b), out List<int>? members)) continue;
                foreach (int c in members) // ascending
                {
                    if (best >= 0 && c >= best) break;
                    if (MaxAbsDiff(_points[c], x) <= _tol) { best = c; break; }
                }
            }
        return best;
    }

    /// <summary>Starts a new cluster with representative <paramref name="representative"/> (kept, not copied); returns its number.</summary>
    public int Add(double[] representative)
    {
        ArgumentNullException.ThrowIfNull(representative);
        if (representative.Length != _n) throw new ArgumentException($"the point has length {representative.Length}, not {_n}", nameof(representative));
        int c = _points.Count;
        _points.Add(representative);
        _keys.Add(null);
        Index(c);
        return c;
    }

    /// <summary>Makes <paramref name="representative"/> the representative of cluster <paramref name="c"/>, which keeps its number.</summary>
    public void Replace(int c, double[] representative)
    {
        ArgumentNullException.ThrowIfNull(representative);
        if (representative.Length != _n) throw new ArgumentException($"the point has length {representative.Length}, not {_n}", nameof(representative));
        if (_keys[c] is Key old) _buckets[old].Remove(c);
        _points[c] = representative;
        _keys[c] = null;
        Index(c);
    }

    // A point with a non-finite coordinate is never within tol of anything: it stays out of the buckets.
    private void Index(int c)
    {
        double[] x = _points[c];
        double xInf = MaxAbs(x);
        if (!double.IsFinite(xInf)) return;
        var key = new Key(Bucket(Project(0, x)), Bucket(Project(1, x)));
        _keys[c] = key;
        _maxError = Math.Max(_maxError, Error(xInf));
        if (!_buckets.TryGetValue(key, out List<int>? members)) _buckets[key] = members = [];
        int at = members.BinarySearch(c);
        members.Insert(at < 0 ? ~at : at, c);
    }

    private int Scan(ReadOnlySpan<double> x)
    {
        for (int c = 0; c < _points.Count; c++)
            if (MaxAbsDiff(_points[c], x) <= _tol) return c;
        return -1;
    }

    private double Project(int r, ReadOnlySpan<double> x)
    {
        ReadOnlySpan<double> u = _u.AsSpan(r * _n, _n);
        double s = 0;
        for (int i = 0; i < u.Length; i++) s = Math.FusedMultiplyAdd(u[i], x[i], s);
        return s;
    }

    // A bound on |fl(u·x) − u·x| for ‖u‖₁ ≤ ½ (generous: the sum has N rounded steps).
    private double Error(double xInf) => (_n + 1) * Epsilon * xInf;

    // floor(p / tol), clamped: monotone in p, so a projection range maps onto a bucket range.
    private long Bucket(double p)
    {
        double q = Math.Floor(p / _tol);
        return q >= Clamp ? (long)Clamp : q <= -Clamp ? -(long)Clamp : (long)q;
    }

    private readonly record struct Key(long A, long B);
}
