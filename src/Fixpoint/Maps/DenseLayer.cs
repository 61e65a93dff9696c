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
        // A NaN or ±∞ makes a sum non-finite in any order, so a finite vector sum clears an array at once; otherwise the
        // loop names the first bad entry (or finds none: finite values whose sum overflowed).
        if (!double.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum<double>(weight)))
            for (int i = 0; i < weight.Length; i++)
                if (!double.IsFinite(weight[i]))
                    throw new ArgumentException($"weight entry ({i / inputs}, {i % inputs}) is {weight[i]}", nameof(weight));
        if (!double.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum<double>(bias)))
            for (int i = 0; i < bias.Length; i++)
                if (!double.IsFinite(bias[i]))
                    throw new ArgumentException($"bias entry {i} is {bias[i]}", nameof(bias));
        Inputs = inputs;
        Outputs = outputs;
        Weight = weight;
        Bias = bias;
        WeightTransposed = Transpose(weight, outputs, inputs);
    }

    /// <summary>The transpose of a rows × cols row-major matrix, in tiles so that reads and writes both stay in cache.</summary>
    private static double[] Transpose(double[] a, int rows, int cols)
    {
        const int Tile = 32;
        var t = new double[a.Length];
        for (int r0 = 0; r0 < rows; r0 += Tile)
            for (int c0 = 0; c0 < cols; c0 += Tile)
            {
                int r1 = Math.Min(rows, r0 + Tile), c1 = Math.Min(cols, c0 + Tile);
                for (int r = r0; r < r1; r++)
                    for (int c = c0; c < c1; c++) t[c * rows + r] = a[r * cols + c];
            }
        return t;
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
