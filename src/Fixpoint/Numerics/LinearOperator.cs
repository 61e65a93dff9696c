namespace Fixpoint.Numerics;

/// <summary>
/// A real linear operator A on R^N applied to blocks of vectors: the rows of <c>vs</c> (count × N,
/// row-major) go to the rows of <c>ys</c>. Krylov methods see a Jacobian only through this.
/// An instance may keep scratch: one per thread.
/// </summary>
public interface ILinearOperator
{
    int Dimension { get; }

    void Apply(ReadOnlySpan<double> vs, Span<double> ys, int count);
}

/// <summary>A dense row-major N×N matrix as an operator (tests, and small problems).</summary>
public sealed class DenseOperator : ILinearOperator
{
    private readonly double[] _matrix;

    public DenseOperator(double[] matrix, int n)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (matrix.Length < (long)n * n) throw new ArgumentException($"the matrix needs {n}×{n} entries", nameof(matrix));
        _matrix = matrix;
        Dimension = n;
    }

    public int Dimension { get; }

    public void Apply(ReadOnlySpan<double> vs, Span<double> ys, int count)
    {
        int n = Dimension;
        for (int r = 0; r < count; r++)
        {
            ReadOnlySpan<double> v = vs.Slice(r * n, n);
            for (int i = 0; i < n; i++) ys[r * n + i] = System.Numerics.Tensors.TensorPrimitives.Dot(_matrix.AsSpan(i * n, n), v);
        }
    }
}
