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
