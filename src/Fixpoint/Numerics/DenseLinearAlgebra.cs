namespace Fixpoint.Numerics;

/// <summary>Small dense linear algebra on row-major spans, allocation-free where the caller supplies scratch.</summary>
public static class DenseLinearAlgebra
{
    /// <summary>
    /// Solves A x = b in place by LU with partial pivoting (A is n×n, overwritten; b becomes x).
    /// Returns false when a pivot is below <paramref name="relativePivotTolerance"/> × max|A|: A is (numerically) singular.
    /// </summary>
    public static bool SolveInPlace(Span<double> a, Span<double> b, int n, double relativePivotTolerance = 1e-14)
    {
        double tiny = PivotFloor(a, n, relativePivotTolerance);
        if (double.IsNaN(tiny)) return false;
        for (int k = 0; k < n; k++)
        {
            if (!Pivot(a, n, k, tiny, b, 1)) return false;
            double pivot = a[k * n + k];
            for (int i = k + 1; i < n; i++)
            {
                double f = a[i * n + k] / pivot;
                if (f == 0) continue;
                a[i * n + k] = f;
                for (int j = k + 1; j < n; j++) a[i * n + j] -= f * a[k * n + j];
                b[i] -= f * b[k];
            }
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double s = b[i];
            for (int j = i + 1; j < n; j++) s -= a[i * n + j] * b[j];
            b[i] = s / a[i * n + i];
        }
        return true;
    }

    /// <summary>
    /// Inverts the n×n row-major matrix a (overwritten) into inv by Gauss–Jordan elimination with the
    /// pivoting of <see cref="SolveInPlace"/>. False when a pivot is below
    /// <paramref name="relativePivotTolerance"/> × max|a| or a result is not finite.
    /// </summary>
    public static bool TryInvert(Span<double> a, int n, Span<double> inv, double relativePivotTolerance = 1e-14)
    {
        double tiny = PivotFloor(a, n, relativePivotTolerance);
        if (double.IsNaN(tiny)) return false;
        inv[..(n * n)].Clear();
        for (int i = 0; i < n; i++) inv[i * n + i] = 1.0;
        for (int k = 0; k < n; k++)
        {
            if (!Pivot(a, n, k, tiny, inv, n)) return false;
            double piv = 1.0 / a[k * n + k];
            for (int j = 0; j < n; j++)
            {
                a[k * n + j] *= piv;
                inv[k * n + j] *= piv;
            }
            for (int i = 0; i < n; i++)
            {
                if (i == k) continue;
                double f = a[i * n + k];
                if (f == 0) continue;
                for (int j = 0; j < n; j++)
                {
                    a[i * n + j] -= f * a[k * n + j];
                    inv[i * n + j] -= f * inv[k * n + j];
                }
            }
        }
        return double.IsFinite(MaxAbs(inv[..(n * n)]));
    }

    // tolerance × max|A|, or NaN when A is zero or not finite (no pivot can be trusted).
    private static double PivotFloor(ReadOnlySpan<double> a, int n, double relativePivotTolerance)
    {
        double scale = 0;
        for (int i = 0; i < n * n; i++) scale = Math.Max(scale, Math.Abs(a[i]));
        return scale == 0 || !double.IsFinite(scale) ? double.NaN : relativePivotTolerance * scale;
    }

    // Partial pivoting at column k: swaps the row of the largest |a[i, k]| (i ≥ k) into row k, and the
    // same rows of the companion rhs (rows of width rhsWidth). False when that entry is ≤ tiny.
    private static bool Pivot(Span<double> a, int n, int k, double tiny, Span<double> rhs, int rhsWidth)
    {
        int p = k;
        double best = Math.Abs(a[k * n + k]);
        for (int i = k + 1; i < n; i++)
        {
            double v = Math.Abs(a[i * n + k]);
            if (v > best) { best = v; p = i; }
        }
        if (best <= tiny) return false;
        if (p != k)
        {
            for (int j = 0; j < n; j++) (a[k * n + j], a[p * n + j]) = (a[p * n + j], a[k * n + j]);
            for (int j = 0; j < rhsWidth; j++) (rhs[k * rhsWidth + j], rhs[p * rhsWidth + j]) = (rhs[p * rhsWidth + j], rhs[k * rhsWidth + j]);
        }
        return true;
    }

