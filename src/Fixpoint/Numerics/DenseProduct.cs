namespace Fixpoint.Numerics;

/// <summary>
/// C = A·Bᵀ for dense row-major matrices through the packed affine kernel, the rows of C split between threads.
/// B is given as it is stored (n × k, one row per column of C), which is how a layer's W, a Gram factor and a
/// transposed factor are all held. Every entry is the kernel's fma chain over k in order, so the result does not
/// depend on the thread count, and each entry obeys |fl(c_ij) − c_ij| ≤ γ_k Σ_l |a_il||b_jl|.
/// </summary>
internal static class DenseProduct
{
    /// <summary>The row-major m × n matrix c = a[m × k] · b[n × k]ᵀ, with up to <paramref name="threads"/> threads (≤ 0: all cores).</summary>
    public static double[] MultiplyTransposed(double[] a, int m, int k, double[] b, int n, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (a.Length < (long)m * k || b.Length < (long)n * k) throw new ArgumentException($"arrays too short for {m}×{k} times ({n}×{k})ᵀ");
        var c = new double[(long)m * n];
        if (m == 0) return c;
        var packed = new PackedLayer<double>(AffineKernel.Best, k, n, b, new double[n]);
        int workers = threads <= 0 ? Environment.ProcessorCount : threads;
        // Whole strips of rows per worker, and no worker for fewer than a few strips.
        int per = Math.Max(AffineKernel.StripRows * 4, (m + workers - 1) / workers);
        per = (per + AffineKernel.StripRows - 1) / AffineKernel.StripRows * AffineKernel.StripRows;
        int parts = (m + per - 1) / per;
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = workers }, p =>
        {
            int r0 = p * per, rows = Math.Min(per, m - r0);
            AffineKernel.Rows(packed.Path, a.AsSpan(r0 * k), rows, k, packed.View, c.AsSpan(r0 * n), n, new double[packed.TileLength]);
        });
        return c;
    }
}
