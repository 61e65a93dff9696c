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
        if (DenseLinearAlgebra.FirstNonFinite(weight) is int wi and >= 0)
            throw new ArgumentException($"weight entry ({wi / inputs}, {wi % inputs}) is {weight[wi]}", nameof(weight));
        if (DenseLinearAlgebra.FirstNonFinite(bias) is int bi and >= 0)
            throw new ArgumentException($"bias entry {bi} is {bias[bi]}", nameof(bias));
        Inputs = inputs;
        Outputs = outputs;
        Weight = weight;
        Bias = bias;
        WeightTransposed = DenseLinearAlgebra.Transpose(weight, outputs, inputs);
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
