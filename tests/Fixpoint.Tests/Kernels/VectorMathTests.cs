using Fixpoint.Numerics;

namespace Fixpoint.Tests.Kernels;

public class VectorMathTests
{
    private static long Ulps(double a, double b) =>
        a == b ? 0 : Math.Abs(BitConverter.DoubleToInt64Bits(a) - BitConverter.DoubleToInt64Bits(b));

    [Fact]
    public void TanhIsWithinTheDocumentedUlpsOfMathTanh()
    {
        var rng = new Rng(17);
        var x = new double[200_000];
        var y = new double[x.Length];
        foreach (double scale in new[] { 1e-12, 1e-3, 0.1, 0.2, 0.35, 0.7, 1, 2, 5, 19, 30, 1e4 })
        {
            for (int i = 0; i < x.Length; i++) x[i] = scale * (2 * rng.NextDouble() - 1);
            VectorMath.Tanh(x, y);
            for (int i = 0; i < x.Length; i++)
            {
                long u = Ulps(y[i], Math.Tanh(x[i]));
                Assert.True(u <= VectorMath.TanhMaxUlps, $"tanh({x[i]:R}) = {y[i]:R}, Math.Tanh {Math.Tanh(x[i]):R}: {u} ulps");
            }
        }
    }

    [Fact]
    public void TanhSpecialValues()
    {
        double[] x = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, double.Epsilon, -1e-310, 20, -20.5, 1e300, double.MaxValue];
        var y = new double[x.Length];
        VectorMath.Tanh(x, y);
        Assert.True(double.IsNaN(y[0]));
        Assert.Equal(1.0, y[1]);
        Assert.Equal(-1.0, y[2]);
        Assert.True(BitConverter.DoubleToInt64Bits(y[3]) == 0);
        Assert.True(double.IsNegative(y[4]) && y[4] == 0);
        Assert.Equal(double.Epsilon, y[5]);
        Assert.Equal(-1e-310, y[6]);
        Assert.Equal(1.0, y[7]);
        Assert.Equal(-1.0, y[8]);
        Assert.Equal(1.0, y[9]);
        Assert.Equal(1.0, y[10]);
    }

    /// <summary>Every length from 0 to 256, in place and not: each element equals the scalar function bit for bit.</summary>
    [Fact]
    public void TanhDoesNotDependOnPositionOrLength()
    {
        double[] all = KernelReference.Random(256, 5, 3.0);
        for (int len = 0; len <= 256; len++)
            for (int offset = 0; offset <= 3 && offset + len <= 256; offset += 3)
            {
                ReadOnlySpan<double> x = all.AsSpan(offset, len);
                var y = new double[len];
                VectorMath.Tanh(x, y);
                double[] inPlace = x.ToArray();
                VectorMath.Tanh(inPlace, inPlace);
                for (int i = 0; i < len; i++)
                {
                    double expected = VectorMath.Tanh(x[i]);
                    Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(y[i]));
                    Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(inPlace[i]));
                }
            }
    }
}

public class VectorMathSingleTests
{
    private static long Ulps(float a, float b) =>
        a == b ? 0 : Math.Abs((long)BitConverter.SingleToInt32Bits(a) - BitConverter.SingleToInt32Bits(b));

    [Fact]
    public void Float32TanhIsWithinTheDocumentedUlpsOfTheRoundedDoubleTanh()
    {
        var rng = new Rng(23);
        var x = new float[200_000];
        var y = new float[x.Length];
        foreach (double scale in new[] { 1e-9, 1e-3, 0.06, 0.2, 0.35, 0.7, 1, 3, 9, 12, 1e4 })
        {
            for (int i = 0; i < x.Length; i++) x[i] = (float)(scale * (2 * rng.NextDouble() - 1));
            VectorMath.Tanh(x, y);
            for (int i = 0; i < x.Length; i++)
            {
                float expected = (float)Math.Tanh(x[i]);
                long u = Ulps(y[i], expected);
                Assert.True(u <= VectorMath.TanhSingleMaxUlps, $"tanh({x[i]:R}) = {y[i]:R}, expected {expected:R}: {u} ulps");
            }
        }
        float[] special = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 10f, -30f];
        var s = new float[special.Length];
        VectorMath.Tanh(special, s);
        Assert.True(float.IsNaN(s[0]));
        Assert.Equal(1f, s[1]);
        Assert.Equal(-1f, s[2]);
        Assert.True(float.IsNegative(s[3]) && s[3] == 0);
        Assert.Equal(1f, s[4]);
        Assert.Equal(-1f, s[5]);
    }

    [Fact]
    public void Float32TanhDoesNotDependOnPositionOrLength()
    {
        float[] all = KernelReference.ToSingle(KernelReference.Random(256, 6, 3.0));
        for (int len = 0; len <= 256; len++)
        {
            ReadOnlySpan<float> x = all.AsSpan(0, len);
            var y = new float[len];
            VectorMath.Tanh(x, y);
            for (int i = 0; i < len; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits(VectorMath.Tanh(x[i])), BitConverter.SingleToInt32Bits(y[i]));
        }
    }
}
