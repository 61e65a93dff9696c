using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Training;

/// <summary>The trainable weights of one dense layer: W (Outputs × Inputs, row-major) and b.</summary>
public sealed class LayerParameters
{
    public LayerParameters(int inputs, int outputs, double[] weight, double[] bias)
    {
        LayerShape.Check(inputs, outputs, weight.Length, bias.Length);
        (Inputs, Outputs, Weight, Bias) = (inputs, outputs, weight, bias);
    }

    public int Inputs { get; }
    public int Outputs { get; }
    public double[] Weight { get; }
    public double[] Bias { get; }

    /// <summary>W_ij ~ N(0, gain²/Inputs) from <paramref name="rng"/>, b = 0.</summary>
    public static LayerParameters Gaussian(int inputs, int outputs, double gain, Rng rng)
    {
        double s = gain / Math.Sqrt(inputs);
        var w = new double[inputs * outputs];
        for (int i = 0; i < w.Length; i++) w[i] = s * rng.Normal();
        return new LayerParameters(inputs, outputs, w, new double[outputs]);
    }

    public DenseLayer ToDense() => new(Inputs, Outputs, (double[])Weight.Clone(), (double[])Bias.Clone());

    public static LayerParameters FromDense(DenseLayer l) => new(l.Inputs, l.Outputs, (double[])l.Weight.Clone(), (double[])l.Bias.Clone());

    public LayerParameters Clone() => new(Inputs, Outputs, (double[])Weight.Clone(), (double[])Bias.Clone());
}

/// <summary>
/// The shape of a square network to train: N → hidden₁ → … → N with independent layers, or one N×N
/// layer looped <see cref="Depth"/> times (tied). Weights start Gaussian, W_ij ~ N(0, gain²/fan-in), biases 0.
/// </summary>
public sealed record SquareNetworkSpec
{
    public SquareNetworkSpec(int dimension, IReadOnlyList<int> hidden, Activation activation, bool tied = false, int depth = 1, double initGain = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(activation);
        if (hidden.Any(h => h < 1)) throw new ArgumentOutOfRangeException(nameof(hidden), "hidden widths must be ≥ 1");
        if (tied && hidden.Count > 0) throw new ArgumentException("a tied network has one N×N layer and no hidden widths", nameof(hidden));
        if (tied && depth < 1) throw new ArgumentOutOfRangeException(nameof(depth), depth, "a tied network needs depth ≥ 1");
        if (!(initGain > 0) || !double.IsFinite(initGain)) throw new ArgumentOutOfRangeException(nameof(initGain), initGain, "must be > 0");
        Dimension = dimension;
        Hidden = [.. hidden];
        Activation = activation;
        Tied = tied;
        Depth = tied ? depth : hidden.Count + 1;
        InitGain = initGain;
    }

    public int Dimension { get; }
    public IReadOnlyList<int> Hidden { get; }
    public Activation Activation { get; }
    public bool Tied { get; }

    /// <summary>Layers applied per evaluation: hidden count + 1, or the loop count when tied.</summary>
    public int Depth { get; }
    public double InitGain { get; }

    public string Describe() => Tied
        ? $"tied {Dimension}×{Dimension} layer × {Depth} loops, {Activation.Name}"
        : $"{string.Join("→", new[] { Dimension }.Concat(Hidden).Append(Dimension))}, {Activation.Name}";
}

/// <summary>
/// A square network under training: its layers as mutable <see cref="LayerParameters"/>, the order in
/// which one evaluation applies them, and conversion to and from the analysis type <see cref="Network"/>.
/// </summary>
public sealed class SquareModel
{
    public SquareModel(IReadOnlyList<LayerParameters> layers, Activation activation, bool tied, int depth)
    {
        if (layers.Count == 0) throw new ArgumentException("at least one layer", nameof(layers));
        Layers = [.. layers];
        Activation = activation;
        Tied = tied;
        if (tied)
        {
            if (layers.Count != 1) throw new ArgumentException("a tied model has one layer", nameof(layers));
            if (depth < 1) throw new ArgumentOutOfRangeException(nameof(depth), depth, "must be ≥ 1");
            Applied = Enumerable.Repeat(0, depth).ToArray();
        }
        else Applied = Enumerable.Range(0, layers.Count).ToArray();
        for (int s = 1; s < Applied.Length; s++)
            if (Layers[Applied[s]].Inputs != Layers[Applied[s - 1]].Outputs) throw new ArgumentException($"layer {s} does not fit the one before", nameof(layers));
        if (Layers[Applied[0]].Inputs != Layers[Applied[^1]].Outputs) throw new ArgumentException("the model is not square", nameof(layers));
        Dimension = Layers[0].Inputs;
        MaxWidth = Layers.Max(l => Math.Max(l.Inputs, l.Outputs));
    }

    public LayerParameters[] Layers { get; }
    public Activation Activation { get; }
    public bool Tied { get; }
    public int Dimension { get; }
    public int MaxWidth { get; }

    /// <summary>Index into <see cref="Layers"/> of each layer one evaluation applies, in order.</summary>
    public int[] Applied { get; }
    public int Depth => Applied.Length;

    public static SquareModel Create(SquareNetworkSpec spec, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var widths = new List<int> { spec.Dimension };
        widths.AddRange(spec.Hidden);
        widths.Add(spec.Dimension);
        var layers = new List<LayerParameters>();
        for (int l = 0; l + 1 < widths.Count; l++)
            layers.Add(LayerParameters.Gaussian(widths[l], widths[l + 1], spec.InitGain, Rng.Derive(seed, Rng.HashKey("init"), (ulong)l)));
        return new SquareModel(layers, spec.Activation, spec.Tied, spec.Depth);
    }

    public static SquareModel FromNetwork(Network network)
    {
        if (network.Residual) throw new ArgumentException("residual networks are not trained here", nameof(network));
        return new SquareModel(network.Layers.Select(LayerParameters.FromDense).ToArray(), network.Activation, network.Tied, network.Depth);
    }

    /// <summary>A copy of the current weights as a <see cref="Network"/> for analysis and for <c>ModelFile.Save</c>.</summary>
    public Network ToNetwork() => new(Layers.Select(l => l.ToDense()).ToArray(), Activation, Tied, Tied ? Depth : 0);

    /// <summary>Parameter arrays in a fixed order: W₀, b₀, W₁, b₁, …</summary>
    public IReadOnlyList<double[]> Parameters => Layers.SelectMany(l => new[] { l.Weight, l.Bias }).ToArray();

    /// <summary>Whether each array of <see cref="Parameters"/> is a weight matrix (weight decay applies).</summary>
    public IReadOnlyList<bool> IsWeight => Layers.SelectMany(_ => new[] { true, false }).ToArray();

    public long ParameterCount => Layers.Sum(l => (long)l.Weight.Length + l.Bias.Length);
}
