using Fixpoint.Experiments;
using Fixpoint.Init;
using Fixpoint.Maps;

namespace Fixpoint.Tests;

public class MapTests
{
    public static TheoryData<string> AllActivations => new()
    {
        "tanh", "logistic", "relu", "leaky-relu(0.1)", "softplus", "identity", "sin",
        "polynomial(0.1,0.5,-0.2,0.05)", "exp-polynomial(0,0.3,-0.1)", "ke2024-poly", "ke2024-exp",
    };

    /// <summary>A spec, or the name of a paper A case for its activation (<see cref="Activation.Parse"/> knows no paper names).</summary>
    private static Activation ActivationOf(string spec) => PaperACase.Find(spec)?.Activation ?? Activation.Parse(spec);

    [Theory]
    [MemberData(nameof(AllActivations))]
    public void ActivationNameRoundTrips(string spec)
    {
        Activation a = ActivationOf(spec);
        Assert.Equal(a, Activation.Parse(a.Name));
    }

    [Theory]
    [MemberData(nameof(AllActivations))]
    public void ActivationDerivativeMatchesCentralDifferences(string spec)
    {
        Activation a = ActivationOf(spec);
        foreach (double z in new[] { -1.7, -0.4, 0.3, 0.9, 1.6 })
        {
            double h = 1e-6;
            double fd = (a.Value(z + h) - a.Value(z - h)) / (2 * h);
            Assert.True(Math.Abs(fd - a.Derivative(z)) <= 1e-6 * Math.Max(1, Math.Abs(fd)), $"{spec} at {z}: {fd} vs {a.Derivative(z)}");
        }
    }

    [Theory]
    [MemberData(nameof(AllActivations))]
    public void ExactJacobianMatchesCentralDifferences(string spec)
    {
        // Tied, untied, residual and rectangular-hidden networks, scaled so no activation saturates to a kink.
        Activation act = ActivationOf(spec);
        var nets = new List<Network>
        {
            new RandomNetworkSpec(5, 3, act, new GaussianLaw(0.6), new GaussianLaw(0.1), Seed: 11).Build(),
            new RandomNetworkSpec(4, 3, act, new GaussianLaw(0.5), new GaussianLaw(0.1), Tied: true, Seed: 12).Build(),
            new RandomNetworkSpec(4, 2, act, new GaussianLaw(0.4), new GaussianLaw(0.1), Residual: true, Seed: 13).Build(),
            new Network([new DenseLayer(3, 6, Fill(18, 0.3, 1), Fill(6, 0.1, 2)), new DenseLayer(6, 3, Fill(18, 0.3, 3), Fill(3, 0.1, 4))], act),
        };
        if (spec.StartsWith("ke2024")) nets = [PaperACase.Named(spec).Create(3, 5, 1), PaperACase.Named(spec).Create(3, 5, 2)]; // built around their shift C
        var rng = new Numerics.Rng(99);
        int checkedPoints = 0;
        foreach (Network net in nets)
        {
            int n = net.Dimension;
            for (int trial = 0; trial < 3; trial++)
            {
                double[] x = Enumerable.Range(0, n).Select(_ => rng.Uniform(-0.8, 0.8)).ToArray();
                var j = new double[n * n];
                net.Jacobian(x, j);
                if (!j.All(v => Math.Abs(v) < 1e6)) continue; // stacked exp-polynomial layers blow up: finite differences mean nothing there
                checkedPoints++;
                var fd = CentralDifferences(net, x);
                double scale = Math.Max(1e-3, fd.Max(Math.Abs));
                for (int i = 0; i < n * n; i++)
                    Assert.True(Math.Abs(j[i] - fd[i]) <= 1e-6 * scale, $"{spec} N={n}: J[{i}] = {j[i]} vs {fd[i]}");
                // J·v agrees with the dense Jacobian.
                double[] v = Enumerable.Range(0, n).Select(_ => rng.Normal()).ToArray();
                var jv = new double[n];
                net.JacobianVector(x, v, jv);
                for (int r = 0; r < n; r++)
                {
                    double expect = 0;
                    for (int c = 0; c < n; c++) expect += j[r * n + c] * v[c];
                    Assert.True(Math.Abs(expect - jv[r]) <= 1e-10 * Math.Max(1, Math.Abs(expect)), $"{spec}: Jv[{r}] = {jv[r]} vs {expect}");
                }
            }
        }
        Assert.True(checkedPoints >= 6, $"only {checkedPoints} points had a finite Jacobian");
    }