    /// <summary>
    /// The minimum-norm least-squares solution of A x ≈ b (A n×n row-major, not overwritten; b becomes
    /// x): x = V Σ⁺ Uᵀ b from the singular value decomposition, with the singular values at or below
    /// <paramref name="relativeRankTolerance"/> × σ_max treated as zero (default n·ε, as LAPACK's gelsd
    /// and NumPy's lstsq). For singular A this minimises ‖A x − b‖₂ and, among the minimisers, ‖x‖₂;
    /// it works on A itself, so it does not square the condition number as the normal equations do.
    /// Returns false when A is not finite or zero. Allocates: it is the fallback for singular systems.
    /// </summary>
    public static bool LeastSquaresInPlace(ReadOnlySpan<double> a, Span<double> b, int n, double relativeRankTolerance = double.NaN)
    {
        double scale = PivotFloor(a, n, 1.0);
        if (double.IsNaN(scale)) return false;
        double[] copy = a[..(n * n)].ToArray();
        var m = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(n, n, (i, j) => copy[i * n + j]);
        MathNet.Numerics.LinearAlgebra.Factorization.Svd<double> svd;
        try { svd = m.Svd(computeVectors: true); }
        catch (MathNet.Numerics.NonConvergenceException) { return false; }
        double[] sigma = svd.S.ToArray();
        double tol = (double.IsNaN(relativeRankTolerance) ? n * MachineEpsilon : relativeRankTolerance) * sigma[0];
        var u = svd.U;
        var vt = svd.VT;
        var c = new double[n];
        for (int k = 0; k < n; k++)
        {
            if (!(sigma[k] > tol)) continue;
            double s = 0;
            for (int i = 0; i < n; i++) s += u[i, k] * b[i];
            c[k] = s / sigma[k];
        }
        for (int j = 0; j < n; j++)
        {
            double s = 0;
            for (int k = 0; k < n; k++) s += vt[k, j] * c[k];
            b[j] = s;
        }
        return double.IsFinite(MaxAbs(b[..n]));
    }

