namespace Fixpoint.Maps;

/// <summary>
/// Dense layers x ← g_l(W_l x + b_l), each with its own activation: what a PyTorch nn.Sequential of Linear
/// layers computes when the activation after the last Linear differs from the one between layers (an MLP
/// ending in a bare Linear is g_L = identity). When every g_l is the same, <see cref="Network"/> is the same map
/// with the fast batched kernels; this one is plain loops, for the small models state dicts hold.
/// Exact Jacobian (J = D_L W_L ⋯ D_1 W_1) and J·v.
/// </summary>
public sealed class LayerStack : IMap
{
    private readonly DenseLayer[] _layers;
    private readonly Activation[] _activations;

    public LayerStack(IReadOnlyList<DenseLayer> layers, IReadOnlyList<Activation> activations)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(activations);
        if (layers.Count == 0) throw new ArgumentException("a layer stack needs at least one layer", nameof(layers));
        if (activations.Count != layers.Count) throw new ArgumentException($"{layers.Count} layers need {layers.Count} activations, got {activations.Count}", nameof(activations));
        for (int l = 1; l < layers.Count; l++)
            if (layers[l].Inputs != layers[l - 1].Outputs)
                throw new ArgumentException($"layer {l} reads {layers[l].Inputs} numbers but layer {l - 1} writes {layers[l - 1].Outputs}", nameof(layers));
        if (layers[0].Inputs != layers[^1].Outputs)
            throw new ArgumentException($"the network is not square: it reads {layers[0].Inputs} numbers and writes {layers[^1].Outputs}", nameof(layers));
        _layers = [.. layers];
        _activations = [.. activations];
        Dimension = _layers[0].Inputs;
        MaxWidth = _layers.Max(l => Math.Max(l.Inputs, l.Outputs));
    }

    public int Dimension { get; }

    public IReadOnlyList<DenseLayer> Layers => _layers;

    public IReadOnlyList<Activation> Activations => _activations;

    private int MaxWidth { get; }

    public bool HasExactJacobian => true;

    public void Evaluate(ReadOnlySpan<double> x, Span<double> y) => Run(x, y, default, default);

    public void EvaluateBatch(ReadOnlySpan<double> xs, Span<double> ys, int count)
    {
        int n = Dimension;
        if (xs.Length < count * n || ys.Length < count * n) throw new ArgumentException("batch spans are shorter than count × N");
        for (int p = 0; p < count; p++) Run(xs.Slice(p * n, n), ys.Slice(p * n, n), default, default);
    }

    public void JacobianVector(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv)
    {
        if (v.Length != Dimension || jv.Length != Dimension) throw new ArgumentException("v and jv must have length N");
        var y = new double[Dimension];
        Run(x, y, v, jv);
    }

    public void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian)
    {
        int n = Dimension;
        if (jacobian.Length != n * n) throw new ArgumentException($"the Jacobian span has {jacobian.Length} numbers, expected {n * n}", nameof(jacobian));
        var e = new double[n];
        var col = new double[n];
        var y = new double[n];
        for (int j = 0; j < n; j++)
        {
            e[j] = 1;
            Run(x, y, e, col);
            e[j] = 0;
            for (int i = 0; i < n; i++) jacobian[i * n + j] = col[i];
        }
    }

    /// <summary>y = F(x) and, when <paramref name="v"/> is not empty, jv = J(x)·v (forward mode).</summary>
    private void Run(ReadOnlySpan<double> x, Span<double> y, ReadOnlySpan<double> v, Span<double> jv)
    {
        if (x.Length != Dimension || y.Length != Dimension) throw new ArgumentException($"x and y must have length {Dimension}");
        bool tangent = !v.IsEmpty;
        double[] cur = x.ToArray(), dcur = tangent ? v.ToArray() : [];
        foreach (var (layer, g) in _layers.Zip(_activations))
        {
            var next = new double[layer.Outputs];
            var dnext = tangent ? new double[layer.Outputs] : [];
            for (int i = 0; i < layer.Outputs; i++)
            {
                double z = layer.Bias[i], dz = 0;
                int o = i * layer.Inputs;
                for (int k = 0; k < layer.Inputs; k++) z += layer.Weight[o + k] * cur[k];
                next[i] = g.Value(z);
                if (!tangent) continue;
                for (int k = 0; k < layer.Inputs; k++) dz += layer.Weight[o + k] * dcur[k];
                dnext[i] = g.Derivative(z) * dz;
            }
            cur = next;
            dcur = dnext;
        }
        cur.CopyTo(y);
        if (tangent) dcur.CopyTo(jv);
    }
}
