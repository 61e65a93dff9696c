using System.Globalization;
using System.Text.RegularExpressions;
using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.IO;

/// <summary>
/// Networks as safetensors files: tensors <c>layers.{i}.weight</c> (out × in, row-major) and
/// <c>layers.{i}.bias</c> (out), F64 or F32; <c>__metadata__</c> strings <c>activation</c>,
/// <c>tied</c> ("true"/"false"), <c>depth</c> (layers applied when tied) and <c>residual</c>.
/// A PyTorch <c>nn.Sequential</c> state dict (keys <c>0.weight</c>, <c>0.bias</c>, <c>2.weight</c>, …)
/// loads too, with the activation given by the caller.
/// </summary>
public static partial class ModelFile
{
    /// <summary>The most layers a file may ask a tied network to apply: beyond it one evaluation alone would take hours, so a larger depth is taken for a corrupt file.</summary>
    public const int MaxTiedDepth = 1_000_000;

    /// <summary>The highest layer index a file may name (layers.{i}.weight): far beyond any real network, low enough that a corrupt index is caught by name.</summary>
    public const int MaxLayerIndex = 100_000;

    public static Network Load(string path, Activation? activation = null, MemoryBudget? budget = null)
    {
        SafetensorsFile file = Safetensors.Read(path, budget);
        return FromTensors(file, path, activation);
    }

