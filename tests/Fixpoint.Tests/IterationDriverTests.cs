using System.Text.Json;
using Fixpoint.Census;
using Fixpoint.IO;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using Fixpoint.Solvers;
using static Fixpoint.Tests.Kernels.KernelReference;

namespace Fixpoint.Tests;

/// <summary>The one iteration driver: its outcome tests, best iterate, cancellation and thread independence, for every solver.</summary>
public class IterationDriverTests
{
    public static TheoryData<string> SolverNames => new() { "picard", "anderson", "newton" };

    /// <summary>F(x) = x/2 for x ≤ 1 and NaN beyond: starts above 1 see a NaN in their first F(x).</summary>
    private static ScalarMap HalfOrNaN => new(x => x <= 1 ? 0.5 * x : double.NaN, _ => 0.5);

    [Theory]
    [MemberData(nameof(SolverNames))]
    public void ANaNIsNonFiniteNotDiverged(string solver)
    {
        double[] starts = [-2, -0.5, 0.5, 1.5, 3, double.PositiveInfinity];
        BatchResult r = SolverSpec.Create(solver).Build().SolveBatch(HalfOrNaN, starts, starts.Length, new SolveOptions());
        SolveStatus[] expected = [SolveStatus.Converged, SolveStatus.Converged, SolveStatus.Converged, SolveStatus.NonFinite, SolveStatus.NonFinite, SolveStatus.NonFinite];
        Assert.Equal(expected, r.Results.Select(q => q.Status));
        foreach (SolveResult q in r.Results.Where(q => q.Status == SolveStatus.NonFinite))
        {
            Assert.Equal(1, q.Iterations);
            Assert.True(double.IsNaN(q.Residual)); // no finite iterate was tested
        }
    }

    [Fact]
    public void ACensusCountsNaNStartsAsNonFiniteInCensusJson()
    {
        CensusResult r = FixedPointCensus.Run(HalfOrNaN, new UniformBoxStarts(-2, 2), 400, 3, new CensusOptions());
        int expectedNaN = r.StartPoints.Count(x => x > 1);
        Assert.True(expectedNaN > 50);
        Assert.Equal(expectedNaN, r.Outcomes.NonFinite);
        Assert.Equal(0, r.Outcomes.Diverged);
        Assert.Equal(400, r.Outcomes.Total);
        using var stream = new MemoryStream();
        CensusFile.Write(stream, CensusFile.From(r));
        using JsonDocument doc = JsonDocument.Parse(stream.ToArray());
        JsonElement outcomes = doc.RootElement.GetProperty("outcomes");
        Assert.Equal(expectedNaN, outcomes.GetProperty("nonFinite").GetInt64());
        Assert.Equal(0, outcomes.GetProperty("diverged").GetInt64());
        Assert.Equal(0, outcomes.GetProperty("cancelled").GetInt64());
        Assert.Equal(expectedNaN / 400.0, doc.RootElement.GetProperty("basinTotals").GetProperty("nonFinite").GetDouble());
    }

    [Fact]
    public void GrowthPastTheBoundIsDiverged()
    {
        var grow = new ScalarMap(x => 2 * x + 1, _ => 2);
        var o = new SolveOptions { DivergenceBound = 1e3 };
        SolveResult p = new PicardSolver().Solve(grow, [1.0], o);
        Assert.Equal(SolveStatus.Diverged, p.Status);
        // x = 1, 3, 7, …, 2^k − 1: F(x) = 2^(k+1) − 1 first exceeds 1000 at x = 511, the ninth iterate.
        Assert.Equal(9, p.Iterations);
        Assert.Equal(1.0, p.X[0]); // the best (lowest residual) iterate is the start

        // Newton on G(x) = 1/(1 + x²): every step moves x outward by about x/2 and decreases |G|.
        var flat = new ScalarMap(x => x + 1 / (1 + x * x), x => 1 - 2 * x / ((1 + x * x) * (1 + x * x)));
        SolveResult n = new NewtonSolver().Solve(flat, [1.0], o);
        Assert.Equal(SolveStatus.Diverged, n.Status);
        Assert.True(n.Iterations < 30, $"{n.Iterations}");
    }

