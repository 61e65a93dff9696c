using System.Text.Json;
using Fixpoint.Census;
using Fixpoint.Init;
using Fixpoint.IO;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using Fixpoint.Solvers;

namespace Fixpoint.Tests;

/// <summary>The arclength homotopy of the unstable pass on heavy-tailed networks, where Newton from a start stalls.</summary>
public class HomotopyTests
{
    // Paper-B Cauchy weights with 1/N scaling: ‖W‖₂ grows like N, most units saturate, Newton's merit has many non-zero minima.
    private static Network Cauchy(int n, ulong seed) =>
        new RandomNetworkSpec(n, 2, new TanhActivation(), new CauchyLaw(1), new GaussianLaw(0.1), ScaleConvention.InverseN, Seed: seed).Build();

    private static double[] Starts(int n, int count, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new double[n * count];
        for (int i = 0; i < x.Length; i++) x[i] = rng.Uniform(-1, 1);
        return x;
    }

    /// <summary>
    /// From random starts on a 48-wide Cauchy network, Newton–Krylov (and dense Newton) fail from some of
    /// them; from exactly those starts the homotopy ends at a fixed point: its residual, recomputed, is
    /// ≤ 1e-10, and dense Newton started there stays on it (to 1e-9) at residual ≤ 1e-12.
    /// </summary>
    [Fact]
    public void FromStartsWhereNewtonKrylovFailsTheHomotopyReachesAFixedPoint()
    {
        int n = 48, count = 8;
        Network net = Cauchy(n, 3);
        double[] starts = Starts(n, count, 9);
        var o = new SolveOptions { Atol = 1e-11, MaxIterations = 100 };
        BatchResult nk = new NewtonKrylovSolver().SolveBatch(net, starts, count, o);
        int[] failed = Enumerable.Range(0, count).Where(i => nk.Results[i].Status != SolveStatus.Converged).ToArray();
        Assert.True(failed.Length >= 1, $"Newton–Krylov should fail from some starts, failed from {failed.Length}");
        var hs = new double[failed.Length * n];
        for (int k = 0; k < failed.Length; k++) Array.Copy(starts, failed[k] * n, hs, k * n, n);
        BatchResult h = new HomotopySolver().SolveBatch(net, hs, failed.Length, o with { MaxIterations = 1000 });
        var y = new double[n];
        var polish = new SolveOptions { Atol = 1e-12, MaxIterations = 20 };
        int reached = 0;
        foreach (SolveResult r in h.Results)
        {
            if (r.Status != SolveStatus.Converged) continue;
            reached++;
            net.Evaluate(r.X, y);
            Assert.True(DenseLinearAlgebra.MaxAbsDiff(y, r.X) <= 1e-10);
            SolveResult d = new NewtonSolver().Solve(net, r.X, polish);
            Assert.Equal(SolveStatus.Converged, d.Status);
            Assert.True(DenseLinearAlgebra.MaxAbsDiff(d.X, r.X) <= 1e-9);
        }
        // Probability one in theory; allow one path lost to the finite step control.
        Assert.True(reached >= failed.Length - 1, $"the homotopy reached {reached} of {failed.Length}");
    }

    /// <summary>The homotopy's answer at a fixed point: a start on a fixed point ends there at once.</summary>
    [Fact]
    public void AStartOnAFixedPointEndsThere()
    {
        Network net = Cauchy(32, 5);
        SolveResult dense = new NewtonSolver().Solve(net, new double[32], new SolveOptions { Atol = 1e-13, MaxIterations = 200 });
        Assume(dense.Status == SolveStatus.Converged);
        SolveResult h = new HomotopySolver().Solve(net, dense.X, new SolveOptions { Atol = 1e-10, MaxIterations = 1000 });
        Assert.Equal(SolveStatus.Converged, h.Status);
        Assert.True(DenseLinearAlgebra.MaxAbsDiff(h.X, dense.X) <= 1e-10);
    }

    private static void Assume(bool condition) => Assert.True(condition, "precondition of the test network");

    /// <summary>
    /// The CLI's unstable pass with Newton–Krylov forced on a small Cauchy network: it reports fixed points
    /// found by Newton, each with a residual recomputed from the saved model ≤ 1e-10 and an unstable
    /// dimension count equal to the count of |λ| &gt; 1 among the dense eigenvalues of J there.
    /// </summary>
    [Fact]
    public void CliUnstablePassWithKrylovFindsVerifiedUnstablePoints()
    {
        string dir = CliRunner.TempDir();
        string model = Path.Combine(dir, "m.safetensors");
        var run = CliRunner.Invoke("census", "--width", "32", "--depth", "2", "--weights", "cauchy(1)", "--scaling", "1/n", "--seed", "4",
            "--unstable", "--starts", "16", "--newton", "krylov", "--eigen", "dense", "--no-plot", "--save-model", model, "--out", dir);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("newton:", run.Err + run.Out);
        Network net = ModelFile.Load(model);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "census.json")));
        var fps = doc.RootElement.GetProperty("fixedPoints").EnumerateArray().ToList();
        Assert.Contains(fps, f => f.GetProperty("foundBy").GetString() == "newton" && f.GetProperty("unstableDimensions").GetInt32() > 0);
        int n = net.Dimension;
        var y = new double[n];
        var jac = new double[n * n];
        foreach (JsonElement f in fps)
        {
            double[] x = f.GetProperty("x").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            net.Evaluate(x, y);
            Assert.True(DenseLinearAlgebra.MaxAbsDiff(x, y) <= 1e-10);
            net.Jacobian(x, jac);
            int unstable = Spectral.Eigenvalues(jac, n).Count(l => l.Magnitude > 1);
            Assert.Equal(unstable, f.GetProperty("unstableDimensions").GetInt32());
        }
    }

    [Fact]
    public void AProductBudgetEndsAPathAsStalledAtItsBestIterate()
    {
        int n = 48;
        Network net = Cauchy(n, 3);
        double[] start = Starts(n, 1, 9);
        var o = new SolveOptions { Atol = 1e-11, MaxIterations = 1000 };
        SolveResult free = new HomotopySolver().Solve(net, start, o);
        SolveResult bounded = new HomotopySolver { MaxProducts = 5 }.Solve(net, start, o);
        Assert.Equal(SolveStatus.Converged, free.Status);
        Assert.Equal(SolveStatus.Stalled, bounded.Status);
        Assert.True(bounded.Iterations < free.Iterations, $"{bounded.Iterations} steps with the budget, {free.Iterations} without");
        Assert.Throws<ArgumentOutOfRangeException>(() => new HomotopySolver { MaxProducts = 0 });
    }
}
