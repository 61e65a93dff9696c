using Fixpoint.Certify;
using Fixpoint.Init;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using Fixpoint.Solvers;

namespace Fixpoint.Tests.Certify;

public class ContractionBallTests
{
    /// <summary>x ↦ tanh(W x) with W upper triangular: ρ(J(0)) = 0.5 but ‖J(0)‖∞ = 2.5.</summary>
    private static Network NonNormal() => TestNetworks.Dense(2, [0.5, 2.0, 0.0, 0.4], [0.0, 0.0]);

    private static double[] FixedPointOf(Network net, double[] start)
    {
        SolveResult r = new PicardSolver().Solve(net, start, new SolveOptions { Atol = 1e-14, MaxIterations = 100000 });
        Assert.Equal(SolveStatus.Converged, r.Status);
        return r.X;
    }

    [Fact]
    public void TheAdaptedNormProvesWhereTheMaxNormFails()
    {
        Network net = NonNormal();
        double[] x = [0.0, 0.0];
        ContractionBallResult max = ContractionBall.Prove(net, x, BallNorm.Max);
        Assert.False(max.Proved);
        Assert.Equal(BallRefusal.NotContracting, max.Refusal);
        ContractionBallResult eigen = ContractionBall.Prove(net, x, BallNorm.Eigenbasis);
        Assert.True(eigen.Proved, eigen.Refusal.ToString());
        Assert.True(eigen.Ball!.Contraction < 1);
        Assert.True(eigen.Ball.Radius > 0);
        Assert.Equal("eigenbasis", eigen.Ball.Norm);
    }

    [Fact]
    public void NoBallAroundAFixedPointThatIsNotAttracting()
    {
        // x = tanh(2x): the origin is a repeller (J = 2), its positive root an attractor.
        Network net = TestNetworks.Scalar(2, 0);
        Assert.Equal(BallRefusal.NotAttracting, ContractionBall.Prove(net, [0.0]).Refusal);
        Assert.Equal(BallRefusal.NotAttracting, ContractionBall.Prove(net, [0.0], BallNorm.Max).Refusal);
        ContractionBallResult root = ContractionBall.Prove(net, [TestNetworks.Tanh2Root]);
        Assert.True(root.Proved);
        Assert.True(root.Ball!.Contains([TestNetworks.Tanh2Root]));
        Assert.False(root.Ball.Contains([0.0]));
    }

    [Fact]
    public void NoBallWhenTheIntervalJacobianIsTooWide()
    {
        // x = tanh(4x − 3.9) has a strongly attracting point near −1, but over a box 100 wide tanh′ covers [0, 1]
        // and the interval Jacobian [0, 4]: with one trial there, nothing is proved.
        Network net = TestNetworks.Scalar(4.0, -3.9);
        double[] x = FixedPointOf(net, [-1.0]);
        var tight = new ContractionBallOptions { InitialHalfWidth = 50, MaxTrials = 1 };
        ContractionBallResult r = ContractionBall.Prove(net, x, BallNorm.Eigenbasis, tight);
        Assert.False(r.Proved);
        Assert.Equal(BallRefusal.NotContracting, r.Refusal);
        Assert.True(ContractionBall.Prove(net, x).Proved);
    }

    [Fact]
    public void TheProvedBallIsInvariantAndAttractsAllOfIt()
    {
        Network net = new RandomNetworkSpec(6, 2, new TanhActivation(), new GaussianLaw(0.8), new GaussianLaw(0.3), Seed: 2).Build();
        double[] x = FixedPointOf(net, new double[6]);
        ContractionBallResult proved = ContractionBall.Prove(net, x);
        Assert.True(proved.Proved, proved.Refusal.ToString());
        ContractionBall ball = proved.Ball!;
        var rng = new Random(12345);
        int n = x.Length;
        var p = new double[n];
        var y = new double[n];
        int samples = 0;
        while (samples < 10_000)
        {
            // Points of the box x̃ ± h, kept when the ball contains them: uniform in B.
            for (int i = 0; i < n; i++) p[i] = x[i] + (2 * rng.NextDouble() - 1) * ball.HalfWidths[i];
            if (!ball.Contains(p)) continue;
            samples++;
            for (int k = 0; k < 2000; k++)
            {
                net.Evaluate(p, y);
                y.CopyTo(p, 0);
                Assert.True(ball.Contains(p) || DenseLinearAlgebra.MaxAbsDiff(p, x) < 1e-9, $"an iterate left the ball at step {k}");
                if (DenseLinearAlgebra.MaxAbsDiff(p, x) < 1e-12) break;
            }
            Assert.True(DenseLinearAlgebra.MaxAbsDiff(p, x) < 1e-9);
        }
    }

    [Fact]
    public void OnAWideRandomNetworkTheBallIsProvedInTheEigenbasis()
    {
        Network net = new RandomNetworkSpec(32, 4, new TanhActivation(), new GaussianLaw(1.0), new GaussianLaw(0.3), Seed: 1).Build();
        double[] x = FixedPointOf(net, new double[32]);
        var jac = new double[32 * 32];
        net.Jacobian(x, jac);
        double normInf = Enumerable.Range(0, 32).Max(i => Enumerable.Range(0, 32).Sum(j => Math.Abs(jac[i * 32 + j])));
        double rho = Spectral.SpectralRadius(jac, 32);
        Assert.True(rho < 1 && normInf > 1, $"ρ = {rho}, ‖J‖∞ = {normInf}");
        Assert.False(ContractionBall.Prove(net, x, BallNorm.Max).Proved);
        ContractionBallResult r = ContractionBall.Prove(net, x);
        Assert.True(r.Proved, r.Refusal.ToString());
        Assert.InRange(r.Ball!.Contraction, rho, 1);
        Assert.True(r.Ball.Contains(x));
    }

    [Fact]
    public void TheBatchedMembershipTestGivesTheAnswersOfThePointTest()
    {
        Network net = new RandomNetworkSpec(24, 3, new TanhActivation(), new GaussianLaw(0.8), new GaussianLaw(0.3), Seed: 5).Build();
        double[] x = FixedPointOf(net, new double[24]);
        ContractionBall ball = ContractionBall.Prove(net, x).Ball!;
        int n = x.Length, rows = 3000;
        var rng = new Random(7);
        var points = new double[rows * n];
        // From deep inside to beyond the box, so every branch of the test is taken.
        for (int r = 0; r < rows; r++)
        {
            double scale = Math.Pow(10, -3 + 3.5 * rng.NextDouble());
            for (int i = 0; i < n; i++) points[r * n + i] = x[i] + scale * (2 * rng.NextDouble() - 1) * ball.HalfWidths[i];
        }
        var inside = new bool[rows];
        ball.ContainsAll(points, rows, inside);
        int count = 0;
        for (int r = 0; r < rows; r++)
        {
            Assert.Equal(ball.Contains(points.AsSpan(r * n, n)), inside[r]);
            if (inside[r]) count++;
        }
        // A batch of one, and the answers do not depend on the batch's other rows.
        var odd = new bool[rows / 2];
        ball.ContainsAll(points.AsSpan(n, (rows / 2) * n), rows / 2, odd);
        for (int r = 0; r < rows / 2; r++) Assert.Equal(inside[r + 1], odd[r]);
        Assert.InRange(count, rows / 10, rows - rows / 10);
    }
}