    [Fact]
    public void NewtonStallsAtALocalMinimumOfTheResidualThatIsNotARoot()
    {
        // G(x) = F(x) − x = x² + 1 > 0 has no root; |G| is smallest (1) at x = 0, where J − I = 2x is singular.
        var map = new ScalarMap(x => x + x * x + 1, x => 1 + 2 * x);
        foreach (double x0 in new[] { 0.0, 1.0, -3.0 })
        {
            SolveResult r = new NewtonSolver().Solve(map, [x0], new SolveOptions());
            Assert.Equal(SolveStatus.Stalled, r.Status);
            Assert.True(r.Iterations < 100, $"from {x0}: {r.Iterations} iterations");
            Assert.True(Math.Abs(r.X[0]) < 1e-3, $"from {x0}: stalled at {r.X[0]}");
            Assert.Equal(r.X[0] * r.X[0] + 1, r.Residual, 12);
        }
    }

    [Fact]
    public void NewtonTakesTheMinimumNormStepOnALineOfFixedPoints()
    {
        // F(x, y) = ((x + y)/2, (x + y)/2): every point of x = y is fixed and J − I is singular everywhere.
        // From (0, 2) the minimum-norm Newton step is the projection onto the line, (1, 1).
        var map = new Affine2([0.5, 0.5, 0.5, 0.5], [0, 0]);
        SolveResult r = new NewtonSolver().Solve(map, [0.0, 2.0], new SolveOptions { Atol = 1e-14 });
        Assert.Equal(SolveStatus.Converged, r.Status);
        Assert.Equal(2, r.Iterations);
        Assert.Equal(1.0, r.X[0], 14);
        Assert.Equal(1.0, r.X[1], 14);
    }

    [Fact]
    public void CancellationLeavesEveryResultNonNullAndTheFinishedOnesUnchanged()
    {
        Network net = RandomNetwork(8, 1, scale: 1.5, seed: 4);
        int count = 600;
        double[] starts = Random(count * 8, 12, 2.0);
        foreach (string name in new[] { "picard", "anderson", "newton" })
        {
            ISolver solver = SolverSpec.Create(name).Build();
            var o = new SolveOptions { Threads = 1 };
            BatchResult full = solver.SolveBatch(net, starts, count, o);
            Assert.False(full.Cancelled);
            using var cts = new CancellationTokenSource();
            var progress = new Inline(done => { if (done >= 40) cts.Cancel(); });
            BatchResult cut = solver.SolveBatch(net, starts, count, o, progress, cts.Token);
            Assert.True(cut.Cancelled, name);
            Assert.All(cut.Results, q => Assert.NotNull(q));
            int cancelled = cut.Results.Count(q => q.Status == SolveStatus.Cancelled);
            Assert.InRange(cancelled, 1, count - 40);
            for (int i = 0; i < count; i++)
            {
                SolveResult c = cut.Results[i];
                if (c.Status == SolveStatus.Cancelled)
                {
                    Assert.True(c.Iterations < full.Results[i].Iterations || full.Results[i].Iterations == 0);
                    if (c.Iterations == 0) Assert.Equal(starts.AsSpan(i * 8, 8).ToArray(), c.X); // never tested: its start
                    continue;
                }
                AssertSame(full.Results[i], c, $"{name} start {i}");
            }
            Assert.Contains(cut.Results, q => q.Status == SolveStatus.Cancelled && q.Iterations == 0);
        }
    }

