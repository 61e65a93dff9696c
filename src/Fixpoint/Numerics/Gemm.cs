using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Fixpoint.Numerics;

/// <summary>
/// The affine kernel of a dense layer, Z = X·Wᵀ + b, over a block of rows.
/// <para>
/// Determinism contract: every output is the same chain of fused multiply-adds,
/// <c>acc = b[j]; for k = 0 … K−1: acc = fma(X[i,k], Wᵀ[k,j], acc)</c>, whatever the blocking,
/// the vector width, the row partition or the thread count. The kernels vectorise across
/// output columns j, never across k, so a row gives bit-identical results alone or in any batch.
/// </para>
/// </summary>
public static class Gemm
{
    /// <summary>
    /// z[rows × outputs] = x[rows × inputs] · wt[inputs × outputs] + bias[outputs]; all row-major.
    /// </summary>
    public static void AffineRows(
        ReadOnlySpan<double> x, int rows, int inputs,
        ReadOnlySpan<double> wt, int outputs,
        ReadOnlySpan<double> bias, Span<double> z)
    {
        if (x.Length < rows * inputs) throw new ArgumentException("x is shorter than rows × inputs", nameof(x));
        if (wt.Length < inputs * outputs) throw new ArgumentException("wt is shorter than inputs × outputs", nameof(wt));
        if (bias.Length < outputs) throw new ArgumentException("bias is shorter than outputs", nameof(bias));
        if (z.Length < rows * outputs) throw new ArgumentException("z is shorter than rows × outputs", nameof(z));

        int i = 0;
        for (; i + 4 <= rows; i += 4)
            FourRows(x.Slice(i * inputs), inputs, wt, outputs, bias, z.Slice(i * outputs));
        for (; i < rows; i++)
            OneRow(x.Slice(i * inputs, inputs), wt, outputs, bias, z.Slice(i * outputs, outputs));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneRow(ReadOnlySpan<double> x, ReadOnlySpan<double> wt, int outputs, ReadOnlySpan<double> bias, Span<double> z)
    {
        bias.Slice(0, outputs).CopyTo(z);
        int inputs = x.Length;
        int vecEnd = Vector256.IsHardwareAccelerated ? outputs - outputs % 4 : 0;
        for (int k = 0; k < inputs; k++)
        {
            double a = x[k];
            ReadOnlySpan<double> w = wt.Slice(k * outputs, outputs);
            var av = Vector256.Create(a);
            int j = 0;
            for (; j < vecEnd; j += 4)
            {
                var acc = Vector256.Create(z.Slice(j, 4));
                Vector256.FusedMultiplyAdd(av, Vector256.Create(w.Slice(j, 4)), acc).CopyTo(z.Slice(j, 4));
            }
            for (; j < outputs; j++) z[j] = Math.FusedMultiplyAdd(a, w[j], z[j]);
        }
    }

    /// <summary>Four rows at once: each Wᵀ vector loaded is used four times.</summary>
    private static void FourRows(ReadOnlySpan<double> x, int inputs, ReadOnlySpan<double> wt, int outputs, ReadOnlySpan<double> bias, Span<double> z)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 8 <= outputs; j += 8)
            {
                var b0 = Vector256.Create(bias.Slice(j, 4));
                var b1 = Vector256.Create(bias.Slice(j + 4, 4));
                Vector256<double> c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1, c30 = b0, c31 = b1;
                for (int k = 0; k < inputs; k++)
                {
                    ReadOnlySpan<double> w = wt.Slice(k * outputs + j, 8);
                    var w0 = Vector256.Create(w.Slice(0, 4));
                    var w1 = Vector256.Create(w.Slice(4, 4));
                    var a0 = Vector256.Create(x[k]);
                    var a1 = Vector256.Create(x[inputs + k]);
                    var a2 = Vector256.Create(x[2 * inputs + k]);
                    var a3 = Vector256.Create(x[3 * inputs + k]);
                    c00 = Vector256.FusedMultiplyAdd(a0, w0, c00);
                    c01 = Vector256.FusedMultiplyAdd(a0, w1, c01);
                    c10 = Vector256.FusedMultiplyAdd(a1, w0, c10);
                    c11 = Vector256.FusedMultiplyAdd(a1, w1, c11);
                    c20 = Vector256.FusedMultiplyAdd(a2, w0, c20);
                    c21 = Vector256.FusedMultiplyAdd(a2, w1, c21);
                    c30 = Vector256.FusedMultiplyAdd(a3, w0, c30);
                    c31 = Vector256.FusedMultiplyAdd(a3, w1, c31);
                }
                c00.CopyTo(z.Slice(j, 4)); c01.CopyTo(z.Slice(j + 4, 4));
                c10.CopyTo(z.Slice(outputs + j, 4)); c11.CopyTo(z.Slice(outputs + j + 4, 4));
                c20.CopyTo(z.Slice(2 * outputs + j, 4)); c21.CopyTo(z.Slice(2 * outputs + j + 4, 4));
                c30.CopyTo(z.Slice(3 * outputs + j, 4)); c31.CopyTo(z.Slice(3 * outputs + j + 4, 4));
            }
        }
        for (; j < outputs; j++)
        {
            for (int r = 0; r < 4; r++)
            {
                double acc = bias[j];
                for (int k = 0; k < inputs; k++) acc = Math.FusedMultiplyAdd(x[r * inputs + k], wt[k * outputs + j], acc);
                z[r * outputs + j] = acc;
            }
        }
    }
}
