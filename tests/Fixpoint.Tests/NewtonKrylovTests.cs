using Fixpoint.Census;
using Fixpoint.Experiments;
using Fixpoint.Init;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using Fixpoint.Solvers;

namespace Fixpoint.Tests;

/// <summary>Newton–Krylov: GMRES on J·v products inside the iteration driver, against dense Newton.</summary>
public class NewtonKrylovTests
{
    private static Network Tanh64 => new RandomNetworkSpec(64, 1, new TanhActivation(), new GaussianLaw(2.0), new GaussianLaw(0.3), Seed: 11).Build();

    private static double[] Starts(int n, int count, ulong seed, double half)
    {
        var rng = new Rng(seed);
        var x = new double[n * count];
        for (int i = 0; i < x.Length; i++) x[i] = rng.Uniform(-half, half);
        return x;
    }

    /// <summary>
    /// The fixed points dense Newton finds from random starts on a random tanh network (N = 64, several
    /// fixed points), and Newton–Krylov from 1e-2 perturbations of each: it lands on the same point to 1e-9.
    /// </summary>
    [Fact]
    public void OnARandomTanhNetworkItConvergesToTheSamePointsAsDenseNewton()
    {
        Network net = Tanh64;
        int n = net.Dimension, count = 24;
        var o = new SolveOptions { Atol = 1e-12, MaxIterations = 100 };
        BatchResult dense = new NewtonSolver().SolveBatch(net, Starts(n, count, 5, 1.0), count, o);
        List<double[]> points = Distinct(dense.Results.Where(r => r.Status == SolveStatus.Converged).Select(r => r.X).ToList());
        Assert.True(points.Count >= 3, $"the network should have several fixed points, found {points.Count}");
        var rng = new Rng(17);
        var starts = new double[points.Count * n];
        for (int p = 0; p < points.Count; p++)
            for (int j = 0; j < n; j++) starts[p * n + j] = points[p][j] + rng.Uniform(-1e-2, 1e-2);
        BatchResult krylov = new NewtonKrylovSolver().SolveBatch(net, starts, points.Count, o);
        for (int p = 0; p < points.Count; p++)
        {
            Assert.Equal(SolveStatus.Converged, krylov.Results[p].Status);
            Assert.True(DenseLinearAlgebra.MaxAbsDiff(points[p], krylov.Results[p].X) <= 1e-9, $"point {p}");
        }
    }

    private static List<double[]> Distinct(List<double[]> points)
    {
        var index = new PointClusters(points[0].Length, 1e-6);
        foreach (double[] p in points)
            if (index.Find(p) < 0) index.Add(p);
        return Enumerable.Range(0, index.Count).Select(c => index[c]).ToList();
    }

    [Fact]
    public void PaperAPolynomialCensusFindsTheSixteenPointsWithKrylovForced()
    {
        Network net = PaperACase.Poly.Create(2, 100);
        var o = new CensusOptions { Unstable = true };
        CensusResult dense = FixedPointCensus.Run(net, new UniformBoxStarts(-3, 3), 2000, 0, o with { Newton = NewtonMethod.Dense });
        CensusResult krylov = FixedPointCensus.Run(net, new UniformBoxStarts(-3, 3), 2000, 0, o with { Newton = NewtonMethod.Krylov });
        Assert.Equal(16, krylov.FixedPoints.Count);
        Assert.Equal(4, krylov.StableCount);
        Assert.Equal(8, krylov.FixedPoints.Count(f => f.UnstableDimensions == 1));
        Assert.Equal(4, krylov.FixedPoints.Count(f => f.UnstableDimensions == 2));
        Assert.Equal(16, dense.FixedPoints.Count);
        foreach (FixedPointInfo f in dense.FixedPoints)
        {
            FixedPointInfo k = Assert.Single(krylov.FixedPoints, q => DenseLinearAlgebra.MaxAbsDiff(q.X, f.X) <= 1e-9);
            Assert.Equal(f.UnstableDimensions, k.UnstableDimensions);
            Assert.Equal(f.Hits, k.Hits);
            Assert.True(k.Residual <= 1e-12);
        }
    }

    [Fact]
    public void BelowTheThresholdAutoIsDenseNewtonBitForBit()
    {
        Network net = PaperACase.Poly.Create(2, 100);
        var o = new CensusOptions { Unstable = true };
        CensusResult auto = FixedPointCensus.Run(net, new UniformBoxStarts(-3, 3), 300, 4, o);
        CensusResult dense = FixedPointCensus.Run(net, new UniformBoxStarts(-3, 3), 300, 4, o with { Newton = NewtonMethod.Dense });
        Assert.Equal(dense.FixedPoints.Select(f => f.X), auto.FixedPoints.Select(f => f.X));
        Assert.Equal(dense.FixedPoints.Select(f => f.Residual), auto.FixedPoints.Select(f => f.Residual));
        Assert.Equal(dense.Evaluations, auto.Evaluations);
        Assert.IsType<NewtonSolver>(CensusNewton.For(NewtonMethod.Auto, CensusNewton.KrylovThreshold - 1));
        Assert.IsType<NewtonKrylovSolver>(CensusNewton.For(NewtonMethod.Auto, CensusNewton.KrylovThreshold));
        Assert.IsType<NewtonSolver>(CensusNewton.For(NewtonMethod.Dense, 4096));
        Assert.IsType<NewtonKrylovSolver>(CensusNewton.For(NewtonMethod.Krylov, 1));
    }