    public static Network FromTensors(SafetensorsFile file, string path, Activation? activationOverride = null)
    {
        var meta = file.Metadata;
        // NaN or ±∞ anywhere in the file is refused, in tensors the network reads or not: the file is damaged.
        foreach (SafetensorsTensor t in file.Tensors.Values.OrderBy(t => t.Name, StringComparer.Ordinal)) CheckFinite(t, path);
        var layerKeys = LayerKeys(file, path);
        if (layerKeys.Count == 0)
            throw new ModelFormatException($"{path}: no layer tensors (expected layers.0.weight, layers.1.weight, … or a PyTorch Sequential's 0.weight, …)");

        Activation activation;
        if (activationOverride is not null) activation = activationOverride;
        else if (meta.TryGetValue("activation", out string? a))
        {
            try { activation = Activation.Parse(a); }
            catch (FormatException e) { throw new ModelFormatException($"{path}: metadata activation: {e.Message}"); }
        }
        else throw new ModelFormatException($"{path}: no 'activation' in __metadata__; name one with --activation");

        bool tied = Flag(meta, "tied", path);
        bool residual = Flag(meta, "residual", path);
        int depth = 0;
        if (meta.TryGetValue("depth", out string? ds))
        {
            if (!int.TryParse(ds, NumberStyles.Integer, CultureInfo.InvariantCulture, out depth) || depth < 1)
                throw new ModelFormatException($"{path}: metadata depth '{ds}' is not a positive integer");
            if (depth > MaxTiedDepth)
                throw new ModelFormatException($"{path}: metadata depth {depth} is beyond the {MaxTiedDepth:N0} layers a model file may apply (a corrupt file?)");
        }
        if (tied && layerKeys.Count != 1)
            throw new ModelFormatException($"{path}: tied is true but the file has {layerKeys.Count} layers (a tied network stores one)");
        if (tied && depth == 0) depth = 1;
        if (!tied && depth != 0 && depth != layerKeys.Count)
            throw new ModelFormatException($"{path}: depth {depth} disagrees with the {layerKeys.Count} layers of an untied network");

        var layers = new List<DenseLayer>();
        for (int i = 0; i < layerKeys.Count; i++)
        {
            var (wKey, bKey) = layerKeys[i];
            SafetensorsTensor w = file.Tensors[wKey];
            if (w.Shape.Length != 2) throw new ModelFormatException($"{path}: {wKey} has shape [{string.Join(", ", w.Shape)}], expected [out, in]");
            int outputs = w.Shape[0], inputs = w.Shape[1];
            double[] bias;
            if (file.Tensors.TryGetValue(bKey, out SafetensorsTensor? b))
            {
                if (b.Shape.Length != 1 || b.Shape[0] != outputs)
                    throw new ModelFormatException($"{path}: {bKey} has shape [{string.Join(", ", b.Shape)}], expected [{outputs}]");
                bias = b.Data;
            }
            else bias = new double[outputs];
            if (i > 0 && inputs != layers[^1].Outputs)
                throw new ModelFormatException($"{path}: {wKey} reads {inputs} numbers but the layer before writes {layers[^1].Outputs}");
            layers.Add(new DenseLayer(inputs, outputs, w.Data, bias));
        }
        if (layers[0].Inputs != layers[^1].Outputs)
            throw new ModelFormatException($"{path}: the network is not square: it reads {layers[0].Inputs} numbers and writes {layers[^1].Outputs}");
        if (tied && layers[0].Inputs != layers[0].Outputs)
            throw new ModelFormatException($"{path}: a tied layer must be square, got {layers[0].Outputs}×{layers[0].Inputs}");
        try
        {
            return new Network(layers, activation, tied, tied ? depth : 0, residual);
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException($"{path}: {e.Message.Split(" (Parameter")[0]}");
        }
    }

    /// <summary>Writes a network; F64 by default. The file is replaced atomically.</summary>
    public static void Save(Network network, string path, bool float32 = false, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var meta = new Dictionary<string, string>
        {
            ["format"] = "fixpoint-network/1",
            ["activation"] = network.Activation.Name,
            ["tied"] = network.Tied ? "true" : "false",
            ["depth"] = network.Depth.ToString(CultureInfo.InvariantCulture),
            ["residual"] = network.Residual ? "true" : "false",
        };
        if (extraMetadata is not null) foreach (var (k, v) in extraMetadata) meta[k] = v;
        var tensors = new List<(string, int[], double[])>();
        for (int i = 0; i < network.Layers.Count; i++)
        {
            DenseLayer l = network.Layers[i];
            tensors.Add(($"layers.{i}.weight", [l.Outputs, l.Inputs], l.Weight));
            tensors.Add(($"layers.{i}.bias", [l.Outputs], l.Bias));
        }
        Safetensors.Write(path, tensors, meta, float32);
    }

    /// <summary>(weight, bias) tensor names in layer order: layers.{i}.* (numbered 0, 1, … without gaps), else a Sequential's {k}.* in index order.</summary>
    private static List<(string Weight, string Bias)> LayerKeys(SafetensorsFile file, string path)
    {
        // An index is read as a number only once it is known to be small: layers.99999999999.weight names a corrupt file, not a crash.
        int Index(string key, string digits) =>
            digits.Length <= 6 && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int i) && i <= MaxLayerIndex ? i
                : throw new ModelFormatException($"{path}: tensor '{key}' has layer index {digits}, beyond the {MaxLayerIndex:N0} a model file may hold");
        List<int> Indices(Regex pattern, string part) => file.Tensors.Keys.Select(k => (Key: k, Match: pattern.Match(k)))
            .Where(m => m.Match.Success && m.Match.Groups[2].Value == part)
            .Select(m => Index(m.Key, m.Match.Groups[1].Value)).Order().ToList();

        foreach (string k in file.Tensors.Keys.Order(StringComparer.Ordinal))
            if (k.StartsWith("layers.", StringComparison.Ordinal) && !NativeKey().IsMatch(k))
                throw new ModelFormatException($"{path}: tensor '{k}' is not named layers.{{i}}.weight or layers.{{i}}.bias with i = 0, 1, 2, …");
        List<int> native = Indices(NativeKey(), "weight");
        if (native.Count > 0)
        {
            for (int i = 0; i < native.Count; i++)
                if (native[i] != i) throw new ModelFormatException($"{path}: layers.{i}.weight is missing (layers must be numbered 0, 1, 2, …)");
            foreach (int b in Indices(NativeKey(), "bias"))
                if (b >= native.Count) throw new ModelFormatException($"{path}: tensor 'layers.{b}.bias' has no layers.{b}.weight");
            return native.Select(i => ($"layers.{i}.weight", $"layers.{i}.bias")).ToList();
        }
        List<int> sequential = Indices(SequentialKey(), "weight");
        foreach (int b in Indices(SequentialKey(), "bias"))
            if (!sequential.Contains(b)) throw new ModelFormatException($"{path}: tensor '{b}.bias' has no {b}.weight");
        return sequential.Select(i => ($"{i}.weight", $"{i}.bias")).ToList();
    }

    private static bool Flag(IReadOnlyDictionary<string, string> meta, string key, string path)
    {
        if (!meta.TryGetValue(key, out string? v)) return false;
        return v.Trim().ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            _ => throw new ModelFormatException($"{path}: metadata {key} is '{v}', expected \"true\" or \"false\""),
        };
    }

    private static void CheckFinite(SafetensorsTensor? t, string path)
    {
        if (t is not null && DenseLinearAlgebra.FirstNonFinite(t.Data) is int i and >= 0)
            throw new ModelFormatException($"{path}: {t.Name} holds a non-finite value ({t.Data[i]}) at flat index {i}");
    }

    [GeneratedRegex(@"^layers\.(\d+)\.(weight|bias)$")]
    private static partial Regex NativeKey();

    [GeneratedRegex(@"^(\d+)\.(weight|bias)$")]
    private static partial Regex SequentialKey();
}
