using Fixpoint.Init;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using Fixpoint.Solvers;

namespace Fixpoint.Tests;

public class SolverTests
{
    public static TheoryData<string> SolverNames => new() { "picard", "anderson", "newton" };

    /// <summary>x ↦ Ax + b with ρ(A) &lt; 1 (identity activation): the fixed point solves (I − A)x = b.</summary>
    [Theory]
    [MemberData(nameof(SolverNames))]
    public void AffineMapConvergesToTheLinearSolution(string solver)
    {
        int n = 6;
        var rng = new Rng(21);
        double[] a = Enumerable.Range(0, n * n).Select(_ => rng.Normal() * 0.25 / Math.Sqrt(n)).ToArray();
        double[] b = Enumerable.Range(0, n).Select(_ => rng.Normal()).ToArray();
        var net = new Network([new DenseLayer(n, n, a, b)], new IdentityActivation());
        var m = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) m[i * n + j] = (i == j ? 1 : 0) - a[i * n + j];
        var expected = (double[])b.Clone();
        Assert.True(DenseLinearAlgebra.SolveInPlace(m, expected, n));
        SolveResult r = SolverSpec.Create(solver).Build().Solve(net, new double[n], new SolveOptions { Atol = 1e-14 });
        Assert.Equal(SolveStatus.Converged, r.Status);
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(r.X[i] - expected[i]) <= 1e-12, $"{solver}: x[{i}] = {r.X[i]} vs {expected[i]}");
    }

    [Fact]
    public void AndersonNeedsFewerEvaluationsThanPicardOnAContractiveTanhNetwork()
    {
        Network net = new RandomNetworkSpec(32, 4, new TanhActivation(), new GaussianLaw(0.9), new GaussianLaw(0.2), Seed: 7).Build();
        var rng = new Rng(1);
        int count = 64;
        double[] starts = Enumerable.Range(0, count * 32).Select(_ => rng.Uniform(-1, 1)).ToArray();
        var o = new SolveOptions { Atol = 1e-10, MaxPeriod = 1 };
        BatchResult picard = new PicardSolver().SolveBatch(net, starts, count, o);
        BatchResult anderson = new AndersonSolver().SolveBatch(net, starts, count, o);
        Assert.All(picard.Results, r => Assert.Equal(SolveStatus.Converged, r!.Status));
        Assert.All(anderson.Results, r => Assert.Equal(SolveStatus.Converged, r!.Status));
        Assert.True(anderson.Evaluations < picard.Evaluations, $"Anderson {anderson.Evaluations} vs Picard {picard.Evaluations} evaluations");
        Assert.Equal(picard.Evaluations, picard.Results.Sum(r => r!.Evaluations));
    }

    /// <summary>The one termination formula: ‖F(x) − x‖∞ ≤ atol + rtol·‖x‖∞, checked at the returned point for every solver.</summary>
    [Theory]
    [InlineData("picard", 1e-6, 0.0)]
    [InlineData("picard", 0.0, 1e-5)]
    [InlineData("anderson", 1e-9, 1e-9)]
    [InlineData("newton", 1e-11, 0.0)]
    public void ConvergedPointsSatisfyTheTerminationFormula(string solver, double atol, double rtol)
    {
        var o = new SolveOptions { Atol = atol, Rtol = rtol };
        Assert.True(o.IsConverged(atol + rtol * 3.0, 3.0));
        Assert.False(o.IsConverged(Math.BitIncrement(atol + rtol * 3.0), 3.0));
        Network net = TestNetworks.Scalar(0.9, 0.3);
        SolveResult r = SolverSpec.Create(solver).Build().Solve(net, [2.0], o);
        Assert.Equal(SolveStatus.Converged, r.Status);
        var y = new double[1];
        net.Evaluate(r.X, y);
        double res = Math.Abs(y[0] - r.X[0]);
        Assert.Equal(res, r.Residual);
        Assert.True(res <= atol + rtol * Math.Abs(r.X[0]));
    }

    [Fact]
    public void DivergenceAndMaxIterationsAreReportedPerStart()
    {
        Network expanding = TestNetworks.Scalar(2, 1, "identity"); // x ↦ 2x + 1: the fixed point −1 repels
        BatchResult r = new PicardSolver().SolveBatch(expanding, [0.5, -1.0, 3.0], 3, new SolveOptions());
        Assert.Equal(SolveStatus.Diverged, r.Results[0]!.Status);
        Assert.Equal(SolveStatus.Converged, r.Results[1]!.Status); // exactly on the fixed point
        Assert.Equal(SolveStatus.Diverged, r.Results[2]!.Status);
        Network slow = TestNetworks.Scalar(0.999, 0, "identity");
        SolveResult s = new PicardSolver().Solve(slow, [1.0], new SolveOptions { MaxIterations = 10 });
        Assert.Equal(SolveStatus.MaxIterations, s.Status);
        Assert.Equal(10, s.Iterations);
    }

    [Fact]
    public void SlowOscillatingConvergenceIsNotMistakenForACycle()
    {
        // x ↦ −0.999x converges while oscillating; consecutive even iterates are very close.
        SolveResult r = new PicardSolver().Solve(TestNetworks.Scalar(-0.999, 0, "identity"), [1e-3], new SolveOptions { Atol = 1e-12, MaxIterations = 100_000 });
        Assert.Equal(SolveStatus.Converged, r.Status);
    }

    [Fact]
    public void PeriodThreeCycleIsDetected()
    {
        // The logistic-type map x ↦ 3.8315 x (1 − x) has a stable 3-cycle; as a polynomial activation of a 1×1 identity layer.
        Network net = new([new DenseLayer(1, 1, [1.0], [0.0])], new PolynomialActivation([0, 3.8315, -3.8315]));
        SolveResult r = new PicardSolver().Solve(net, [0.3], new SolveOptions { Atol = 1e-12, MaxIterations = 10_000 });
        Assert.Equal(SolveStatus.Cycle, r.Status);
        Assert.Equal(3, r.Period);
    }

    [Fact]
    public void ResultsDoNotDependOnTheThreadCount()
    {
        Network net = new RandomNetworkSpec(16, 3, new TanhActivation(), new CauchyLaw(1), new GaussianLaw(0.1), Seed: 3).Build();
        var rng = new Rng(5);
        int count = 700;
        double[] starts = Enumerable.Range(0, count * 16).Select(_ => rng.Uniform(-1, 1)).ToArray();
        foreach (ISolver s in new ISolver[] { new PicardSolver(), new AndersonSolver(), new NewtonSolver() })
        {
            var o = new SolveOptions { MaxIterations = s is NewtonSolver ? 30 : 500 };
            BatchResult one = s.SolveBatch(net, starts, count, o with { Threads = 1 });
            BatchResult all = s.SolveBatch(net, starts, count, o with { Threads = 0 });
            BatchResult three = s.SolveBatch(net, starts, count, o with { Threads = 3 });
            for (int i = 0; i < count; i++)
            {
                Assert.Equal(one.Results[i]!.Status, all.Results[i]!.Status);
                Assert.Equal(one.Results[i]!.X, all.Results[i]!.X);
                Assert.Equal(one.Results[i]!.X, three.Results[i]!.X);
                Assert.Equal(one.Results[i]!.Iterations, three.Results[i]!.Iterations);
            }
        }
    }

    [Fact]
    public void BadSolverOptionsNameTheCulprit()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SolveOptions { Atol = -1 });
        Assert.Equal("Atol", e.ParamName);
        Assert.Equal("Ridge", Assert.Throws<ArgumentOutOfRangeException>(() => new AndersonSolver { Ridge = -1 }).ParamName);
        Assert.Equal("Damping", Assert.Throws<ArgumentOutOfRangeException>(() => new PicardSolver { Damping = 0 }).ParamName);
        Assert.Throws<ArgumentException>(() => new PicardSolver().Solve(TestNetworks.Scalar(0.5, 0), [1.0], new SolveOptions { Atol = 0, Rtol = 0 }));
    }
}
