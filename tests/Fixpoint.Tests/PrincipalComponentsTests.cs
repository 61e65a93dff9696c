using Fixpoint.Cli;
using MathNet.Numerics.LinearAlgebra;

namespace Fixpoint.Tests;

/// <summary>census.png's plane: Lanczos on the covariance gives the projection of a full SVD of the centred points, up to the axes' signs.</summary>
public class PrincipalComponentsTests
{
    /// <summary>m points in n dimensions, coordinate j of standard deviation <paramref name="decay"/>^j, in a random rotation.</summary>
    private static double[] Points(int m, int n, double decay, ulong seed)
    {
        var rng = new Fixpoint.Numerics.Rng(seed);
        var q = Matrix<double>.Build.Dense(n, n, (_, _) => rng.Normal()).QR().Q;
        var x = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            var z = Vector<double>.Build.Dense(n, j => Math.Pow(decay, j) * rng.Normal() + 0.3);
            (q * z).ToArray().CopyTo(x, i * n);
        }
        return x;
    }

    /// <summary>The plane as the previous plot computed it: the first two right singular vectors of the centred points.</summary>
    private static (double[] A, double[] B, double Share) Reference(double[] x, int m, int n)
    {
        var mat = Matrix<double>.Build.Dense(m, n, (i, j) => x[i * n + j]);
        var mean = mat.ColumnSums() / m;
        var centred = mat - Matrix<double>.Build.Dense(m, n, (_, j) => mean[j]);
        var svd = centred.Svd(true);
        double total = svd.S.Sum(s => s * s);
        return (svd.VT.Row(0).ToArray(), svd.VT.Row(1).ToArray(), (svd.S[0] * svd.S[0] + svd.S[1] * svd.S[1]) / total);
    }

    [Theory]
    [InlineData(40, 12, 0.8)]   // Lanczos runs to the full dimension
    [InlineData(300, 200, 0.9)] // stops on the residual long before n
    [InlineData(6, 50, 0.95)]   // fewer points than dimensions: the Krylov space is invariant after rank + 1 steps
    [InlineData(2000, 64, 0.97)]  // the covariance formed
    [InlineData(700, 600, 0.97)]   // the covariance applied as Xᵀ(Xv)
    public void TheProjectionIsTheSvdsUpToSign(int m, int n, double decay)
    {
        double[] x = Points(m, n, decay, (ulong)(m + n));
        PrincipalPlane plane = PrincipalComponents.Leading(x, m, n);
        var (a, b, share) = Reference(x, m, n);
        Assert.Equal(share, plane.Share, 1e-10);
        double sa = Math.Sign(Dot(a, plane.First)), sb = Math.Sign(Dot(b, plane.Second));
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<double> p = x.AsSpan(i * n, n);
            (double px, double py) = plane.Project(p);
            double rx = 0, ry = 0;
            for (int j = 0; j < n; j++)
            {
                rx += (p[j] - plane.Mean[j]) * a[j];
                ry += (p[j] - plane.Mean[j]) * b[j];
            }
            Assert.Equal(sa * rx, px, 1e-8);
            Assert.Equal(sb * ry, py, 1e-8);
        }
        Assert.Equal(0.0, Dot(plane.First, plane.Second), 10);
        Assert.Equal(1.0, Dot(plane.First, plane.First), 12);
        Assert.Equal(1.0, Dot(plane.Second, plane.Second), 12);
    }

    [Fact]
    public void TheCovarianceIsFormedForManyShortRowsOnly()
    {
        Assert.True(PrincipalComponents.FormCovariance(2000, 64));
        Assert.True(PrincipalComponents.FormCovariance(2000, 256));
        // One kernel product forms C at 2000 × 1024 faster than 120 passes over the rows (0.18 against 0.28 s measured).
        Assert.True(PrincipalComponents.FormCovariance(2000, 1024));
        Assert.False(PrincipalComponents.FormCovariance(1000, 2048));
        Assert.False(PrincipalComponents.FormCovariance(3, 64));
    }

    [Fact]
    public void FewPointsStopWhenTheKrylovSpaceIsInvariant()
    {
        double[] x = Points(6, 50, 0.95, 1);
        PrincipalPlane plane = PrincipalComponents.Leading(x, 6, 50);
        Assert.InRange(plane.Steps, 2, 6); // centred, 6 points span at most 5 directions
    }

    [Fact]
    public void CollinearPointsProjectOntoTheirLine()
    {
        int n = 30;
        var x = new double[3 * n];
        for (int j = 0; j < n; j++) { x[j] = -(j + 1); x[2 * n + j] = j + 1; }
        PrincipalPlane plane = PrincipalComponents.Leading(x, 3, n);
        Assert.Equal(1.0, plane.Share, 12);
        Assert.Equal(0.0, Dot(plane.First, plane.Second), 12);
        for (int i = 0; i < 3; i++) Assert.Equal(0.0, plane.Project(x.AsSpan(i * n, n)).Y, 10);
        Assert.Equal(0.0, plane.Project(x.AsSpan(n, n)).X, 12);
    }

    [Fact]
    public void IdenticalPointsGiveAFinitePlane()
    {
        double[] x = [1, 2, 3, 1, 2, 3];
        PrincipalPlane plane = PrincipalComponents.Leading(x, 2, 3);
        Assert.Equal(1.0, plane.Share);
        Assert.Equal((0.0, 0.0), plane.Project(x));
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (u, v) => u * v).Sum();
}
