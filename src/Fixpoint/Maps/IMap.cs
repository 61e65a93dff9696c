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

    /// <summary>True when <see cref="Jacobian"/> is exact (chain rule), false when it is estimated.</summary>
    bool HasExactJacobian { get; }

    /// <summary>The Jacobian J[i, j] = ∂F_i/∂x_j at x, written row-major into an N×N span.</summary>
    void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian);

    /// <summary>J(x)·v without forming J.</summary>
    void JacobianVector(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv);
}
