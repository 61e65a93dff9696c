using Fixpoint.Numerics;
using static Fixpoint.Tests.Kernels.KernelReference;

namespace Fixpoint.Tests.Kernels;

/// <summary>The solvers' row operations against plain loops, for every length from 0 to 256.</summary>
public class RowOpsTests
{
    [Fact]
    public void MaximaEqualTheScalarLoopsForEveryLength()
    {
        for (int n = 0; n <= 256; n++)
        {
            double[] x = Random(n, (ulong)n, 3), y = Random(n, (ulong)n + 1000, 3);
            var g = new double[n];
            Assert.Equal(DenseLinearAlgebra.MaxAbs(x), RowOps.MaxAbs(x));
            double r = RowOps.Residual(y, x, g, out double ry, out double rx);
            Assert.Equal(DenseLinearAlgebra.MaxAbsDiff(y, x), r);
            Assert.Equal(DenseLinearAlgebra.MaxAbs(y), ry);
            Assert.Equal(DenseLinearAlgebra.MaxAbs(x), rx);
            for (int i = 0; i < n; i++) Assert.Equal(y[i] - x[i], g[i]);
            double d = DenseLinearAlgebra.MaxAbsDiff(y, x);
            Assert.True(RowOps.Within(y, x, d));
            if (n > 0) Assert.False(RowOps.Within(y, x, Math.BitDecrement(d)));
        }
    }

    [Fact]
    public void NaNPropagatesWherever()
    {
        for (int n = 1; n <= 40; n++)
            for (int at = 0; at < n; at++)
            {
                double[] x = Random(n, 5), y = Random(n, 6);
                x[at] = double.NaN;
                Assert.True(double.IsNaN(RowOps.MaxAbs(x)));
                Assert.True(double.IsNaN(RowOps.Residual(y, x, new double[n], out _, out double mx)) && double.IsNaN(mx));
                Assert.False(RowOps.Within(y, x, double.MaxValue));
            }
    }

    [Fact]
    public void DotsAndUpdatesMatchFmaLoopsToRounding()
    {
        for (int n = 0; n <= 256; n++)
        {
            double[] a = Random(n, 1), b = Random(n, 2), c = Random(n, 3);
            double ab = 0, ac = 0;
            for (int i = 0; i < n; i++) { ab += a[i] * b[i]; ac += a[i] * c[i]; }
            double tol = 1e-14 * Math.Max(1, n);
            Assert.Equal(ab, RowOps.Dot(a, b), tol);
            var (d1, d2) = RowOps.Dot2(a, b, c);
            Assert.Equal(ab, d1, tol);
            Assert.Equal(ac, d2, tol);
            Assert.Equal(RowOps.Dot(a, b), d1); // the same summation order

            int k = 3;
            double[] dx = Random(k * n, 4), dg = Random(k * n, 5), gamma = [0.3, -0.2, 0.7];
            double beta = 0.8;
            double[] x = Random(n, 6), expected = (double[])x.Clone();
            for (int j = 0; j < n; j++)
            {
                expected[j] += beta * a[j];
                for (int h = 0; h < k; h++) expected[j] -= gamma[h] * (dx[h * n + j] + beta * dg[h * n + j]);
            }
            RowOps.MixUpdate(x, a, beta, dx, dg, gamma, k);
            for (int j = 0; j < n; j++) Assert.Equal(expected[j], x[j], 1e-13);

            double[] prev = (double[])b.Clone();
            var diff = new double[n];
            RowOps.DifferenceAndShift(a, prev, diff);
            for (int j = 0; j < n; j++)
            {
                Assert.Equal(a[j] - b[j], diff[j]);
                Assert.Equal(a[j], prev[j]);
            }
        }
    }
}
