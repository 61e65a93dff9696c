using System.Numerics.Tensors;
using Fixpoint.Numerics;
using static Fixpoint.Certify.Rounding;

namespace Fixpoint.Certify;

/// <summary>
/// Proved upper bounds of the spectral norm ‖A‖₂ of a dense matrix known up to an error ‖A − Â‖_F ≤ e.
/// <para>With the Gram matrix M̂ = fl(ÂÂᵀ) (the shorter side, through the affine kernel: |M̂ − ÂÂᵀ| ≤ γ_k|Â||Âᵀ|, so
/// ‖M̂ − ÂÂᵀ‖₂ ≤ γ_k‖Â‖_F²) and a guess t ≥ λ_max(M̂) from a few Lanczos steps, the bound is proved by a floating-point
/// Cholesky factorisation of C = (t − c)I − M̂ (diagonal rounded down): if it runs to completion, C ≽ −κ·tr(C)·I with
/// κ = γ_{n+1}/(1 − γ_{n+1}) (the backward error |ΔC| ≤ γ_{n+1}|L̂||L̂ᵀ| of any Cholesky ordering, and
/// ‖L̂‖_F² ≤ tr(C)/(1 − γ_{n+1})), so with c = 2κ·n·t ≥ 2κ·tr(C), λ_max(M̂) &lt; t (Rump, "Verification of positive
/// definiteness", BIT 46, 2006, in this form). Then ‖A‖₂ ≤ √(t + γ_k‖Â‖_F²) + e, every step rounded up.</para>
/// <para>Cost: one Gram product (2n²k flops), a Cholesky (n³/3) per guess tried (at most three), and O(n²) per Lanczos step.</para>
/// </summary>
internal static class SpectralNormBound
{
    private const double U = UnitRoundoff;
    private const int LanczosSteps = 40;

    /// <summary>γ_k = k·u/(1 − k·u), padded by 1%.</summary>
    internal static double Gamma(int k) => 1.01 * k * U / (1 - 1.01 * k * U);

    /// <summary>An upper bound of ‖A‖₂ for every A with ‖A − Â‖_F ≤ <paramref name="error"/>, Â = <paramref name="a"/> (rows × cols, row-major); +∞ when none was proved.</summary>
    public static double Upper(double[] a, int rows, int cols, double error, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (rows < 1 || cols < 1 || a.Length < (long)rows * cols) throw new ArgumentException($"a is not {rows}×{cols}", nameof(a));
        if (DenseLinearAlgebra.FirstNonFinite(a.AsSpan(0, rows * cols)) >= 0 || !(error >= 0) || double.IsPositiveInfinity(error)) return double.PositiveInfinity;
        double frob2 = FrobeniusSquaredUp(a.AsSpan(0, rows * cols));
        if (frob2 == 0) return error;
        int n = Math.Min(rows, cols), k = Math.Max(rows, cols);
        double[] factor = rows <= cols ? a : DenseLinearAlgebra.Transpose(a.AsSpan(0, rows * cols), rows, cols);
        double[] gram = DenseProduct.Gram(factor, n, k, threads);
        double theta = LargestEigenvalueEstimate(gram, n, threads);
        foreach (double pad in (ReadOnlySpan<double>)[1 + 1e-3, 1.02, 1.1])
        {
            double t = Math.Max(MulUp(theta, pad), 1e-250);
            if (!ProvedAbove(gram, n, t, threads)) continue;
            double lambda = AddUp(t, MulUp(Gamma(k), frob2));
            return AddUp(SqrtUp(lambda), error);
        }
        return double.PositiveInfinity;
    }

    /// <summary>‖x‖_F² rounded up (any summation order errs by at most γ_{len}).</summary>
    public static double FrobeniusSquaredUp(ReadOnlySpan<double> x) =>
        x.Length == 0 ? 0 : AddUp(MulUp(TensorPrimitives.SumOfSquares(x), 1 + Gamma(x.Length + 2)), 1e-300);

    /// <summary>‖x‖₂ rounded up.</summary>
    public static double NormUp(ReadOnlySpan<double> x) => SqrtUp(FrobeniusSquaredUp(x));

