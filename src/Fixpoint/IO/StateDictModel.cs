using System.Globalization;
using System.Text.RegularExpressions;
using Fixpoint.Maps;

namespace Fixpoint.IO;

/// <summary>How to read a state dict: the module prefix to strip (null: find it), and the activations it does not record.</summary>
/// <param name="Prefix">Module prefix such as <c>net.</c> (a missing final dot is added); null finds the one prefix under which a known architecture sits.</param>
/// <param name="Activation">Between Linear layers (a Sequential), or an RNN's nonlinearity (tanh by default, PyTorch's).</param>
/// <param name="FinalActivation">After the last Linear of a Sequential: required, since a state dict cannot say whether a Tanh follows it.</param>
public sealed record StateDictOptions(string? Prefix = null, Activation? Activation = null, Activation? FinalActivation = null);

/// <summary>A model read from a state dict: a square map (Sequential) or a recurrent cell whose input is held, and its summary.</summary>
public sealed record StateDictContents(IMap? Map, RecurrentCell? Cell, ModelSummary Summary);

/// <summary>
/// The architectures a PyTorch state dict (torch.save .pt, or safetensors without Fixpoint's metadata) can describe:
/// an nn.Sequential of Linear layers (<c>0.weight</c>, <c>0.bias</c>, <c>2.weight</c>, …), a single-layer
/// nn.RNN / nn.GRU / nn.LSTM (<c>weight_ih_l0</c>, <c>weight_hh_l0</c>, <c>bias_ih_l0</c>, <c>bias_hh_l0</c>) and
/// nn.RNNCell / GRUCell / LSTMCell (<c>weight_ih</c>, <c>weight_hh</c>, <c>bias_ih</c>, <c>bias_hh</c>), under a module
/// prefix (<c>net.</c>) that is given or found. The kind of a recurrent layer follows from its shapes (1, 3 or 4 gates).
/// A state dict does not record activations, so a Sequential needs the activation between layers and the one after the
/// last; a load that would have to guess is refused, naming the option that decides it.
/// </summary>
public static partial class StateDictModel
{
    public const string ActivationOption = "--activation", FinalActivationOption = "--final-activation", PrefixOption = "--prefix";

    /// <summary>Loads <paramref name="path"/>: a torch.save zip (.pt, .pth) or a safetensors state dict.</summary>
    public static StateDictContents Load(string path, StateDictOptions options)
    {
        bool torch = TorchStateDict.IsTorchFile(path);
        SafetensorsFile file = torch ? TorchStateDict.Read(path) : Safetensors.Read(path);
        return FromTensors(file, path, torch ? "torch.save zip" : "safetensors", options);
    }

    /// <summary>True when the safetensors file is one of Fixpoint's own (metadata or <c>layers.{i}.*</c> keys), which <see cref="ModelFile"/> reads.</summary>
    public static bool IsFixpointFile(SafetensorsFile file) =>
        file.Metadata.ContainsKey("activation") || (file.Metadata.TryGetValue("format", out string? f) && f.StartsWith("fixpoint", StringComparison.Ordinal))
        || file.Tensors.ContainsKey("layers.0.weight");

    public static StateDictContents FromTensors(SafetensorsFile file, string path, string format, StateDictOptions options)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(options);
        var candidates = Candidates(file);
        string? prefix = options.Prefix;
        if (prefix is not null && prefix.Length > 0 && !prefix.EndsWith('.')) prefix += ".";
        (string Prefix, Arch Arch) chosen;
        if (prefix is not null)
        {
            var under = candidates.Where(c => c.Prefix == prefix).ToList();
            if (under.Count == 0)
                throw new ModelFormatException($"{path}: no Sequential, RNN, GRU or LSTM weights under {PrefixOption} '{prefix}'" +
                    (candidates.Count > 0 ? $"; found under: {string.Join(", ", candidates.Select(c => $"'{c.Prefix}'"))}" : $"; keys: {Keys(file)}"));
            chosen = under[0];
        }
        else if (candidates.Count == 1) chosen = candidates[0];
        else if (candidates.Count == 0)
            throw new ModelFormatException($"{path}: not a state dict Fixpoint can describe (a Sequential of Linear layers 0.weight, 2.weight, …; nn.RNN/GRU/LSTM weight_ih_l0, …; or a cell's weight_ih, …); keys: {Keys(file)}");
        else
            throw new ModelFormatException($"{path}: weights of several modules ({string.Join(", ", candidates.Select(c => $"'{c.Prefix}'"))}); name one with {PrefixOption}");

