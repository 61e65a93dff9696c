using Fixpoint.Certify;
using Fixpoint.Experiments;
using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Tests.Certify;

/// <summary>Interval evaluation of networks: F(x) and J(x) at points of a box lie in the box's enclosures.</summary>
public class IntervalNetworkTests
{
    public static TheoryData<string> Networks => ["tanh-tied", "sin-untied-wide", "logistic-residual", "poly-tied", "exp-d3", "relu-untied"];

    private static Network Build(string kind, Rng rng)
    {
        double[] W(int o, int i, double s) => [.. Enumerable.Range(0, o * i).Select(_ => rng.Normal() * s)];
        double[] B(int o, double s) => [.. Enumerable.Range(0, o).Select(_ => rng.Normal() * s)];
        return kind switch
        {
            "tanh-tied" => new Network([new DenseLayer(3, 3, W(3, 3, 0.9), B(3, 0.3))], new TanhActivation(), tied: true, depth: 3),
            "sin-untied-wide" => new Network([new DenseLayer(3, 5, W(5, 3, 0.7), B(5, 0.3)), new DenseLayer(5, 3, W(3, 5, 0.7), B(3, 0.3))], new SinActivation()),
            "logistic-residual" => new Network([new DenseLayer(3, 3, W(3, 3, 0.8), B(3, 0.2)), new DenseLayer(3, 3, W(3, 3, 0.8), B(3, 0.2))], new LogisticActivation(), residual: true),
            "poly-tied" => PaperACase.Poly.Create(3, 5, depth: 2),
            "exp-d3" => PaperACase.Exp.Create(3, 5),
            "relu-untied" => new Network([new DenseLayer(3, 3, W(3, 3, 1), B(3, 0.5)), new DenseLayer(3, 3, W(3, 3, 1), B(3, 0.5))], new LeakyReluActivation(0.2)),
            _ => throw new ArgumentException(kind),
        };
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void PointValuesAndJacobiansLieInTheBoxEnclosures(string kind)
    {
        var rng = new Rng(Rng.HashKey(kind));
        Network net = Build(kind, rng);
        var f = new IntervalNetwork(net);
        int n = net.Dimension;
        var y = new double[n];
        var j = new double[n * n];
        for (int c = 0; c < 150; c++)
        {
            var center = Enumerable.Range(0, n).Select(_ => rng.Uniform(-1.2, 1.2)).ToArray();
            Interval[] box = IntervalVector.Around(center, Math.Pow(10, rng.Uniform(-8, -0.5)));
            var fx = new Interval[n];
            var jx = new Interval[n * n];
            f.EvaluateWithJacobian(box, fx, jx);
            Assert.Equal(fx, f.Evaluate(box));
            for (int s = 0; s < 6; s++)
            {
                double[] x = [.. box.Select(b => b.Lo + (b.Hi - b.Lo) * rng.NextDouble())];
                net.Evaluate(x, y);
                net.Jacobian(x, j);
                Interval[] fp = f.EvaluatePoint(x);
                for (int i = 0; i < n; i++)
                {
                    // floating evaluation (SIMD kernels included) is an approximation: 1e-12 relative slack
                    Assert.True(Near(fx[i], y[i]), $"{kind}: F_{i}(x) = {y[i]} ∉ {fx[i]}");
                    Assert.True(fp[i].Overlaps(fx[i]), $"{kind}: point enclosure {fp[i]} misses {fx[i]}");
                    for (int k = 0; k < n; k++)
                        Assert.True(Near(jx[i * n + k], j[i * n + k]), $"{kind}: J_{i}{k}(x) = {j[i * n + k]} ∉ {jx[i * n + k]}");
                }
            }
        }
    }

    [Fact]
    public void OneLayerEnclosureIsTheExactRangeForMonotoneActivations()
    {
        // tanh(2x) on [0.5, 1]: the range is [tanh 1, tanh 2]
        var f = new IntervalNetwork(TestNetworks.Scalar(2, 0));
        Interval y = f.Evaluate([new Interval(0.5, 1)])[0];
        Assert.InRange(y.Lo, Math.Tanh(1) - 1e-15, Math.Tanh(1));
        Assert.InRange(y.Hi, Math.Tanh(2), Math.Tanh(2) + 1e-15);
    }

    private static bool Near(Interval x, double v) => x.Lo - 1e-12 * (1 + Math.Abs(v)) <= v && v <= x.Hi + 1e-12 * (1 + Math.Abs(v));
}