    /// <summary>Whether λ_max(M) &lt; t is proved for the symmetric n×n <paramref name="gram"/> (see the class remarks).</summary>
    private static bool ProvedAbove(double[] gram, int n, double t, int threads)
    {
        double kappa = Gamma(n + 1) / (1 - Gamma(n + 1));
        double c = AddUp(MulUp(MulUp(2 * kappa, n), t), (double)n * n * 1e-300);
        double shifted = SubDown(t, c);
        if (!(shifted > 0)) return false;
        var m = new double[n * n];
        TensorPrimitives.Negate(gram.AsSpan(0, n * n), m);
        for (int i = 0; i < n; i++) m[i * n + i] = SubDown(shifted, gram[i * n + i]);
        return DenseLinearAlgebra.TryCholeskyLower(m, n, threads);
    }

    /// <summary>The largest Ritz value of a few Lanczos steps (full reorthogonalisation) on the symmetric n×n M: a lower estimate of λ_max.</summary>
    private static double LargestEigenvalueEstimate(double[] m, int n, int threads)
    {
        // Each step streams M once (32 MiB at N = 2048): the product's rows are split between the threads.
        int workers = Math.Max(1, Math.Min(Workers.For(threads), n / 128));
        int per = (n + workers - 1) / workers;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = workers };
        int steps = Math.Min(n, LanczosSteps);
        var basis = new double[steps * n];
        var alpha = new double[steps];
        var beta = new double[steps];
        var w = new double[n];
        Span<double> q = basis.AsSpan(0, n);
        for (int i = 0; i < n; i++) q[i] = 1.0 + (i * 7919 % 13) / 13.0;
        TensorPrimitives.Divide(q, TensorPrimitives.Norm(q), q);
        int done = 0;
        for (int j = 0; j < steps; j++)
        {
            ReadOnlySpan<double> qj = basis.AsSpan(j * n, n);
            double[] qv = basis;
            int offset = j * n;
            Parallel.For(0, workers, parallel, p =>
            {
                for (int i = p * per, end = Math.Min(n, i + per); i < end; i++) w[i] = TensorPrimitives.Dot(m.AsSpan(i * n, n), qv.AsSpan(offset, n));
            });
            alpha[j] = TensorPrimitives.Dot(w, qj);
            done = j + 1;
            for (int pass = 0; pass < 2; pass++)
                for (int p = 0; p <= j; p++)
                {
                    ReadOnlySpan<double> qp = basis.AsSpan(p * n, n);
                    double h = TensorPrimitives.Dot(w, qp);
                    TensorPrimitives.MultiplyAdd(qp, -h, w, w);
                }
            double norm = TensorPrimitives.Norm(w);
            if (j + 1 == steps || !(norm > 1e-12 * Math.Abs(alpha[0]) + 1e-300)) break;
            beta[j] = norm;
            TensorPrimitives.Divide(w, norm, basis.AsSpan((j + 1) * n, n));
        }
        return LargestTridiagonalEigenvalue(alpha.AsSpan(0, done), beta.AsSpan(0, Math.Max(0, done - 1)));
    }

    /// <summary>The largest eigenvalue of the symmetric tridiagonal (α, β) by bisection on Sturm counts.</summary>
    private static double LargestTridiagonalEigenvalue(ReadOnlySpan<double> alpha, ReadOnlySpan<double> beta)
    {
        int k = alpha.Length;
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (int i = 0; i < k; i++)
        {
            double r = (i > 0 ? Math.Abs(beta[i - 1]) : 0) + (i < k - 1 ? Math.Abs(beta[i]) : 0);
            lo = Math.Min(lo, alpha[i] - r);
            hi = Math.Max(hi, alpha[i] + r);
        }
        for (int it = 0; it < 200 && hi - lo > 1e-15 * Math.Max(Math.Abs(lo), Math.Abs(hi)); it++)
        {
            double mid = 0.5 * (lo + hi);
            if (CountBelow(alpha, beta, mid) == k) hi = mid; else lo = mid;
        }
        return hi;
    }

    /// <summary>The number of eigenvalues of the tridiagonal below x (Sturm sequence of the LDLᵀ pivots).</summary>
    private static int CountBelow(ReadOnlySpan<double> alpha, ReadOnlySpan<double> beta, double x)
    {
        int count = 0;
        double d = 1;
        for (int i = 0; i < alpha.Length; i++)
        {
            double b2 = i > 0 ? beta[i - 1] * beta[i - 1] : 0;
            d = alpha[i] - x - (i > 0 ? b2 / d : 0);
            if (d == 0) d = -1e-300;
            if (d < 0) count++;
        }
        return count;
    }
}
