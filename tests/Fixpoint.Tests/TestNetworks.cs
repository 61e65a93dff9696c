using Fixpoint.Maps;

namespace Fixpoint.Tests;

/// <summary>Small networks with known fixed points, shared by the tests.</summary>
internal static class TestNetworks
{
    /// <summary>The positive root of x = tanh(2x).</summary>
    public const double Tanh2Root = 0.9575040240772688;

    public static Network Scalar(double w, double b, string activation = "tanh") =>
        new([new DenseLayer(1, 1, [w], [b])], Activation.Parse(activation));

    public static Network Dense(int n, double[] w, double[] b, string activation = "tanh", bool tied = false, int depth = 0, bool residual = false) =>
        new([new DenseLayer(n, n, w, b)], Activation.Parse(activation), tied, depth, residual);
}

/// <summary>A 1-D map F with its derivative, for solver tests with known roots and minima.</summary>
internal sealed class ScalarMap(Func<double, double> f, Func<double, double> df) : IMap
{
    public int Dimension => 1;
    public bool HasExactJacobian => true;
    public void Evaluate(ReadOnlySpan<double> x, Span<double> y) => y[0] = f(x[0]);
    public void EvaluateBatch(ReadOnlySpan<double> xs, Span<double> ys, int count)
    {
        for (int i = 0; i < count; i++) ys[i] = f(xs[i]);
    }
    public void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian) => jacobian[0] = df(x[0]);
    public void JacobianVector(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv) => jv[0] = df(x[0]) * v[0];
}