        return chosen.Arch == Arch.Sequential
            ? Sequential(file, path, format, chosen.Prefix, options)
            : Recurrent(file, path, format, chosen.Prefix, chosen.Arch == Arch.Layer, options);
    }

    private enum Arch { Sequential, Layer, Cell }

    private static List<(string Prefix, Arch Arch)> Candidates(SafetensorsFile file)
    {
        var found = new List<(string, Arch)>();
        foreach (string key in file.Tensors.Keys)
        {
            Match m = SequentialFirst().Match(key);
            if (m.Success) found.Add((m.Groups[1].Value, Arch.Sequential));
            else if (key.EndsWith("weight_ih_l0", StringComparison.Ordinal) && IsModulePrefix(key[..^"weight_ih_l0".Length])) found.Add((key[..^"weight_ih_l0".Length], Arch.Layer));
            else if (key.EndsWith("weight_ih", StringComparison.Ordinal) && IsModulePrefix(key[..^"weight_ih".Length])) found.Add((key[..^"weight_ih".Length], Arch.Cell));
        }
        return found.Distinct().OrderBy(c => c.Item1, StringComparer.Ordinal).ToList();
    }

    private static bool IsModulePrefix(string p) => p.Length == 0 || p.EndsWith('.');

    private static string Keys(SafetensorsFile file) =>
        string.Join(", ", file.Tensors.Keys.Take(6)) + (file.Tensors.Count > 6 ? $", … ({file.Tensors.Count} in all)" : "");

    private static StateDictContents Sequential(SafetensorsFile file, string path, string format, string prefix, StateDictOptions options)
    {
        var indices = file.Tensors.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Select(k => LinearKey().Match(k[prefix.Length..])).Where(m => m.Success && m.Groups[2].Value == "weight")
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Order().ToList();
        var layers = new List<DenseLayer>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        var described = new List<ModelLayer>();
        foreach (int i in indices)
        {
            string wKey = $"{prefix}{i}.weight", bKey = $"{prefix}{i}.bias";
            SafetensorsTensor w = file.Tensors[wKey];
            if (w.Shape.Length != 2) throw new ModelFormatException($"{path}: {wKey} has shape [{string.Join(", ", w.Shape)}]; a Sequential of Linear layers has [out, in] weights only");
            int outputs = w.Shape[0], inputs = w.Shape[1];
            double[] bias = new double[outputs];
            if (file.Tensors.TryGetValue(bKey, out SafetensorsTensor? b))
            {
                if (b.Shape.Length != 1 || b.Shape[0] != outputs) throw new ModelFormatException($"{path}: {bKey} has shape [{string.Join(", ", b.Shape)}], expected [{outputs}]");
                bias = Finite(b, path);
                used.Add(bKey);
            }
            if (layers.Count > 0 && inputs != layers[^1].Outputs)
                throw new ModelFormatException($"{path}: {wKey} reads {inputs} numbers but the layer before writes {layers[^1].Outputs}");
            layers.Add(new DenseLayer(inputs, outputs, Finite(w, path), bias));
            used.Add(wKey);
        }
        if (layers[0].Inputs != layers[^1].Outputs)
            throw new ModelFormatException($"{path}: the network is not square: it reads {layers[0].Inputs} numbers and writes {layers[^1].Outputs}");
        if (layers.Count > 1 && options.Activation is null)
            throw new ModelFormatException($"{path}: a state dict does not record activations; name the one between the Linear layers with {ActivationOption}");
        if (options.FinalActivation is null)
            throw new ModelFormatException($"{path}: a state dict does not record whether an activation follows the last Linear ({prefix}{indices[^1]}.weight); give {FinalActivationOption} identity (a bare Linear) or tanh, …");
        var acts = Enumerable.Range(0, layers.Count).Select(l => l == layers.Count - 1 ? options.FinalActivation : options.Activation!).ToList();
        IMap map = acts.All(a => a.Name == acts[0].Name) ? new Network(layers, acts[0]) : new LayerStack(layers, acts);
        for (int l = 0; l < layers.Count; l++)
            described.Add(new ModelLayer($"{prefix}{indices[l]}", "Linear", [layers[l].Outputs, layers[l].Inputs], acts[l].Name));
        var summary = new ModelSummary(path, format, $"nn.Sequential of {layers.Count} Linear layer{(layers.Count == 1 ? "" : "s")}", prefix, described,
            map.Dimension, ["x"], [], "native", Precision(file, used), "exact", Ignored(file, used));
        return new StateDictContents(map, null, summary);
    }

    private static StateDictContents Recurrent(SafetensorsFile file, string path, string format, string prefix, bool layer, StateDictOptions options)
    {
        string sfx = layer ? "_l0" : "";
        string Key(string name) => $"{prefix}{name}{sfx}";
        if (layer)
        {
            if (file.Tensors.ContainsKey($"{prefix}weight_ih_l1"))
            {
                int layers = 1;
                while (file.Tensors.ContainsKey($"{prefix}weight_ih_l{layers}")) layers++;
                throw new ModelFormatException($"{path}: a recurrent module with num_layers = {layers} ({prefix}weight_ih_l1, …); only single-layer RNN/GRU/LSTM are read (the state of a stack is every layer's h)");
            }
            if (file.Tensors.ContainsKey($"{prefix}weight_ih_l0_reverse")) throw new ModelFormatException($"{path}: a bidirectional recurrent module ({prefix}weight_ih_l0_reverse) has no single state map; not read");
            if (file.Tensors.ContainsKey($"{prefix}weight_hr_l0")) throw new ModelFormatException($"{path}: an LSTM with proj_size ({prefix}weight_hr_l0) is not read");
        }
        SafetensorsTensor wih = Need(Key("weight_ih")), whh = Need(Key("weight_hh"));
        if (wih.Shape.Length != 2 || whh.Shape.Length != 2) throw new ModelFormatException($"{path}: {wih.Name} and {whh.Name} must be matrices");
        int hidden = whh.Shape[1], rows = whh.Shape[0], inputs = wih.Shape[1];
        if (hidden < 1 || rows % hidden != 0 || wih.Shape[0] != rows)
            throw new ModelFormatException($"{path}: {whh.Name} [{string.Join(", ", whh.Shape)}] and {wih.Name} [{string.Join(", ", wih.Shape)}] are not the gates of one recurrent cell");
        RecurrentKind kind = (rows / hidden) switch
        {
            1 => RecurrentKind.Rnn,
            3 => RecurrentKind.Gru,
            4 => RecurrentKind.Lstm,
            int g => throw new ModelFormatException($"{path}: {whh.Name} has {g} gates of {hidden}; RNN has 1, GRU 3, LSTM 4"),
        };
        var used = new HashSet<string>(StringComparer.Ordinal) { wih.Name, whh.Name };
        double[]? Bias(string name)
        {
            if (!file.Tensors.TryGetValue(Key(name), out SafetensorsTensor? b)) return null;
            if (b.Shape.Length != 1 || b.Shape[0] != rows) throw new ModelFormatException($"{path}: {b.Name} has shape [{string.Join(", ", b.Shape)}], expected [{rows}]");
            used.Add(b.Name);
            return Finite(b, path);
        }
        double[]? bih = Bias("bias_ih"), bhh = Bias("bias_hh");
        if (options.FinalActivation is not null) throw new ModelFormatException($"{path}: {FinalActivationOption} applies to a Sequential of Linear layers, not to a recurrent cell (its gates fix every activation)");
        Activation? nonlinearity = null;
        string? note = null;
        if (kind == RecurrentKind.Rnn)
        {
            nonlinearity = options.Activation ?? new TanhActivation();
            if (nonlinearity is not (TanhActivation or ReluActivation))
                throw new ModelFormatException($"{path}: an RNN's nonlinearity is tanh or relu; {ActivationOption} {nonlinearity.Name} is neither");
            if (options.Activation is null) note = "tanh: PyTorch's default; the state dict cannot say nonlinearity='relu' (give --activation relu if so)";
        }
        else if (options.Activation is not null)
            throw new ModelFormatException($"{path}: {ActivationOption} does not apply to a {kind.ToString().ToUpperInvariant()} (its gates fix every activation)");
        var cell = new RecurrentCell(kind, inputs, hidden, Finite(wih, path), Finite(whh, path), bih, bhh, nonlinearity);
        string module = kind switch { RecurrentKind.Rnn => "RNN", RecurrentKind.Gru => "GRU", _ => "LSTM" };
        string arch = layer ? $"nn.{module} (1 layer, one time step: h ↦ {module.ToLowerInvariant()}(input, h))" : $"nn.{module}Cell";
        string gates = kind switch { RecurrentKind.Rnn => note ?? nonlinearity!.Name, RecurrentKind.Gru => "gates r, z: logistic; n: tanh", _ => "gates i, f, o: logistic; g, cell: tanh" };
        var described = new List<ModelLayer> { new($"{prefix}{(layer ? "*_l0" : "*")}", $"{module} cell, input {inputs}, hidden {hidden}", [rows, inputs + hidden], gates) };
        var summary = new ModelSummary(path, format, arch, prefix, described, cell.StateDimension,
            kind == RecurrentKind.Lstm ? [$"h ({hidden})", $"c ({hidden})"] : [$"h ({hidden})"],
            [new ModelHeldInput(cell.HeldInputs[0].Name, inputs, null)], "native", Precision(file, used), "exact", Ignored(file, used));
        return new StateDictContents(null, cell, summary);

        SafetensorsTensor Need(string key) => file.Tensors.TryGetValue(key, out SafetensorsTensor? t) ? t
            : throw new ModelFormatException($"{path}: {key} is missing (found {prefix}weight_ih{sfx} but not the rest of the cell)");
    }

    private static double[] Finite(SafetensorsTensor t, string path)
    {
        for (int i = 0; i < t.Data.Length; i++)
            if (!double.IsFinite(t.Data[i])) throw new ModelFormatException($"{path}: {t.Name} holds a non-finite value ({t.Data[i]}) at flat index {i}");
        return t.Data;
    }

    private static string Precision(SafetensorsFile file, IEnumerable<string> used)
    {
        var types = used.Select(k => file.Tensors[k].DType).Distinct().Order().ToList();
        return types.SequenceEqual(["F64"]) ? "float64" : $"{string.Join("/", types)} weights widened exactly, evaluated in float64";
    }

    private static List<string> Ignored(SafetensorsFile file, HashSet<string> used) =>
        file.Tensors.Keys.Where(k => !used.Contains(k)).Order(StringComparer.Ordinal).ToList();

    [GeneratedRegex(@"^((?:.*\.)?)0\.weight$")]
    private static partial Regex SequentialFirst();

    [GeneratedRegex(@"^(\d+)\.(weight|bias)$")]
    private static partial Regex LinearKey();
}
