using Fixpoint.Certify;
using Fixpoint.Init;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace Fixpoint.Tests.Certify;

public class EuclideanBallTests
{
    private static Network Tanh(int n, double gain, int depth, ulong seed, bool residual = false) =>
        new RandomNetworkSpec(n, depth, new TanhActivation(), new GaussianLaw(gain), new GaussianLaw(0.1), Seed: seed, Residual: residual).Build();

    private static Network Build(string activation, int n, double gain, int depth, ulong seed) =>
        new RandomNetworkSpec(n, depth, Activation.Parse(activation), new GaussianLaw(gain), new GaussianLaw(0.1), Seed: seed).Build();

    private static double[] Attractor(Network net, int steps = 400)
    {
        var x = new double[net.Dimension];
        var y = new double[net.Dimension];
        for (int i = 0; i < steps; i++) { net.Evaluate(x, y); (x, y) = (y, x); }
        return x;
    }

    private static double Distance(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => System.Numerics.Tensors.TensorPrimitives.Distance(a, b);

    [Theory]
    [InlineData("tanh", 32, 0.8, 4, 7UL)]
    [InlineData("tanh", 24, 0.8, 2, 3UL)]
    [InlineData("logistic", 32, 3.0, 2, 5UL)]
    [InlineData("sin", 20, 0.7, 3, 8UL)]
    public void EveryPointSampledInTheBallStaysInItUnderFmAndConvergesToTheFixedPoint(string activation, int n, double gain, int depth, ulong seed)
    {
        Network net = Build(activation, n, gain, depth, seed);
        double[] center = Attractor(net);
        EuclideanBallResult proof = EuclideanBall.Prove(net, center);
        Assert.True(proof.Proved, $"refused: {proof.Refusal}");
        EuclideanBall ball = proof.Ball!;
        Assert.True(ball.Radius >= ball.InnerRadius && ball.InnerRadius > 0);
        Assert.True(ball.Contraction < 1);
        Assert.True(ball.Radius > 1e-3, $"radius {ball.Radius}");
        // The proved ‖J^m‖₂ is an upper bound of the true one, and close to it.
        double exact = Matrix<double>.Build.DenseOfRowMajor(n, n, Jacobian(net, center)).Power(ball.Steps).L2Norm();
        Assert.InRange(proof.StepNorms[ball.Steps - 1], exact, exact * 1.01 + 1e-12);

        // 10⁴ points, uniform in the ball (most near its boundary, where a wrong bound would show first), half of them
        // pushed to the boundary itself.
        const int samples = 10_000;
        var rng = new Random(12345);
        var xs = new double[samples * n];
        for (int s = 0; s < samples; s++)
        {
            Span<double> x = xs.AsSpan(s * n, n);
            for (int i = 0; i < n; i++) x[i] = Gaussian(rng);
            double norm = System.Numerics.Tensors.TensorPrimitives.Norm(x);
            double radius = ball.Radius * (1 - 1e-9) * (s % 2 == 0 ? 1 : Math.Pow(rng.NextDouble(), 1.0 / n));
            for (int i = 0; i < n; i++) x[i] = center[i] + x[i] / norm * radius;
            Assert.True(ball.Contains(x));
        }
        var ys = new double[samples * n];
        double[] cur = xs, next = ys;
        double worstAfterM = 0;
        for (int step = 1; step <= 80; step++)
        {
            net.EvaluateBatch(cur, next, samples);
            (cur, next) = (next, cur);
            if (step % ball.Steps == 0 && step <= 4 * ball.Steps)
                for (int s = 0; s < samples; s++) worstAfterM = Math.Max(worstAfterM, Distance(cur.AsSpan(s * n, n), center) / ball.Radius);
        }
        Assert.True(worstAfterM <= 1, $"F^m left the ball: ‖F^m(x) − x̃‖₂ / r = {worstAfterM}");
        double worst = 0;
        for (int s = 0; s < samples; s++) worst = Math.Max(worst, DenseLinearAlgebra.MaxAbsDiff(cur.AsSpan(s * n, n), center));
        Assert.True(worst < 1e-9, $"a sample ended {worst} from the fixed point");
    }

    [Fact]
    public void AnAutoencoderWithOtherHiddenWidthsGetsABallThatAttracts()
    {
        // 12 → 20 → 6 → 12: the chain Jᵀ = ∏ W_lᵀD_l has rectangular factors, J itself is 12 × 12.
        var rng = new Random(21);
        int[] widths = [12, 20, 6, 12];
        var layers = new List<DenseLayer>();
        for (int l = 0; l + 1 < widths.Length; l++)
        {
            int inp = widths[l], outp = widths[l + 1];
            var w = new double[outp * inp];
            for (int i = 0; i < w.Length; i++) w[i] = 0.8 * Gaussian(rng) / Math.Sqrt(inp);
            var b = new double[outp];
            for (int i = 0; i < b.Length; i++) b[i] = 0.1 * Gaussian(rng);
            layers.Add(new DenseLayer(inp, outp, w, b));
        }
        var net = new Network(layers, new TanhActivation());
        double[] center = Attractor(net);
        EuclideanBallResult proof = EuclideanBall.Prove(net, center);
        Assert.True(proof.Proved, $"refused: {proof.Refusal}");
        EuclideanBall ball = proof.Ball!;
        var x = new double[12];
        var y = new double[12];
        for (int s = 0; s < 500; s++)
        {
            for (int i = 0; i < 12; i++) x[i] = Gaussian(rng);
            double norm = System.Numerics.Tensors.TensorPrimitives.Norm(x);
            for (int i = 0; i < 12; i++) x[i] = center[i] + x[i] / norm * ball.Radius * (1 - 1e-9);
            for (int k = 0; k < 100; k++) { net.Evaluate(x, y); (x, y) = (y, x); }
            Assert.True(DenseLinearAlgebra.MaxAbsDiff(x, center) < 1e-9);
        }
    }

    [Fact]
    public void ThePointTestAcceptsInsideAndRefusesOutside()
    {
        Network net = Tanh(16, 0.8, 2, 5);
        double[] center = Attractor(net);
        EuclideanBall ball = EuclideanBall.Prove(net, center).Ball!;
        double[] x = (double[])center.Clone();
        Assert.True(ball.Contains(x));
        x[3] += ball.Radius * 0.999;
        Assert.True(ball.Contains(x));
        x[3] = center[3] + ball.Radius * (1 + 1e-6);
        Assert.False(ball.Contains(x));
        x[3] = double.NaN;
        Assert.False(ball.Contains(x));
        var two = new double[32];
        center.CopyTo(two, 0);
        center.CopyTo(two, 16);
        two[20] += 10 * ball.Radius;
        var inside = new bool[2];
        ball.ContainsAll(two, 2, inside);
        Assert.Equal([true, false], inside);
    }

    [Fact]
    public void NoBallWhereNoPowerOfTheJacobianContractsOrTheMapIsNotSupported()
    {
        Network net = Tanh(64, 0.8, 4, 7);
        double[] center = Attractor(net);
        // ‖J‖₂ > 1 although ρ(J) < 1 on this network: F alone is no contraction in the 2-norm, F² is.
        EuclideanBallResult one = EuclideanBall.Prove(net, center, new EuclideanBallOptions { MaxSteps = 1 });
        Assert.False(one.Proved);
        Assert.Equal(EuclideanBallRefusal.NotContracting, one.Refusal);
        Assert.True(one.StepNorms[0] > 1);
        EuclideanBallResult two = EuclideanBall.Prove(net, center, new EuclideanBallOptions { MaxSteps = 2 });
        Assert.True(two.Proved);
        Assert.Equal(2, two.Ball!.Steps);

        // A strong network whose orbit from 0 is not at an attracting fixed point.
        Network strong = Tanh(16, 3.0, 2, 1);
        EuclideanBallResult none = EuclideanBall.Prove(strong, new double[16]);
        Assert.False(none.Proved);

        Assert.Equal(EuclideanBallRefusal.UnsupportedMap, EuclideanBall.Prove(Tanh(8, 0.3, 2, 2, residual: true), new double[8]).Refusal);
        Network relu = new RandomNetworkSpec(8, 2, new ReluActivation(), new GaussianLaw(0.5), new GaussianLaw(0.1), Seed: 2).Build();
        Assert.Equal(EuclideanBallRefusal.UnsupportedMap, EuclideanBall.Prove(relu, new double[8]).Refusal);
        Assert.Equal(EuclideanBallRefusal.NonFinite, EuclideanBall.Prove(net, Enumerable.Repeat(double.NaN, 64).ToArray()).Refusal);
    }

    [Fact]
    public void TheProofDoesNotDependOnTheThreadCount()
    {
        Network net = Tanh(200, 0.8, 3, 9);
        double[] center = Attractor(net);
        EuclideanBall a = EuclideanBall.Prove(net, center, new EuclideanBallOptions { Threads = 1 }).Ball!;
        EuclideanBall b = EuclideanBall.Prove(net, center, new EuclideanBallOptions { Threads = 2 }).Ball!;
        Assert.Equal(a.Radius, b.Radius);
        Assert.Equal(a.InnerRadius, b.InnerRadius);
        Assert.Equal(a.Contraction, b.Contraction);
    }

    [Fact]
    public void TheSpectralNormBoundIsAboveTheNormAndWithinAPercentOfIt()
    {
        var rng = new Random(3);
        foreach ((int rows, int cols) in new[] { (50, 70), (70, 50), (300, 300) })
        {
            var a = new double[rows * cols];
            for (int i = 0; i < a.Length; i++) a[i] = Gaussian(rng) / Math.Sqrt(cols);
            double exact = Matrix<double>.Build.DenseOfRowMajor(rows, cols, a).L2Norm();
            double bound = SpectralNormBound.Upper(a, rows, cols, 0);
            Assert.InRange(bound, exact, exact * 1.01);
            Assert.InRange(SpectralNormBound.Upper(a, rows, cols, 0.25), exact + 0.25, exact * 1.01 + 0.25 + 1e-12);
        }
        var diagonal = new double[9];
        (diagonal[0], diagonal[4], diagonal[8]) = (0.5, -3, 1);
        Assert.InRange(SpectralNormBound.Upper(diagonal, 3, 3, 0), 3, 3.01);
        Assert.Equal(double.PositiveInfinity, SpectralNormBound.Upper([1, double.NaN, 0, 1], 2, 2, 0));
        Assert.InRange(SpectralNormBound.Upper(new double[4], 2, 2, 0), 0, 1e-100);
    }

    [Fact]
    public void TheBlockedCholeskyFactorsPositiveDefiniteMatricesAndStopsOnOthers()
    {
        var rng = new Random(4);
        const int n = 300; // three blocks and trailing updates in several row chunks
        var b = new double[n * n];
        for (int i = 0; i < b.Length; i++) b[i] = Gaussian(rng);
        Matrix<double> bm = Matrix<double>.Build.DenseOfRowMajor(n, n, b);
        Matrix<double> spd = bm * bm.Transpose() + Matrix<double>.Build.DenseIdentity(n);
        double[] a = spd.ToRowMajorArray();
        Assert.True(DenseLinearAlgebra.TryCholeskyLower(a, n));
        Matrix<double> l = Matrix<double>.Build.Dense(n, n, (i, j) => j <= i ? a[i * n + j] : 0);
        Assert.True((l * l.Transpose() - spd).InfinityNorm() < 1e-10 * spd.InfinityNorm());
        Assert.True((l - spd.Cholesky().Factor).InfinityNorm() < 1e-9 * l.InfinityNorm());

        double[] indefinite = (spd - 1e9 * Matrix<double>.Build.DenseDiagonal(n, n, i => i == 250 ? 1 : 0)).ToRowMajorArray();
        Assert.False(DenseLinearAlgebra.TryCholeskyLower(indefinite, n));

        // The rows below each diagonal block are solved on several threads: the factor is the same bits on one.
        double[] one = spd.ToRowMajorArray(), many = spd.ToRowMajorArray();
        Assert.True(DenseLinearAlgebra.TryCholeskyLower(one, n, threads: 1));
        Assert.True(DenseLinearAlgebra.TryCholeskyLower(many, n, threads: 3));
        Assert.Equal(one, many);
        Assert.Equal(a, many);
    }

    private static double[] Jacobian(Network net, double[] x)
    {
        var j = new double[net.Dimension * net.Dimension];
        net.Jacobian(x, j);
        return j;
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
