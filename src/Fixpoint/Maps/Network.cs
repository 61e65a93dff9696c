using Fixpoint.Numerics;

namespace Fixpoint.Maps;

/// <summary>
/// A network of dense layers x ← g(W x + b), or x ← x + g(W x + b) when residual.
/// Independent layers apply each layer once, in order (paper B); a tied network applies its
/// single layer <see cref="Depth"/> times (the looped network of paper A). Hidden layers may be
/// wider or narrower than N, but the whole map is square: the first layer reads N numbers and the last writes N.
/// </summary>
public sealed partial class Network : IMap
{
    private readonly DenseLayer[] _layers;
    private readonly AppliedList<DenseLayer> _applied;

    public Network(IReadOnlyList<DenseLayer> layers, Activation activation, bool tied = false, int depth = 0, bool residual = false)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(activation);
        if (layers.Count == 0) throw new ArgumentException("a network needs at least one layer", nameof(layers));
        _layers = [.. layers];
        if (tied)
        {
            if (_layers.Length != 1) throw new ArgumentException($"a tied network has exactly one layer, got {_layers.Length}", nameof(layers));
            if (depth < 1) throw new ArgumentOutOfRangeException(nameof(depth), depth, "a tied network needs depth ≥ 1");
        }
        else
        {
            if (depth != 0 && depth != _layers.Length)
                throw new ArgumentOutOfRangeException(nameof(depth), depth, $"an untied network's depth is its layer count, {_layers.Length}");
            depth = _layers.Length;
        }
        for (int l = 1; l < _layers.Length; l++)
            if (_layers[l].Inputs != _layers[l - 1].Outputs)
                throw new ArgumentException($"layer {l} reads {_layers[l].Inputs} numbers but layer {l - 1} writes {_layers[l - 1].Outputs}", nameof(layers));
        if (_layers[0].Inputs != _layers[^1].Outputs)
            throw new ArgumentException($"the network is not square: it reads {_layers[0].Inputs} numbers and writes {_layers[^1].Outputs}", nameof(layers));
        if (residual)
            for (int l = 0; l < _layers.Length; l++)
                if (_layers[l].Inputs != _layers[l].Outputs)
                    throw new ArgumentException($"a residual network needs square layers; layer {l} is {_layers[l].Outputs}×{_layers[l].Inputs}", nameof(layers));
        Activation = activation;
        Tied = tied;
        Depth = depth;
        Residual = residual;
        // Tied: one layer and a count, never one entry per applied layer (a file may ask for depth 10⁹).
        _applied = new AppliedList<DenseLayer>(_layers, depth, tied);
        Dimension = _layers[0].Inputs;
        MaxWidth = _layers.Max(l => Math.Max(l.Inputs, l.Outputs));
        _packed = Pack(_layers, depth, tied);
        RowBlock = DefaultRowBlock(MaxWidth);
    }

    /// <summary>
    /// Bytes a network of <paramref name="storedLayers"/> layers of width <paramref name="width"/> holds: each weight
    /// three times (W, Wᵀ, the packed panels) and a float32 copy, checked against a budget before one is built.
    /// </summary>
    public static double EstimatedBytes(int width, int storedLayers) => storedLayers * ((double)width * width + width) * (3 * 8 + 4);

    public int Dimension { get; }
    public IReadOnlyList<DenseLayer> Layers => _layers;
    public Activation Activation { get; }
    public bool Tied { get; }

    /// <summary>Layers applied per evaluation of F: the layer count, or the loop count when tied.</summary>
    public int Depth { get; }
    public bool Residual { get; }
    public bool HasExactJacobian => true;

    /// <summary>The widest layer input or output.</summary>
    public int MaxWidth { get; }

    /// <summary>The layers in the order one evaluation of F applies them.</summary>
    public IReadOnlyList<DenseLayer> AppliedLayers => _applied;

    /// <summary>Multiply-adds per evaluation of F at one point.</summary>
    public long MultiplyAddsPerPoint => Tied ? (long)Depth * _layers[0].Inputs * _layers[0].Outputs : _layers.Sum(l => (long)l.Inputs * l.Outputs);

    public void Evaluate(ReadOnlySpan<double> x, Span<double> y) => EvaluateBatch(x, y, 1);

    /// <summary>Exact Jacobian by the chain rule: J = ∏ (D_l W_l [+ I]), D_l = diag g′(pre-activation), row by row below <see cref="ProductJacobianMinDimension"/> and by blocked matrix products from there on. Allocates its scratch; repeated callers pass a <see cref="JacobianWorkspace"/>.</summary>
    public void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian) => Jacobian(x, jacobian, new JacobianWorkspace());

    /// <summary>The exact Jacobian with scratch from <paramref name="workspace"/> (no allocation once it has grown).</summary>
    public void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian, JacobianWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        int n = Dimension;
        if (x.Length != n || jacobian.Length < n * n) throw new ArgumentException("x must have length N and the Jacobian N×N entries");
        if (n >= ProductJacobianMinDimension) ProductJacobian(x, jacobian, workspace);
        else RowJacobian(x, jacobian, workspace);
    }

    /// <summary>The chain rule row by row: row o of the next layer's J is g′(z_o) Σ_i W[o, i]·(row i of J so far).</summary>
    internal void RowJacobian(ReadOnlySpan<double> x, Span<double> jacobian, JacobianWorkspace workspace)
    {
        int n = Dimension;
        double[] cur = workspace.Buffer(0, MaxWidth);
        double[] next = workspace.Buffer(1, MaxWidth);
        double[] deriv = workspace.Buffer(2, MaxWidth);
        x.CopyTo(cur);
        // jPrev: (rows of the current layer input) × N
        double[] jPrev = workspace.Buffer(3, MaxWidth * n);
        double[] jNext = workspace.Buffer(4, MaxWidth * n);
        Array.Clear(jPrev, 0, n * n);
        for (int i = 0; i < n; i++) jPrev[i * n + i] = 1.0;
        foreach (DenseLayer layer in _applied)
        {
            int inp = layer.Inputs, outp = layer.Outputs;
            Gemm.AffineRows(cur.AsSpan(0, inp), 1, inp, layer.WeightTransposed, outp, layer.Bias, next);
            for (int o = 0; o < outp; o++) deriv[o] = Activation.Derivative(next[o]);
            Activation.Apply(next.AsSpan(0, outp), next.AsSpan(0, outp));
            if (Residual) for (int o = 0; o < outp; o++) next[o] += cur[o];
            Array.Clear(jNext, 0, outp * n);
            for (int o = 0; o < outp; o++)
            {
                Span<double> row = jNext.AsSpan(o * n, n);
                ReadOnlySpan<double> w = layer.Weight.AsSpan(o * inp, inp);
                for (int i = 0; i < inp; i++)
                {
                    double wi = w[i];
                    if (wi != 0.0) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(jPrev.AsSpan(i * n, n), wi, row, row);
                }
                System.Numerics.Tensors.TensorPrimitives.Multiply(row, deriv[o], row);
                if (Residual) System.Numerics.Tensors.TensorPrimitives.Add(row, jPrev.AsSpan(o * n, n), row);
            }
            (jPrev, jNext) = (jNext, jPrev);
            (cur, next) = (next, cur);
        }
        jPrev.AsSpan(0, n * n).CopyTo(jacobian);
    }

    /// <summary>J(x)·v by forward-mode tangents. Allocates its scratch; repeated callers pass a <see cref="JacobianWorkspace"/>.</summary>
    public void JacobianVector(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv) => JacobianVector(x, v, jv, new JacobianWorkspace());

    /// <summary>J(x)·v with scratch from <paramref name="workspace"/> (no allocation once it has grown).</summary>
    public void JacobianVector(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv, JacobianWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        int n = Dimension;
        if (x.Length != n || v.Length != n || jv.Length < n) throw new ArgumentException("x, v and jv must have length N");
        double[] cur = workspace.Buffer(0, MaxWidth);
        double[] next = workspace.Buffer(1, MaxWidth);
        double[] tan = workspace.Buffer(2, MaxWidth);
        double[] tanNext = workspace.Buffer(3, MaxWidth);
        x.CopyTo(cur);
        v.CopyTo(tan);
        foreach (DenseLayer layer in _applied)
        {
            int inp = layer.Inputs, outp = layer.Outputs;
            Gemm.AffineRows(cur.AsSpan(0, inp), 1, inp, layer.WeightTransposed, outp, layer.Bias, next);
            for (int o = 0; o < outp; o++)
            {
                double s = 0.0;
                ReadOnlySpan<double> w = layer.Weight.AsSpan(o * inp, inp);
                for (int i = 0; i < inp; i++) s += w[i] * tan[i];
                tanNext[o] = Activation.Derivative(next[o]) * s + (Residual ? tan[o] : 0.0);
            }
            Activation.Apply(next.AsSpan(0, outp), next.AsSpan(0, outp));
            if (Residual) for (int o = 0; o < outp; o++) next[o] += cur[o];
            (cur, next) = (next, cur);
            (tan, tanNext) = (tanNext, tan);
        }
        tan.AsSpan(0, n).CopyTo(jv);
    }
}
