using Fixpoint.Numerics;

namespace Fixpoint.Maps;

/// <summary>
/// One affine layer z = W x + b with W of shape Outputs × Inputs, stored row-major.
/// The transpose is kept as well because the batched kernels stream it.
/// </summary>
public sealed class DenseLayer
{
    public DenseLayer(int inputs, int outputs, double[] weight, double[] bias)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(bias);
        LayerShape.Check(inputs, outputs, weight.Length, bias.Length);
        for (int i = 0; i < weight.Length; i++)
            if (!double.IsFinite(weight[i]))
                throw new ArgumentException($"weight entry ({i / inputs}, {i % inputs}) is {weight[i]}", nameof(weight));
        for (int i = 0; i < bias.Length; i++)
            if (!double.IsFinite(bias[i]))
                throw new ArgumentException($"bias entry {i} is {bias[i]}", nameof(bias));
        Inputs = inputs;
        Outputs = outputs;
        Weight = weight;
        Bias = bias;
        WeightTransposed = new double[weight.Length];
        for (int o = 0; o < outputs; o++)
            for (int i = 0; i < inputs; i++)
                WeightTransposed[i * outputs + o] = weight[o * inputs + i];
    }

    public int Inputs { get; }
    public int Outputs { get; }

    /// <summary>W, Outputs × Inputs, row-major. Treat as read-only.</summary>
    public double[] Weight { get; }

    /// <summary>b, length Outputs. Treat as read-only.</summary>
    public double[] Bias { get; }

    /// <summary>Wᵀ, Inputs × Outputs, row-major.</summary>
    internal double[] WeightTransposed { get; }
}
