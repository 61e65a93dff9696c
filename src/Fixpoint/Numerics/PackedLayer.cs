using System.Numerics;

namespace Fixpoint.Numerics;

/// <summary>
/// Wᵀ of one dense layer laid out for <see cref="AffineKernel"/>: column panels of
/// MaxVectors × Lanes outputs, each stored k-major and contiguous (Inputs × width), the last panel
/// narrower and zero-padded to whole vectors; the bias padded the same way. Packing happens once
/// per layer, so the kernel streams each panel with unit stride.
/// </summary>
internal sealed class PackedLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _data;
    private readonly T[] _bias;
    private readonly int _lanes;
    private readonly int _maxVectors;

    /// <param name="path">The instruction path the layout is for.</param>
    /// <param name="inputs">Columns of W.</param>
    /// <param name="outputs">Rows of W.</param>
    /// <param name="weight">W, Outputs × Inputs, row-major, in double (rounded to T here).</param>
    /// <param name="bias">b, length Outputs.</param>
    public PackedLayer(KernelPath path, int inputs, int outputs, ReadOnlySpan<double> weight, ReadOnlySpan<double> bias)
    {
        LayerShape.Check(inputs, outputs, weight.Length, bias.Length);
        Path = path;
        Inputs = inputs;
        Outputs = outputs;
        _lanes = AffineKernel.Lanes<T>(path);
        _maxVectors = AffineKernel.MaxVectors(path);
        var shape = new WeightView<T>(default, default, inputs, outputs, packed: true, _lanes, _maxVectors);
        int padded = shape.PaddedOutputs, nr = shape.PanelWidth;
        _data = new T[inputs * padded];
        _bias = new T[padded];
        for (int j = 0; j < outputs; j++) _bias[j] = T.CreateTruncating(bias[j]);
        for (int col0 = 0; col0 < padded; col0 += nr)
        {
            int width = Math.Min(nr, padded - col0);
            int baseIndex = col0 * inputs;
            for (int k = 0; k < inputs; k++)
                for (int c = 0; c < width; c++)
                {
                    int j = col0 + c;
                    _data[baseIndex + k * width + c] = j < outputs ? T.CreateTruncating(weight[j * inputs + k]) : T.Zero;
                }
        }
        TileLength = AffineKernel.TileLength(View);
    }

    public KernelPath Path { get; }
    public int Inputs { get; }
    public int Outputs { get; }

    /// <summary>Scratch a strip needs (see <see cref="AffineKernel.TileLength{T}"/>).</summary>
    public int TileLength { get; }

    public WeightView<T> View => new(_data, _bias, Inputs, Outputs, packed: true, _lanes, _maxVectors);

    /// <summary>Outputs rounded up to whole vectors: the length a bias for <see cref="ViewWithBias"/> needs.</summary>
    public int PaddedOutputs => _bias.Length;

    /// <summary>
    /// The first <paramref name="outputs"/> outputs alone (a whole number of column panels, or all of them): the panels are
    /// stored one after the other, so their prefix is the packing of the first rows of W.
    /// </summary>
    public WeightView<T> ViewOfFirst(int outputs)
    {
        int panel = _lanes * _maxVectors;
        if (outputs == Outputs) return View;
        if (outputs < 1 || outputs > Outputs || outputs % panel != 0) throw new ArgumentOutOfRangeException(nameof(outputs), outputs, $"must be all {Outputs} outputs or a multiple of {panel}");
        return new(_data.AsSpan(0, outputs * Inputs), _bias.AsSpan(0, outputs), Inputs, outputs, packed: true, _lanes, _maxVectors);
    }

    /// <summary>The packed weights with another bias (zeros for tangents), at least <see cref="PaddedOutputs"/> long.</summary>
    public WeightView<T> ViewWithBias(ReadOnlySpan<T> bias) => new(_data, bias, Inputs, Outputs, packed: true, _lanes, _maxVectors);
}