    [Fact]
    public void ACancelledSingleSolveIsAStatus()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        SolveResult r = new PicardSolver().Solve(TestNetworks.Scalar(0.5, 0), [1.0], new SolveOptions(), cts.Token);
        Assert.Equal(SolveStatus.Cancelled, r.Status);
        Assert.Equal(0, r.Iterations);
        Assert.Equal([1.0], r.X);
        Assert.True(double.IsNaN(r.Residual));
    }

    [Theory]
    [MemberData(nameof(SolverNames))]
    public void OneAndTwoThreadsGiveIdenticalResults(string name)
    {
        Network net = RandomNetwork(8, 2, scale: 2.0, seed: 6);
        int count = 500;
        double[] starts = Random(count * 8, 21, 3.0);
        starts[7 * 8] = double.NaN;
        starts[9 * 8] = 1e9;
        ISolver solver = SolverSpec.Create(name).Build();
        BatchResult one = solver.SolveBatch(net, starts, count, new SolveOptions { Threads = 1, MaxIterations = 300 });
        BatchResult two = solver.SolveBatch(net, starts, count, new SolveOptions { Threads = 2, MaxIterations = 300 });
        Assert.Equal(one.Evaluations, two.Evaluations);
        for (int i = 0; i < count; i++) AssertSame(one.Results[i], two.Results[i], $"{name} start {i}");
        Assert.Equal(SolveStatus.NonFinite, one.Results[7].Status);
        Assert.Equal(SolveStatus.Diverged, one.Results[9].Status);
        Assert.Equal(one.Evaluations, one.Results.Sum(q => q.Evaluations));
    }

    [Theory]
    [MemberData(nameof(SolverNames))]
    public void TheBestIterateIsReturnedAtTheLimit(string name)
    {
        Network net = RandomNetwork(8, 1, scale: 2.5, seed: 8);
        double[] starts = Random(200 * 8, 5, 2.0);
        BatchResult r = SolverSpec.Create(name).Build().SolveBatch(net, starts, 200, new SolveOptions { MaxIterations = 3, Threads = 1 });
        var y = new double[8];
        foreach (SolveResult q in r.Results.Where(q => q.Status is SolveStatus.MaxIterations or SolveStatus.Stalled))
        {
            net.Evaluate(q.X, y);
            Assert.Equal(DenseLinearAlgebra.MaxAbsDiff(y, q.X), q.Residual); // the residual is that of the returned point
        }
    }

    private static void AssertSame(SolveResult expected, SolveResult actual, string what)
    {
        Assert.True(expected.Status == actual.Status, $"{what}: {expected.Status} vs {actual.Status}");
        Assert.True(expected.Iterations == actual.Iterations, $"{what}: iterations");
        Assert.True(expected.Evaluations == actual.Evaluations, $"{what}: evaluations");
        Assert.True(expected.Residual.Equals(actual.Residual), $"{what}: residual");
        Assert.True(expected.X.AsSpan().SequenceEqual(actual.X), $"{what}: point");
        Assert.Equal(expected.Period, actual.Period);
    }

    private sealed class Inline(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    /// <summary>A 1-D map with its derivative.</summary>

    /// <summary>F(x) = A x + b in 2-D.</summary>
    private sealed class Affine2(double[] a, double[] b) : IMap
    {
        public int Dimension => 2;
        public bool HasExactJacobian => true;
        public void Evaluate(ReadOnlySpan<double> x, Span<double> y)
        {
            y[0] = a[0] * x[0] + a[1] * x[1] + b[0];
            y[1] = a[2] * x[0] + a[3] * x[1] + b[1];
        }
        public void EvaluateBatch(ReadOnlySpan<double> xs, Span<double> ys, int count)
        {
            for (int i = 0; i < count; i++) Evaluate(xs.Slice(2 * i, 2), ys.Slice(2 * i, 2));
        }
        public void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian) => a.CopyTo(jacobian);
        public void JacobianVector(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv)
        {
            jv[0] = a[0] * v[0] + a[1] * v[1];
            jv[1] = a[2] * v[0] + a[3] * v[1];
        }
    }
}
