namespace Fixpoint.Maps;

/// <summary>
/// A map F: R^N → R^N whose fixed points Fixpoint looks for.
/// Implementations must be safe to call from several threads at once.
/// Batches are row-major: point i occupies <c>xs[i*N .. (i+1)*N)</c>.
/// </summary>
public interface IMap
{
    /// <summary>N, the dimension of the input and of the output.</summary>
    int Dimension { get; }

    /// <summary>y = F(x). <paramref name="x"/> and <paramref name="y"/> have length N and may not overlap.</summary>
    void Evaluate(ReadOnlySpan<double> x, Span<double> y);

    /// <summary>Y = F(X) for <paramref name="count"/> points stored row-major.</summary>
    void EvaluateBatch(ReadOnlySpan<double> xs, Span<double> ys, int count);

    /// <summary>True when <see cref="Jacobian(ReadOnlySpan{double}, Span{double})"/> is exact (chain rule), false when it is estimated.</summary>
    bool HasExactJacobian { get; }

    /// <summary>The Jacobian J[i, j] = ∂F_i/∂x_j at x, written row-major into an N×N span.</summary>
    void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian);

    /// <summary>J(x)·v without forming J.</summary>
    void JacobianVector(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv);

    /// <summary>
    /// <see cref="Jacobian(ReadOnlySpan{double}, Span{double})"/> with its scratch taken from
    /// <paramref name="workspace"/>, so that repeated calls (a Newton step each) allocate nothing.
    /// Maps without scratch of their own keep this default, which ignores the workspace.
    /// </summary>
    void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian, JacobianWorkspace workspace) => Jacobian(x, jacobian);

    /// <summary><see cref="JacobianVector(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/> with its scratch taken from <paramref name="workspace"/>.</summary>
    void JacobianVector(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv, JacobianWorkspace workspace) => JacobianVector(x, v, jv);

    /// <summary>
    /// J(x)·v_r for the <paramref name="count"/> rows v_r of <paramref name="vs"/> (count × N, row-major) into the rows
    /// of <paramref name="jvs"/>. This default calls <see cref="JacobianVector(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, JacobianWorkspace)"/>
    /// row by row; <see cref="Network"/> sends the whole block through its batched kernel.
    /// </summary>
    void JacobianVectors(ReadOnlySpan<double> x, ReadOnlySpan<double> vs, Span<double> jvs, int count, JacobianWorkspace workspace)
    {
        int n = Dimension;
        for (int r = 0; r < count; r++) JacobianVector(x, vs.Slice(r * n, n), jvs.Slice(r * n, n), workspace);
    }
}

/// <summary>
/// Scratch for <see cref="IMap.Jacobian(ReadOnlySpan{double}, Span{double}, JacobianWorkspace)"/> and
/// <see cref="IMap.JacobianVector(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, JacobianWorkspace)"/>,
/// owned by one caller and reused across calls: a map takes the buffers it needs, which grow on first
/// use and are then kept. Not thread-safe: one workspace per thread.
/// </summary>
public sealed class JacobianWorkspace
{
    private double[][] _buffers = [];

    /// <summary>
    /// The map whose per-point state (a network's activation derivatives at <see cref="CachedPoint"/>) the buffers hold,
    /// so that repeated products J(x)·V at one x do not redo the forward pass; null: nothing cached.
    /// </summary>
    internal object? CacheOwner { get; set; }

    /// <summary>The point the cached state belongs to (valid only while <see cref="CacheOwner"/> is set).</summary>
    internal double[] CachedPoint { get; set; } = [];

    /// <summary>Buffer <paramref name="index"/> with at least <paramref name="length"/> entries; its contents are whatever the last call left.</summary>
    internal double[] Buffer(int index, int length)
    {
        if (index >= _buffers.Length) Array.Resize(ref _buffers, index + 1);
        double[]? b = _buffers[index];
        if (b is null || b.Length < length) _buffers[index] = b = new double[length];
        return b;
    }
}
