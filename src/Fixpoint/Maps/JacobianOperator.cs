using Fixpoint.Numerics;

namespace Fixpoint.Maps;

/// <summary>
/// v ↦ J(x)·v for one map at one point, through <see cref="IMap.JacobianVectors(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, int, JacobianWorkspace)"/> (the batched
/// forward kernel for a <see cref="Network"/>). Holds its scratch: one instance per thread.
/// </summary>
public sealed class JacobianOperator : ILinearOperator
{
    private readonly IMap _map;
    private readonly double[] _x;
    private readonly JacobianWorkspace _workspace = new();

    public JacobianOperator(IMap map, ReadOnlySpan<double> x)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (x.Length != map.Dimension) throw new ArgumentException($"x must have length N = {map.Dimension}", nameof(x));
        _map = map;
        _x = x.ToArray();
    }

    public int Dimension => _map.Dimension;

    public void Apply(ReadOnlySpan<double> vs, Span<double> ys, int count) => _map.JacobianVectors(_x, vs, ys, count, _workspace);
}

/// <summary>
/// J(x) of a <see cref="Network"/> formed once — the tangents of the N unit vectors through the blocked kernel, split
/// between the cores — and applied as a dense matrix with its rows split between the cores. On wide layers a single
/// product J·v through the network streams every layer's weights from memory (L·N² numbers); the formed J is N², so a
/// Krylov method that needs a few hundred products is faster on it once forming J is paid (from
/// <see cref="FromDimension"/> on). Row r of a product does not depend on the thread count.
/// </summary>
public sealed class FormedJacobianOperator : ILinearOperator
{
    /// <summary>From this N on <see cref="TryCreate"/> forms J (below it the weights stay in cache and the tangent products are as fast).</summary>
    public const int FromDimension = 512;

    /// <summary>Up to this N (128 MiB of float64 at 4096).</summary>
    public const int MaxDimension = 4096;

    private readonly double[] _j;
    private readonly int _threads;

    private FormedJacobianOperator(double[] j, int n, int threads)
    {
        _j = j;
        Dimension = n;
        _threads = threads;
    }

    public int Dimension { get; }

    /// <summary>The operator of a J formed elsewhere (row-major <paramref name="n"/> × <paramref name="n"/>, not copied: treat it as read-only).</summary>
    public static FormedJacobianOperator FromMatrix(double[] jacobian, int n, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(jacobian);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (jacobian.LongLength != (long)n * n) throw new ArgumentException($"the Jacobian holds {jacobian.LongLength} numbers, not {n} × {n}", nameof(jacobian));
        return new FormedJacobianOperator(jacobian, n, Workers.For(threads));
    }

    /// <summary>J(x) formed, or null when <paramref name="map"/> is not a network or N is outside <see cref="FromDimension"/> … <see cref="MaxDimension"/>.</summary>
    public static FormedJacobianOperator? TryCreate(IMap map, ReadOnlySpan<double> x, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(map);
        int n = map.Dimension;
        if (map is not Network network || n < FromDimension || n > MaxDimension || x.Length != n) return null;
        int workers = Workers.For(threads);
        double[] point = x.ToArray();
        var columns = new double[n * n]; // row r = J e_r
        int per = (n + workers - 1) / workers;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, p =>
        {
            int r0 = p * per, count = Math.Min(per, n - r0);
            if (count <= 0) return;
            var eye = new double[count * n];
            for (int r = 0; r < count; r++) eye[r * n + r0 + r] = 1.0;
            network.JacobianVectors(point, eye, columns.AsSpan(r0 * n, count * n), count, new JacobianWorkspace());
        });
        return new FormedJacobianOperator(DenseLinearAlgebra.Transpose(columns, n, n), n, workers);
    }

    public void Apply(ReadOnlySpan<double> vs, Span<double> ys, int count)
    {
        int n = Dimension;
        if (vs.Length < (long)count * n || ys.Length < (long)count * n) throw new ArgumentException($"vs and ys must hold count × N = {count} × {n} numbers");
        double[] v = vs.Slice(0, count * n).ToArray();
        var y = new double[count * n];
        int blocks = Math.Min(_threads, Math.Max(1, n / 64));
        int per = (n + blocks - 1) / blocks;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = _threads }, b =>
        {
            int i0 = b * per, i1 = Math.Min(n, i0 + per);
            for (int i = i0; i < i1; i++)
            {
                ReadOnlySpan<double> row = _j.AsSpan(i * n, n);
                for (int r = 0; r < count; r++) y[r * n + i] = System.Numerics.Tensors.TensorPrimitives.Dot(row, v.AsSpan(r * n, n));
            }
        });
        y.CopyTo(ys);
    }
}
