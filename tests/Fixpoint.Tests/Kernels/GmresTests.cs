using Fixpoint.Numerics;

namespace Fixpoint.Tests.Kernels;

/// <summary>Restarted GMRES against dense LU solutions.</summary>
public class GmresTests
{
    // A nonsymmetric, well-conditioned matrix: I·shift plus a random part, with its LU solution for b.
    private static (double[] A, double[] B, double[] X) System(int n, double shift, ulong seed)
    {
        var rng = new Rng(seed);
        var a = new double[n * n];
        for (int i = 0; i < n * n; i++) a[i] = rng.Normal() / Math.Sqrt(n);
        for (int i = 0; i < n; i++) a[i * n + i] += shift;
        var b = new double[n];
        for (int i = 0; i < n; i++) b[i] = rng.Uniform(-1, 1);
        double[] lu = (double[])a.Clone(), x = (double[])b.Clone();
        Assert.True(DenseLinearAlgebra.SolveInPlace(lu, x, n));
        return (a, b, x);
    }

    private static LinearOperator Operator(double[] a, int n) => (v, av) =>
    {
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < n; j++) s += a[i * n + j] * v[j];
            av[i] = s;
        }
    };

    private static double TrueResidual(double[] a, double[] b, double[] x, int n)
    {
        var ax = new double[n];
        Operator(a, n)(x, ax);
        return Math.Sqrt(Enumerable.Range(0, n).Sum(i => (b[i] - ax[i]) * (b[i] - ax[i])));
    }

    [Fact]
    public void NonsymmetricSystemMatchesTheLuSolution()
    {
        const int n = 40;
        var (a, b, exact) = System(n, 2.0, 1);
        var x = new double[n];
        GmresResult r = new Gmres(n, n).Solve(Operator(a, n), b, x, 1e-13, 200);
        Assert.Equal(GmresStatus.Converged, r.Status);
        Assert.True(r.Residual <= 1e-13 * Math.Sqrt(b.Sum(v => v * v)));
        Assert.Equal(TrueResidual(a, b, x, n), r.Residual, 1e-14);
        Assert.True(DenseLinearAlgebra.MaxAbsDiff(x, exact) < 1e-11);
        Assert.True(r.Iterations <= n);
    }

    [Fact]
    public void RestartedGmresStillConverges()
    {
        const int n = 60;
        var (a, b, exact) = System(n, 1.5, 2);
        var x = new double[n];
        var gmres = new Gmres(n, 5);
        Assert.Equal(5, gmres.Restart);
        GmresResult r = gmres.Solve(Operator(a, n), b, x, 1e-12, 2000);
        Assert.Equal(GmresStatus.Converged, r.Status);
        Assert.True(r.Iterations > 5, "needed more than one cycle");
        Assert.True(DenseLinearAlgebra.MaxAbsDiff(x, exact) < 1e-9);
        Assert.Equal(TrueResidual(a, b, x, n), r.Residual, 1e-13);
    }

    [Fact]
    public void TheStepLimitIsAStatusWithTheTrueResidual()
    {
        const int n = 60;
        var (a, b, _) = System(n, 0.3, 3); // close to singular directions: slow
        var x = new double[n];
        GmresResult r = new Gmres(n, 10).Solve(Operator(a, n), b, x, 1e-14, 7);
        Assert.Equal(GmresStatus.MaxIterations, r.Status);
        Assert.Equal(7, r.Iterations);
        Assert.True(r.Residual < r.InitialResidual);
        Assert.Equal(TrueResidual(a, b, x, n), r.Residual, 1e-13);
    }

    [Fact]
    public void AStartIsUsedAndAZeroRightHandSideConvergesAtOnce()
    {
        const int n = 20;
        var (a, b, exact) = System(n, 2.0, 4);
        var x = (double[])exact.Clone();
        GmresResult r = new Gmres(n, 10).Solve(Operator(a, n), b, x, 1e-8, 100);
        Assert.Equal(GmresStatus.Converged, r.Status);
        Assert.Equal(0, r.Iterations);
        var zero = new double[n];
        Assert.Equal(GmresStatus.Converged, new Gmres(n, 10).Solve(Operator(a, n), new double[n], zero, 1e-8, 100).Status);
        Assert.All(zero, v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void ASingularInconsistentSystemStagnatesInsteadOfLooping()
    {
        // A = diag(1, 0): b = (1, 1) has no solution; the best is x = (1, 0) with residual 1.
        double[] a = [1, 0, 0, 0];
        var x = new double[2];
        GmresResult r = new Gmres(2, 2).Solve(Operator(a, 2), [1, 1], x, 1e-12, 1000);
        Assert.Equal(GmresStatus.Stagnated, r.Status);
        Assert.Equal(1.0, r.Residual, 12);
        Assert.True(r.Iterations < 1000);
    }

    [Fact]
    public void ANonFiniteProductIsAStatus()
    {
        var x = new double[3];
        GmresResult r = new Gmres(3, 3).Solve((v, av) => av.Fill(double.NaN), [1, 2, 3], x, 1e-12, 10);
        Assert.Equal(GmresStatus.NonFinite, r.Status);
        Assert.All(x, v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void ResultsAreRepeatable()
    {
        const int n = 30;
        var (a, b, _) = System(n, 1.0, 5);
        double[] x1 = new double[n], x2 = new double[n];
        var g = new Gmres(n, 8);
        GmresResult r1 = g.Solve(Operator(a, n), b, x1, 1e-10, 500);
        GmresResult r2 = g.Solve(Operator(a, n), b, x2, 1e-10, 500);
        Assert.Equal(r1, r2);
        Assert.Equal(x1, x2);
    }
}
