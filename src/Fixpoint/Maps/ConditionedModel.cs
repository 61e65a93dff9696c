namespace Fixpoint.Maps;

/// <summary>One input of a model that is held constant while the state is iterated: its name and its number of values.</summary>
public sealed record HeldInput(string Name, int Length);

/// <summary>
/// A model F(x; u) whose state x ∈ R^N is iterated while the inputs u are held constant, as
/// FixedPointFinder studies an RNN cell: h ↦ cell(u, h). <see cref="Bind"/> fixes u (a condition)
/// and gives the square map x ↦ F(x; u) that the census, certification and spectra work on.
/// Implementations are immutable and safe to bind from several threads.
/// </summary>
public interface IConditionedModel
{
    /// <summary>N, the length of the state (several state inputs are concatenated in order, e.g. LSTM's (h, c)).</summary>
    int StateDimension { get; }

    /// <summary>The inputs that are held, in the order <see cref="Bind"/> and <see cref="InputJacobian"/> take their values.</summary>
    IReadOnlyList<HeldInput> HeldInputs { get; }

    /// <summary>The map x ↦ F(x; u) with <paramref name="values"/>[k] (of length <c>HeldInputs[k].Length</c>) held.</summary>
    IMap Bind(IReadOnlyList<double[]> values);

    /// <summary>True when <see cref="InputJacobian"/> is exact (chain rule), false when it is estimated.</summary>
    bool HasExactInputJacobian { get; }

    /// <summary>
    /// ∂F/∂u at (x; u) (FixedPointFinder's dFdu): N rows, Σ_k HeldInputs[k].Length columns in the order of
    /// <see cref="HeldInputs"/>, row-major into <paramref name="dFdu"/>.
    /// </summary>
    void InputJacobian(ReadOnlySpan<double> x, IReadOnlyList<double[]> values, Span<double> dFdu);
}
