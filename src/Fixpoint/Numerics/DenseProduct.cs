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
        int workers = Workers.For(threads);
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

    /// <summary>Rows per product of <see cref="LowerTriangleChunks"/>: a multiple of every panel width (16 and 32 doubles).</summary>
    private const int ChunkRows = 192;

    /// <summary>
    /// The lower block triangle of F·Fᵀ for the row-major f[n × k], by row chunks: for each chunk [r0, r1) of rows,
    /// <paramref name="consume"/>(r0, r1, block) gets block = F[r0, r1)·F[0, r1)ᵀ, (r1 − r0) × r1 row-major (a pooled array, at
    /// least that long, valid only during the call), computed against a
    /// prefix of one packing of F. The chunks run on up to <paramref name="threads"/> threads, heaviest first; each entry is
    /// the kernel's fma chain, so nothing depends on the thread count.
    /// </summary>
    public static void LowerTriangleChunks(double[] f, int n, int k, int threads, Action<int, int, double[]> consume)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (f.Length < (long)n * k) throw new ArgumentException($"f is shorter than {n}×{k}", nameof(f));
        var packed = new PackedLayer<double>(AffineKernel.Best, k, n, f.AsSpan(0, n * k), new double[n]);
        int chunks = (n + ChunkRows - 1) / ChunkRows;
        int workers = Workers.For(threads);
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = workers }, c =>
        {
            int chunk = chunks - 1 - c;
            int r0 = chunk * ChunkRows, r1 = Math.Min(n, r0 + ChunkRows);
            // Pooled: a factorisation asks for a triangle per panel, and fresh arrays cost more in page faults than in products.
            double[] block = System.Buffers.ArrayPool<double>.Shared.Rent((r1 - r0) * r1);
            try
            {
                AffineKernel.Rows(packed.Path, f.AsSpan(r0 * k), r1 - r0, k, packed.ViewOfFirst(r1), block.AsSpan(0, (r1 - r0) * r1), r1, new double[packed.TileLength]);
                consume(r0, r1, block);
            }
            finally { System.Buffers.ArrayPool<double>.Shared.Return(block); }
        });
    }

    /// <summary>
    /// The symmetric n × n Gram matrix G = F·Fᵀ of the row-major f[n × k]: its lower triangle from
    /// <see cref="LowerTriangleChunks"/>, mirrored, so the entries are those of <see cref="MultiplyTransposed"/> at about half its cost.
    /// </summary>
    public static double[] Gram(double[] f, int n, int k, int threads = 0)
    {
        var g = new double[(long)n * n];
        LowerTriangleChunks(f, n, k, threads, (r0, r1, block) =>
        {
            for (int i = r0; i < r1; i++) block.AsSpan((i - r0) * r1, i + 1).CopyTo(g.AsSpan(i * n, i + 1));
        });
        // The upper triangle from the lower, in tiles: a plain column walk misses the cache on every read from N ≈ 512 on.
        const int Tile = 32;
        for (int i0 = 0; i0 < n; i0 += Tile)
            for (int j0 = i0; j0 < n; j0 += Tile)
            {
                int i1 = Math.Min(n, i0 + Tile), j1 = Math.Min(n, j0 + Tile);
                for (int i = i0; i < i1; i++)
                    for (int j = Math.Max(j0, i + 1); j < j1; j++) g[i * n + j] = g[j * n + i];
            }
        return g;
    }
}
