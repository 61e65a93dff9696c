namespace Fixpoint.Numerics;

/// <summary>The one shape check of a dense layer's parameters: W is outputs × inputs (row-major), b has outputs entries.</summary>
public static class LayerShape
{
    public static void Check(int inputs, int outputs, int weightLength, int biasLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        if (weightLength != inputs * outputs)
            throw new ArgumentException($"weight has {weightLength} entries, expected {outputs}×{inputs}", "weight");
        if (biasLength != outputs)
            throw new ArgumentException($"bias has {biasLength} entries, expected {outputs}", "bias");
    }
}