    /// <summary>A map whose dense Jacobian may not be asked for: Newton–Krylov lives on J·v products alone.</summary>
    private sealed class ProductsOnly(Network net) : IMap
    {
        public long Products;
        public int Dimension => net.Dimension;
        public bool HasExactJacobian => true;
        public void Evaluate(ReadOnlySpan<double> x, Span<double> y) => net.Evaluate(x, y);
        public void EvaluateBatch(ReadOnlySpan<double> xs, Span<double> ys, int count) => net.EvaluateBatch(xs, ys, count);
        public void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian) => throw new InvalidOperationException("no dense Jacobian");
        public void JacobianVector(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv) => throw new InvalidOperationException("no workspace");
        public void JacobianVector(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv, JacobianWorkspace workspace)
        {
            Interlocked.Increment(ref Products);
            net.JacobianVector(x, v, jv, workspace);
        }
    }

    [Fact]
    public void ItNeverFormsTheJacobian()
    {
        var map = new ProductsOnly(Tanh64);
        double[] starts = Starts(64, 8, 9, 0.5);
        BatchResult r = new NewtonKrylovSolver().SolveBatch(map, starts, 8, new SolveOptions { MaxIterations = 50 });
        Assert.Contains(r.Results, q => q.Status == SolveStatus.Converged);
        Assert.True(map.Products > 0);
        Assert.All(r.Results.Where(q => q.Status == SolveStatus.Converged), q => Assert.True(q.Residual <= 1e-10));
    }


    [Fact]
    public void ItStallsWhereTheResidualHasALocalMinimumThatIsNotARoot()
    {
        // F(x) = x + x² + 1: G = x² + 1 > 0 has its minimum at 0 and no root.
        var map = new ScalarMap(x => x + x * x + 1, x => 1 + 2 * x);
        SolveResult r = new NewtonKrylovSolver().Solve(map, [0.7], new SolveOptions());
        Assert.Equal(SolveStatus.Stalled, r.Status);
        Assert.True(Math.Abs(r.X[0]) < 1e-3);
    }

    [Fact]
    public void OneAndTwoThreadsGiveIdenticalResults()
    {
        Network net = Tanh64;
        double[] starts = Starts(64, 48, 13, 1.0);
        var o = new SolveOptions { MaxIterations = 60 };
        BatchResult one = new NewtonKrylovSolver().SolveBatch(net, starts, 48, o with { Threads = 1 });
        BatchResult two = new NewtonKrylovSolver().SolveBatch(net, starts, 48, o with { Threads = 2 });
        Assert.Equal(one.Results.Select(r => r.Status), two.Results.Select(r => r.Status));
        Assert.Equal(one.Results.Select(r => r.X), two.Results.Select(r => r.X));
        Assert.Equal(one.Evaluations, two.Evaluations);
    }

    [Fact]
    public void SolverSpecBuildsItAndRefusesOtherSolversOptions()
    {
        Assert.Equal(new NewtonKrylovSolver { Restart = 12, MaxInnerIterations = 40, Forcing = 0.01 },
            SolverSpec.Create("newton-krylov", [new("krylovRestart", 12), new("krylovMaxIterations", 40), new("forcing", 0.01)]).Build());
        Assert.Equal(new NewtonKrylovSolver(), SolverSpec.Create("Newton-Krylov").Build());
        Assert.Equal("maxBacktracks: applies to newton only, not newton-krylov",
            Assert.Throws<SolverSpecException>(() => SolverSpec.Create("newton-krylov", [new("maxBacktracks", 3)])).Message);
        Assert.Equal("forcing: applies to newton-krylov only, not newton",
            Assert.Throws<SolverSpecException>(() => SolverSpec.Create("newton", [new("forcing", 0.1)])).Message);
        Assert.Equal("forcing: must be in (0, 1) (got 1)",
            Assert.Throws<SolverSpecException>(() => SolverSpec.Create("newton-krylov", [new("forcing", 1)])).Message);
        Assert.Equal("krylovRestart: must be an integer (got 2.5)",
            Assert.Throws<SolverSpecException>(() => SolverSpec.Create("newton-krylov", [new("krylovRestart", 2.5)])).Message);
        Assert.Equal("krylovMaxIterations: must be ≥ 1 (got 0)",
            Assert.Throws<SolverSpecException>(() => SolverSpec.Create("newton-krylov", [new("krylovMaxIterations", 0)])).Message);
    }

    [Fact]
    public void TheCliRunsItAndRefusesABadNewtonChoice()
    {
        string dir = CliRunner.TempDir();
        var ok = CliRunner.Invoke("census", "--width", "8", "--depth", "2", "--solver", "newton-krylov", "--krylov-restart", "4",
            "--starts", "20", "--unstable", "--newton", "krylov", "--no-plot", "--out", dir);
        Assert.Equal(0, ok.ExitCode);
        var bad = CliRunner.Invoke("census", "--width", "8", "--newton", "qr", "--no-plot", "--out", dir);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("unknown --newton 'qr'; known: auto, dense, krylov", bad.Err);
        var wrong = CliRunner.Invoke("census", "--width", "8", "--solver", "newton", "--forcing", "0.1", "--no-plot", "--out", dir);
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("--forcing applies to newton-krylov only, not newton", wrong.Err);
    }
}
