using System.Buffers;

namespace Fixpoint.Maps;

/// <summary>
/// A network evaluated in float32: points are rounded to float, go through the float32 kernels
/// (<see cref="Network.EvaluateBatch(ReadOnlySpan{float}, Span{float}, int)"/>) and come back widened
/// to double. About twice the throughput of float64 for large N, at float accuracy: F₃₂ differs
/// from F by about 1e-7 … 1e-6 (∞-norm) for O(1) weights, so a solver on this map can only meet
/// tolerances above that (use Atol ≥ 1e-5), and its fixed points should be polished on the float64
/// network (Newton) before they are compared at tighter tolerances.
/// Row results are deterministic (independent of the batch and the thread count), as in float64.
/// <see cref="Jacobian(ReadOnlySpan{double}, Span{double})"/> and <see cref="JacobianVector(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/> are the float64 network's.
/// </summary>
public sealed class Float32Map : IMap
{
    public Float32Map(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        Network = network;
    }

    public Network Network { get; }
    public int Dimension => Network.Dimension;

    /// <summary>False: the Jacobian is the float64 network's, which F₃₂ only approximates.</summary>
    public bool HasExactJacobian => false;

    public void Evaluate(ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.Length != Dimension || y.Length < Dimension) throw new ArgumentException("x and y must have length N");
        EvaluateBatch(x, y, 1);
    }

    public void EvaluateBatch(ReadOnlySpan<double> xs, Span<double> ys, int count)
    {
        int n = Dimension;
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "must be ≥ 0");
        if (xs.Length < (long)count * n || ys.Length < (long)count * n) throw new ArgumentException($"batch spans are shorter than count × N = {count} × {n}");
        float[] buf = ArrayPool<float>.Shared.Rent(Math.Max(count * n, 1));
        try
        {
            Span<float> f = buf.AsSpan(0, count * n);
            for (int i = 0; i < f.Length; i++) f[i] = (float)xs[i];
            Network.EvaluateBatch(f, f, count);
            for (int i = 0; i < f.Length; i++) ys[i] = f[i];
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buf);
        }
    }

    public void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian) => Network.Jacobian(x, jacobian);

    public void JacobianVector(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv) => Network.JacobianVector(x, v, jv);

    public void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian, JacobianWorkspace workspace) => Network.Jacobian(x, jacobian, workspace);

    public void JacobianVector(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv, JacobianWorkspace workspace) => Network.JacobianVector(x, v, jv, workspace);

    public void JacobianVectors(ReadOnlySpan<double> x, ReadOnlySpan<double> vs, Span<double> jvs, int count, JacobianWorkspace workspace) => Network.JacobianVectors(x, vs, jvs, count, workspace);
}
