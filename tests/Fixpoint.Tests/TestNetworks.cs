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