    /// <summary>ε = 2⁻⁵², the spacing of doubles at 1.</summary>
    public const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>
    /// Solves the symmetric positive definite system A x = b in place by Cholesky (A n×n, overwritten).
    /// Returns false when A is not positive definite, or when the ratio of the smallest to the largest
    /// squared pivot is below <paramref name="minPivotRatio"/> (ill-conditioned).
    /// </summary>
    public static bool CholeskySolveInPlace(Span<double> a, Span<double> b, int n, double minPivotRatio)
    {
        double maxPivot = 0, minPivot = double.PositiveInfinity;
        for (int j = 0; j < n; j++)
        {
            double d = a[j * n + j];
            for (int k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
            if (!(d > 0) || !double.IsFinite(d)) return false;
            maxPivot = Math.Max(maxPivot, d);
            minPivot = Math.Min(minPivot, d);
            double l = Math.Sqrt(d);
            a[j * n + j] = l;
            for (int i = j + 1; i < n; i++)
            {
                double s = a[i * n + j];
                for (int k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
                a[i * n + j] = s / l;
            }
        }
        if (minPivot < minPivotRatio * maxPivot) return false;
        for (int i = 0; i < n; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= a[i * n + k] * b[k];
            b[i] = s / a[i * n + i];
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double s = b[i];
            for (int k = i + 1; k < n; k++) s -= a[k * n + i] * b[k];
            b[i] = s / a[i * n + i];
        }
        return true;
    }

    /// <summary>
    /// The Cholesky factor L (A = L Lᵀ) of the symmetric n×n row-major <paramref name="a"/>, written over its lower
    /// triangle (the strict upper triangle is left as it was); false at the first pivot that is not positive and
    /// finite. Blocked: each diagonal block and the panel below it are factored with dot products, the trailing matrix
    /// is updated by one product L₂₁L₂₁ᵀ of the affine kernel (<paramref name="threads"/> threads). Every entry is an
    /// inner product evaluated in some order, so the computed factor satisfies L̂L̂ᵀ = A + ΔA with
    /// |ΔA| ≤ γ_{n+1}|L̂||L̂ᵀ| (Higham, Accuracy and Stability, Thm 10.3), which the positive-definiteness proofs rely on.
    /// </summary>
    public static bool TryCholeskyLower(double[] a, int n, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.Length < (long)n * n) throw new ArgumentException($"a holds {a.Length} numbers, fewer than {n}×{n}", nameof(a));
        const int Block = 128;
        for (int k0 = 0; k0 < n; k0 += Block)
        {
            int b = Math.Min(Block, n - k0), below = n - k0 - b;
            // The diagonal block, then the rows below it: each of those is a triangular solve against the block's factor
            // that reads no other row, so they are split between the threads (the same operations in the same order).
            for (int j = k0; j < k0 + b; j++)
            {
                ReadOnlySpan<double> rowJ = a.AsSpan(j * n + k0, j - k0);
                double d = a[j * n + j] - System.Numerics.Tensors.TensorPrimitives.Dot(rowJ, rowJ);
                if (!(d > 0) || !double.IsFinite(d)) return false;
                double l = Math.Sqrt(d);
                a[j * n + j] = l;
                for (int i = j + 1; i < k0 + b; i++)
                    a[i * n + j] = (a[i * n + j] - System.Numerics.Tensors.TensorPrimitives.Dot(a.AsSpan(i * n + k0, j - k0), rowJ)) / l;
            }
            if (below == 0) break;
            int solveWorkers = Math.Max(1, Math.Min(Workers.For(threads), below / 64));
            int perWorker = (below + solveWorkers - 1) / solveWorkers;
            Parallel.For(0, solveWorkers, new ParallelOptions { MaxDegreeOfParallelism = solveWorkers }, w =>
            {
                int i0 = k0 + b + w * perWorker, i1 = Math.Min(n, i0 + perWorker);
                for (int i = i0; i < i1; i++)
                {
                    Span<double> rowI = a.AsSpan(i * n + k0, b);
                    for (int j = 0; j < b; j++)
                        rowI[j] = (rowI[j] - System.Numerics.Tensors.TensorPrimitives.Dot(rowI.Slice(0, j), a.AsSpan((k0 + j) * n + k0, j))) / a[(k0 + j) * n + k0 + j];
                }
            });
            var panel = new double[below * b];
            for (int i = 0; i < below; i++) a.AsSpan((k0 + b + i) * n + k0, b).CopyTo(panel.AsSpan(i * b, b));
            // Only the lower triangle of the trailing matrix is read later.
            DenseProduct.LowerTriangleChunks(panel, below, b, threads, (r0, r1, update) =>
            {
                for (int i = r0; i < r1; i++)
                {
                    Span<double> row = a.AsSpan((k0 + b + i) * n + k0 + b, i + 1);
                    System.Numerics.Tensors.TensorPrimitives.Subtract(row, update.AsSpan((i - r0) * r1, i + 1), row);
                }
            });
        }
        return true;
    }

    public static double MaxAbs(ReadOnlySpan<double> x)
    {
        double m = 0;
        foreach (double v in x)
        {
            double a = Math.Abs(v);
            if (double.IsNaN(a)) return double.NaN;
            if (a > m) m = a;
        }
        return m;
    }

    /// <summary>Aᵀ of a rows × cols row-major matrix, into a cols × rows span; in tiles, so that reads and writes both stay in cache.</summary>
    public static void Transpose(ReadOnlySpan<double> a, int rows, int cols, Span<double> at)
    {
        const int Tile = 32;
        for (int r0 = 0; r0 < rows; r0 += Tile)
            for (int c0 = 0; c0 < cols; c0 += Tile)
            {
                int r1 = Math.Min(rows, r0 + Tile), c1 = Math.Min(cols, c0 + Tile);
                for (int r = r0; r < r1; r++)
                    for (int c = c0; c < c1; c++) at[c * rows + r] = a[r * cols + c];
            }
    }

    /// <summary>Aᵀ of a rows × cols row-major matrix, as a new array.</summary>
    public static double[] Transpose(ReadOnlySpan<double> a, int rows, int cols)
    {
        var at = new double[a.Length];
        Transpose(a, rows, cols, at);
        return at;
    }

    /// <summary>
    /// The index of the first NaN or ±∞ in <paramref name="v"/>, or −1. A NaN or ±∞ makes a sum NaN or ±∞ in any order of
    /// addition, so one vector sum clears an array at once; only a non-finite sum (a bad value, or finite values whose sum
    /// overflows) costs the scan.
    /// </summary>
    public static int FirstNonFinite(ReadOnlySpan<double> v)
    {
        if (double.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum(v))) return -1;
        for (int i = 0; i < v.Length; i++)
            if (!double.IsFinite(v[i])) return i;
        return -1;
    }

    public static double MaxAbsDiff(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double m = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double a = Math.Abs(x[i] - y[i]);
            if (double.IsNaN(a)) return double.NaN;
            if (a > m) m = a;
        }
        return m;
    }
}
