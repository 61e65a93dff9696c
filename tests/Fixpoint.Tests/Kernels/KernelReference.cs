using Fixpoint.Init;
using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Tests.Kernels;

/// <summary>The contract's reference: a scalar fma chain per output, and random inputs.</summary>
internal static class KernelReference
{
    /// <summary>z[i, j] = fma chain over k in order, starting from b[j]; w is Outputs × Inputs.</summary>
    public static double[] Affine(double[] x, int rows, int inputs, double[] w, double[] b, int outputs)
    {
        var z = new double[rows * outputs];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < outputs; j++)
            {
                double acc = b[j];
                for (int k = 0; k < inputs; k++) acc = Math.FusedMultiplyAdd(x[i * inputs + k], w[j * inputs + k], acc);
                z[i * outputs + j] = acc;
            }
        return z;
    }

    public static float[] Affine(float[] x, int rows, int inputs, float[] w, float[] b, int outputs)
    {
        var z = new float[rows * outputs];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < outputs; j++)
            {
                float acc = b[j];
                for (int k = 0; k < inputs; k++) acc = MathF.FusedMultiplyAdd(x[i * inputs + k], w[j * inputs + k], acc);
                z[i * outputs + j] = acc;
            }
        return z;
    }

    /// <summary>F by layers, each row alone: reference affine, then Activation.Apply on the row, then the residual.</summary>
    public static double[] Network(Network net, double[] x, int rows)
    {
        int n = net.Dimension;
        var cur = (double[])x.Clone();
        int width = n;
        foreach (DenseLayer l in net.AppliedLayers)
        {
            double[] z = Affine(cur, rows, l.Inputs, l.Weight, l.Bias, l.Outputs);
            for (int i = 0; i < rows; i++)
            {
                Span<double> row = z.AsSpan(i * l.Outputs, l.Outputs);
                net.Activation.Apply(row, row);
                if (net.Residual) for (int j = 0; j < l.Outputs; j++) row[j] += cur[i * width + j];
            }
            cur = z;
            width = l.Outputs;
        }
        return cur;
    }

    public static double[] Random(int count, ulong seed, double scale = 1.0)
    {
        var rng = new Rng(seed);
        var v = new double[count];
        for (int i = 0; i < v.Length; i++) v[i] = scale * (2 * rng.NextDouble() - 1);
        return v;
    }

    public static float[] ToSingle(double[] v) => v.Select(d => (float)d).ToArray();

    public static double[] Transpose(double[] w, int outputs, int inputs)
    {
        var t = new double[w.Length];
        for (int o = 0; o < outputs; o++)
            for (int i = 0; i < inputs; i++) t[i * outputs + o] = w[o * inputs + i];
        return t;
    }

    public static float[] Transpose(float[] w, int outputs, int inputs)
    {
        var t = new float[w.Length];
        for (int o = 0; o < outputs; o++)
            for (int i = 0; i < inputs; i++) t[i * outputs + o] = w[o * inputs + i];
        return t;
    }

    public static Network RandomNetwork(int n, int depth, string activation = "tanh", bool tied = false, bool residual = false, double scale = 0.9, ulong seed = 3) =>
        new RandomNetworkSpec(n, depth, Activation.Parse(activation), new GaussianLaw(scale), new GaussianLaw(0.1),
            ScaleConvention.InverseSqrtN, tied, residual, seed).Build();

    public static IEnumerable<KernelPath> Paths => Enum.GetValues<KernelPath>().Where(AffineKernel.IsSupported);

    /// <summary>Equal bit for bit; the message names the first difference.</summary>
    public static void BitEqual(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R}");
    }

    public static void BitEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R}");
    }
}