    internal static double[] CentralDifferences(IMap map, double[] x)
    {
        int n = map.Dimension;
        var fd = new double[n * n];
        var yp = new double[n];
        var ym = new double[n];
        for (int c = 0; c < n; c++)
        {
            double h = 1e-5 * Math.Max(1, Math.Abs(x[c]));
            var xp = (double[])x.Clone();
            var xm = (double[])x.Clone();
            xp[c] += h;
            xm[c] -= h;
            map.Evaluate(xp, yp);
            map.Evaluate(xm, ym);
            for (int r = 0; r < n; r++) fd[r * n + c] = (yp[r] - ym[r]) / (2 * h);
        }
        return fd;
    }

    private static double[] Fill(int count, double std, ulong seed)
    {
        var rng = new Numerics.Rng(seed);
        return Enumerable.Range(0, count).Select(_ => std * rng.Normal()).ToArray();
    }

    [Fact]
    public void BatchEvaluationIsBitIdenticalToSinglePoints()
    {
        Network net = new RandomNetworkSpec(37, 3, new TanhActivation(), new GaussianLaw(1), new GaussianLaw(0.1), Seed: 5).Build();
        int count = 131;
        var rng = new Numerics.Rng(3);
        double[] xs = Enumerable.Range(0, count * 37).Select(_ => rng.Uniform(-1, 1)).ToArray();
        var ys = new double[xs.Length];
        net.EvaluateBatch(xs, ys, count);
        var y = new double[37];
        for (int i = 0; i < count; i++)
        {
            net.Evaluate(xs.AsSpan(i * 37, 37), y);
            Assert.True(y.AsSpan().SequenceEqual(ys.AsSpan(i * 37, 37)), $"row {i}");
        }
    }

    [Fact]
    public void PaperAActivationsAreTheShiftedScalarMaps()
    {
        Activation poly = PaperACase.Poly.Activation, exp = PaperACase.Exp.Activation;
        double kappa = Math.Pow(PaperACase.Exp.Shift, 3) + 2 * Math.Pow(PaperACase.Exp.Shift, 2) + Math.Log(2);
        Assert.Equal(1.6978758, PaperACase.Poly.Shift, 6);
        Assert.Equal(0.0, 4 * Math.Pow(PaperACase.Poly.Shift, 4) - 15 * Math.Pow(PaperACase.Poly.Shift, 2) + 10, 10);
        foreach (double y in new[] { -1.2, -0.3, 0.0, 0.5, 1.4028014 })
        {
            Assert.Equal(-0.4 * Math.Pow(y, 4) + 1.5 * y * y, poly.Value(y + PaperACase.Poly.Shift), 10);
            Assert.Equal(Math.Exp(y * y * y - 2 * y * y + kappa) - 1, exp.Value(y + PaperACase.Exp.Shift), 10);
        }
        Assert.InRange(kappa, -2.4e-4, -2.2e-4);
    }

    [Fact]
    public void PaperAWeightHasUnitDiagonalAndInverseSquareOffDiagonal()
    {
        double[] w = PaperACase.Weight(3, 10);
        Assert.Equal([1, 0.01, 0.01, 0.01, 1, 0.01, 0.01, 0.01, 1], w);
    }

    [Fact]
    public void NonSquareOrMismatchedNetworksAreRefused()
    {
        var act = new TanhActivation();
        Assert.Throws<ArgumentException>(() => new Network([new DenseLayer(3, 4, new double[12], new double[4])], act));
        Assert.Throws<ArgumentException>(() => new Network([new DenseLayer(3, 4, new double[12], new double[4]), new DenseLayer(5, 3, new double[15], new double[3])], act));
        Assert.Throws<ArgumentException>(() => new DenseLayer(2, 2, [1, double.NaN, 0, 1], [0, 0]));
    }
}
