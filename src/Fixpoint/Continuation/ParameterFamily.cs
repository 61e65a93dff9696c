using Fixpoint.Maps;

namespace Fixpoint.Continuation;

/// <summary>
/// A one-parameter family of maps x ↦ F(x; p) that continuation follows fixed points through.
/// Implementations are immutable: <see cref="At"/> builds a new map and never changes the family.
/// </summary>
public interface IParameterFamily
{
    /// <summary>N, the dimension of every map of the family.</summary>
    int Dimension { get; }

    /// <summary>The canonical name of the parameter, as the CLI's --param takes it (e.g. <c>weight-scale</c>).</summary>
    string Name { get; }

    /// <summary>The map at parameter <paramref name="p"/>.</summary>
    IMap At(double p);
}

/// <summary>Every weight of a dense network multiplied by s (biases unchanged): s = 1 is the network itself.</summary>
public sealed class WeightScaleFamily(Network network) : IParameterFamily
{
    public int Dimension => network.Dimension;
    public string Name => "weight-scale";

    public IMap At(double p) => NetworkEdit.Rebuild(network, l => new DenseLayer(l.Inputs, l.Outputs, [.. l.Weight.Select(w => w * p)], l.Bias));
}

/// <summary>s added to every bias of a dense network: s = 0 is the network itself.</summary>
public sealed class BiasShiftFamily(Network network) : IParameterFamily
{
    public int Dimension => network.Dimension;
    public string Name => "bias-shift";

    public IMap At(double p) => NetworkEdit.Rebuild(network, l => new DenseLayer(l.Inputs, l.Outputs, l.Weight, [.. l.Bias.Select(b => b + p)]));
}

/// <summary>
/// One element of one stored tensor of a dense network, <c>layers.{l}.weight[i,j]</c> or <c>layers.{l}.bias[i]</c>
/// (the safetensors names of docs/model-format.md), set to p; the parameter is the element's value.
/// </summary>
public sealed class TensorElementFamily : IParameterFamily
{
    private readonly Network _network;
    private readonly int _layer, _row, _column;
    private readonly bool _bias;

    public TensorElementFamily(Network network, string tensor, int row, int column)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(tensor);
        string[] parts = tensor.Split('.');
        if (parts.Length != 3 || parts[0] != "layers" || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int l)
            || (parts[2] != "weight" && parts[2] != "bias"))
            throw new ArgumentException($"unknown tensor '{tensor}'; the network's tensors are layers.{{l}}.weight and layers.{{l}}.bias, l = 0 … {network.Layers.Count - 1}", nameof(tensor));
        if (l >= network.Layers.Count) throw new ArgumentException($"tensor '{tensor}': the network has {network.Layers.Count} stored layer(s)", nameof(tensor));
        DenseLayer layer = network.Layers[l];
        _bias = parts[2] == "bias";
        if (_bias ? (row < 0 || row >= layer.Outputs || column != 0) : (row < 0 || row >= layer.Outputs || column < 0 || column >= layer.Inputs))
            throw new ArgumentException(_bias
                ? $"tensor '{tensor}' has {layer.Outputs} elements; index [{row}] is outside"
                : $"tensor '{tensor}' is {layer.Outputs}×{layer.Inputs}; index [{row},{column}] is outside", nameof(row));
        (_network, _layer, _row, _column, Name) = (network, l, row, column, _bias ? $"tensor:{tensor}[{row}]" : $"tensor:{tensor}[{row},{column}]");
    }

    public int Dimension => _network.Dimension;
    public string Name { get; }

    /// <summary>The element's value in the network as given.</summary>
    public double Value => _bias ? _network.Layers[_layer].Bias[_row] : _network.Layers[_layer].Weight[_row * _network.Layers[_layer].Inputs + _column];

    public IMap At(double p)
    {
        var layers = _network.Layers.Select((l, k) =>
        {
            if (k != _layer) return l;
            double[] w = [.. l.Weight], b = [.. l.Bias];
            if (_bias) b[_row] = p;
            else w[_row * l.Inputs + _column] = p;
            return new DenseLayer(l.Inputs, l.Outputs, w, b);
        }).ToList();
        return new Network(layers, _network.Activation, _network.Tied, _network.Tied ? _network.Depth : 0, _network.Residual);
    }
}

/// <summary>
/// A held input of a conditioned model as the parameter: one component (<c>hold:NAME[k]</c>, p is its value) or the
/// whole input scaled (<c>hold:NAME</c>, u = p·u₀); every other held value stays as given.
/// </summary>
public sealed class HeldInputFamily : IParameterFamily
{
    private readonly IConditionedModel _model;
    private readonly IReadOnlyList<double[]> _values;
    private readonly int _input, _component;

    /// <param name="component">The component k, or −1 for the scale of the whole input.</param>
    public HeldInputFamily(IConditionedModel model, IReadOnlyList<double[]> values, string input, int component)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(values);
        int index = -1;
        for (int k = 0; k < model.HeldInputs.Count; k++) if (model.HeldInputs[k].Name == input) index = k;
        if (index < 0)
            throw new ArgumentException($"hold:{input}: the model holds no input of that name ({(model.HeldInputs.Count == 0 ? "it holds none" : "held: " + string.Join(", ", model.HeldInputs.Select(h => h.Name)))})", nameof(input));
        if (component < -1 || component >= model.HeldInputs[index].Length)
            throw new ArgumentException($"hold:{input}[{component}]: input '{input}' has {model.HeldInputs[index].Length} values", nameof(component));
        (_model, _values, _input, _component) = (model, values, index, component);
        Name = component < 0 ? $"hold:{input}" : $"hold:{input}[{component}]";
    }

    public int Dimension => _model.StateDimension;
    public string Name { get; }

    /// <summary>The parameter's value at the given held values: the component, or 1 for a scale.</summary>
    public double Value => _component < 0 ? 1.0 : _values[_input][_component];

    public IMap At(double p)
    {
        var values = _values.Select(v => v.ToArray()).ToArray();
        if (_component < 0) for (int i = 0; i < values[_input].Length; i++) values[_input][i] = p * _values[_input][i];
        else values[_input][_component] = p;
        return _model.Bind(values);
    }
}

/// <summary>A family given by a function, for parameters that a layer above builds (paper A's m).</summary>
public sealed class FunctionFamily(string name, int dimension, Func<double, IMap> at) : IParameterFamily
{
    public int Dimension => dimension;
    public string Name => name;
    public IMap At(double p) => at(p);
}

internal static class NetworkEdit
{
    /// <summary>The network with every stored layer replaced by <paramref name="edit"/> of it; activation, tying, depth and residual kept.</summary>
    public static Network Rebuild(Network network, Func<DenseLayer, DenseLayer> edit) =>
        new([.. network.Layers.Select(edit)], network.Activation, network.Tied, network.Tied ? network.Depth : 0, network.Residual);
}
