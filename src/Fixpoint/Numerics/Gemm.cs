namespace Fixpoint.Numerics;

/// <summary>
/// The affine kernel of a dense layer, Z = X·Wᵀ + b, over a block of rows.
/// <para>
/// Determinism contract: every output is the same chain of fused multiply-adds,
/// <c>acc = b[j]; for k = 0 … K−1: acc = fma(X[i,k], Wᵀ[k,j], acc)</c>, whatever the blocking,
/// the vector width, the row partition or the thread count. The kernels vectorise across
/// output columns j, never across k, so a row gives bit-identical results alone or in any batch.
/// Each fma is correctly rounded (hardware FMA, or <see cref="Math.FusedMultiplyAdd(double, double, double)"/>),
/// so the scalar, 128-, 256- and 512-bit paths agree bit for bit too. The same holds for float32
/// (<see cref="MathF.FusedMultiplyAdd(float, float, float)"/> chains) in the float32 kernels.
/// </para>
/// <para>Blocking: strips of 6 rows × panels of up to 4 vectors of outputs (24 accumulators in
/// registers with AVX-512, 12 with AVX2), inputs walked in blocks of 512 (see <see cref="AffineKernel"/>).</para>
/// </summary>
public static class Gemm
{
    /// <summary>The instruction path the kernels use in this process.</summary>
    public static KernelPath Path => AffineKernel.Best;

    /// <summary>
    /// z[rows × outputs] = x[rows × inputs] · wt[inputs × outputs] + bias[outputs]; all row-major.
    /// </summary>
    public static void AffineRows(
        ReadOnlySpan<double> x, int rows, int inputs,
        ReadOnlySpan<double> wt, int outputs,
        ReadOnlySpan<double> bias, Span<double> z)
    {
        if (!Check(x.Length, rows, inputs, wt.Length, outputs, bias.Length, z.Length)) return;
        WeightView<double> w = AffineKernel.Plain(Path, wt, bias, inputs, outputs);
        AffineKernel.Rows(Path, x, rows, inputs, w, z, outputs, default);
    }

    /// <summary>
    /// The float32 kernel: z = x·wt + bias with float fma chains (same contract as the float64 one).
    /// </summary>
    public static void AffineRows(
        ReadOnlySpan<float> x, int rows, int inputs,
        ReadOnlySpan<float> wt, int outputs,
        ReadOnlySpan<float> bias, Span<float> z)
    {
        if (!Check(x.Length, rows, inputs, wt.Length, outputs, bias.Length, z.Length)) return;
        WeightView<float> w = AffineKernel.Plain(Path, wt, bias, inputs, outputs);
        AffineKernel.Rows(Path, x, rows, inputs, w, z, outputs, default);
    }

    /// <summary>Validates the shapes once for both precisions; false when there is nothing to do (rows = 0).</summary>
    private static bool Check(int xLength, int rows, int inputs, int wtLength, int outputs, int biasLength, int zLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        if (xLength < (long)rows * inputs) throw new ArgumentException("x is shorter than rows × inputs", "x");
        if (wtLength < (long)inputs * outputs) throw new ArgumentException("wt is shorter than inputs × outputs", "wt");
        if (biasLength < outputs) throw new ArgumentException("bias is shorter than outputs", "bias");
        if (zLength < (long)rows * outputs) throw new ArgumentException("z is shorter than rows × outputs", "z");
        return rows > 0;
    }
}
