using System.CommandLine.Parsing;
using Fixpoint.Experiments;
using Fixpoint.Init;

namespace Fixpoint.Cli;

/// <summary>
/// The options that say which network to analyse, shared by the verbs: a random network
/// (--width --depth --activation --weights --biases --scaling --tied --residual --seed),
/// a model file (--model: safetensors, with --activation for files that do not name one, or ONNX), or a built-in
/// network (--network ke2024-poly|ke2024-exp --dim --m).
/// </summary>
internal sealed class NetworkOptions
{
    public const int DefaultWidth = 8;
    public const int DefaultDepth = 4;
    public const string DefaultActivation = "tanh";
    public const string DefaultWeights = "gaussian(1.5)";
    public const string DefaultBiases = "gaussian(0.1)";
    public const string DefaultScaling = "1/sqrt(n)";

    public readonly Option<int> Width = new("--width") { Description = $"Random network: width N (default {DefaultWidth}).", DefaultValueFactory = _ => DefaultWidth };
    public readonly Option<int> Depth = new("--depth") { Description = $"Random network: layers L, or loops of the tied layer (default {DefaultDepth}); with --network, loops of paper A's layer (default 1).", DefaultValueFactory = _ => DefaultDepth };
    public readonly Option<string> Activation = new("--activation") { Description = $"Activation: {Maps.Activation.Names}. For --model it overrides the file's.", DefaultValueFactory = _ => DefaultActivation };
    public readonly Option<string> Weights = new("--weights") { Description = $"Random network: weight law, one of {WeightLaw.Names} (default {DefaultWeights}).", DefaultValueFactory = _ => DefaultWeights };
    public readonly Option<string> Biases = new("--biases") { Description = $"Random network: bias law (default {DefaultBiases}).", DefaultValueFactory = _ => DefaultBiases };
    public readonly Option<string> Scaling = new("--scaling") { Description = $"Random network: weight scale convention, {ScaleConventions.Names} (default {DefaultScaling}).", DefaultValueFactory = _ => DefaultScaling };
    public readonly Option<bool> Tied = new("--tied") { Description = "Random network: one layer applied --depth times (a looped network)." };
    public readonly Option<bool> Residual = new("--residual") { Description = "Random network: x ← x + g(Wx + b)." };
    public readonly Option<ulong> Seed = new("--seed") { Description = "Seed for the network and the starts (default 0).", DefaultValueFactory = _ => 0UL };
    public readonly Option<string> Model = new("--model") { Description = "A model file: safetensors (layers.{i}.weight/bias, or a PyTorch Sequential state dict with --activation), or .onnx (evaluated in float64 by the native interpreter when every op is covered, else by ONNX Runtime; with several inputs see --state, --output, --hold)." };
    public readonly Option<string> Network = new("--network") { Description = $"A built-in network: {string.Join(" or ", PaperACase.Names)} (paper A)." };
    public readonly Option<int> Dim = new("--dim") { Description = "Built-in network: dimension d (default 2).", DefaultValueFactory = _ => 2 };
    public readonly Option<double> M = new("--m") { Description = "Built-in network: m in W = (1/m²)11ᵀ + (1 − 1/m²)I (default 100).", DefaultValueFactory = _ => 100.0 };
    public readonly Option<string> SaveModel = new("--save-model") { Description = "Write the network analysed to this safetensors file." };
    public readonly Option<bool> SaveF32 = new("--save-f32") { Description = "Write --save-model in float32 instead of float64." };
    public readonly Option<string> Prefix = new("--prefix") { Description = "State dict (.pt or safetensors): the module prefix to strip, such as net. (default: the one prefix under which a known architecture sits, printed)." };
    public readonly Option<string> FinalActivation = new("--final-activation") { Description = $"State dict of an nn.Sequential: the activation after the last Linear (identity for a bare Linear), which a state dict does not record: {Maps.Activation.Names}." };

    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Width, Depth, Activation, Weights, Biases, Scaling, Tied, Residual, Seed, Model, Network, Dim, M, SaveModel, SaveF32, Prefix, FinalActivation })
            command.Options.Add(o);
    }

    /// <summary>
    /// <see cref="BuildMap"/> with the summary of the model file loaded (null for random and built-in networks): a
    /// state dict (.pt, or safetensors without Fixpoint's metadata) through <see cref="StateDictModel"/>, or whatever
    /// <see cref="BuildMap"/> builds. A recurrent cell comes back as <c>Cell</c> with no map: its held input needs
    /// values first (<see cref="HeldInputOptions"/>).
    /// </summary>
    public (IMap? Map, RecurrentCell? Cell, string Description, ModelSummary? Summary) Load(ParseResult p)
    {
        string? model = p.GetValue(Model);
        StateDictContents? dict = model is null ? null : StateDict(p, model);
        if (dict is not null)
        {
            if (dict.Cell is RecurrentCell cell)
            {
                if (p.GetValue(SaveModel) is not null) throw new UsageException("--save-model writes a Sequential network; a recurrent cell cannot be saved as one");
                return (null, cell, $"model {model} ({dict.Summary.Architecture})", dict.Summary);
            }
            if (dict.Map is not Maps.Network && p.GetValue(SaveModel) is not null) throw new UsageException("--save-model writes a network with one activation; this Sequential's last activation differs");
            return (dict.Map!, null, $"model {model} ({dict.Summary.Architecture}{(dict.Map is Maps.Network n ? ", " + Describe(n) : "")})", dict.Summary);
        }
        if (Given(p, Prefix) || Given(p, FinalActivation))
            throw new UsageException($"{(Given(p, Prefix) ? "--prefix" : "--final-activation")} applies to a state dict (.pt, or safetensors without Fixpoint's metadata)");
        (IMap map, string description) = BuildMap(p);
        if (model is null) return (map, null, description, null);
        ModelSummary summary = map switch
        {
            OnnxMap o => new ModelSummary(model, "onnx", o.Describe(), null, [], o.Dimension, [o.InputName], [], "onnxruntime",
                o.IsFloat32 ? "float32" : "float64", "estimated", []),
            Maps.Network n => new ModelSummary(model, MapFile.IsOnnx(model) ? "onnx (imported exactly as a plain MLP)" : "safetensors (Fixpoint network)", Describe(n), null,
                n.Layers.Select((l, i) => new ModelLayer($"layers.{i}", "Linear", [l.Outputs, l.Inputs], n.Activation.Name)).ToList(),
                n.Dimension, ["x"], [], "native", "float64", "exact", []),
            _ => new ModelSummary(model, "model", description, null, [], map.Dimension, ["x"], [], "native", "float64", map.HasExactJacobian ? "exact" : "estimated", []),
        };
        return (map, null, description, summary);
    }

    /// <summary>The state dict in <paramref name="model"/>, or null when the file is ONNX or one of Fixpoint's own safetensors files.</summary>
    private StateDictContents? StateDict(ParseResult p, string model)
    {
        if (MapFile.IsOnnx(model)) return null;
        bool torch = TorchStateDict.IsTorchFile(model);
        SafetensorsFile file = torch ? TorchStateDict.Read(model) : Safetensors.Read(model);
        if (!torch && StateDictModel.IsFixpointFile(file)) return null;
        CheckModelOptions(p);
        var options = new StateDictOptions(p.GetValue(Prefix),
            Given(p, Activation) ? ParseActivation(p.GetValue(Activation)!) : null,
            p.GetValue(FinalActivation) is string f ? ParseFinal(f) : null);
        return StateDictModel.FromTensors(file, model, torch ? "torch.save zip" : "safetensors state dict", options);
    }

    private static Activation ParseFinal(string s)
    {
        try { return Maps.Activation.Parse(s); }
        catch (FormatException e) { throw new UsageException($"--final-activation: {e.Message}"); }
    }

    internal static bool Given(ParseResult p, Option o) => p.GetResult(o) is OptionResult { Implicit: false };

    /// <summary>
    /// Builds the map the options describe, with a one-line description for reports: an ONNX model
    /// through the native interpreter (exact Jacobian) or ONNX Runtime (estimated; the caller disposes it), or the network of <see cref="Build"/>.
    /// </summary>
    public (IMap Map, string Description) BuildMap(ParseResult p)
    {
        string? model = p.GetValue(Model);
        if (model is null || !MapFile.IsOnnx(model)) return Build(p);
        CheckOnnxOptions(p);
        OnnxModelFile file = OnnxModelFile.Open(model);
        if (file.Model.HeldInputs.Count > 0)
        {
            file.Dispose();
            throw new UsageException($"{model}: the model holds inputs ({string.Join(", ", file.Model.HeldInputs.Select(h => h.Name))}); give their values with --hold NAME=v1,v2,...");
        }
        // The native map needs no disposing; ONNX Runtime's is the map itself, which the caller disposes.
        return (file.Model.Bind([]), file.Description);
    }

    /// <summary>The options an ONNX model refuses (random-network options, --activation, --save-model), checked before it is opened.</summary>
    public void CheckOnnxOptions(ParseResult p)
    {
        CheckModelOptions(p);
        if (Given(p, Activation)) throw new UsageException("--activation does not apply to an ONNX model (the graph computes its own activations)");
        if (p.GetValue(SaveModel) is not null) throw new UsageException($"--save-model needs a native network; for an ONNX plain MLP use: fixpoint import {p.GetValue(Model)} --out FILE.safetensors");
    }

    /// <summary>
    /// Builds the network the options describe, with a one-line description for reports. An ONNX model
    /// is imported exactly when it is a plain MLP; otherwise the verb cannot run on it and the error says
    /// so (<see cref="MapFile.ExactModelRequired"/>).
    /// </summary>
    public (Network Network, string Description) Build(ParseResult p)
    {
        string? model = p.GetValue(Model);
        string? builtIn = p.GetValue(Network);
        Option[] randomOnly = [Width, Weights, Biases, Scaling, Tied, Residual];
        if (model is not null && builtIn is not null) throw new UsageException("--model and --network cannot be used together");
        if (model is not null || builtIn is not null)
        {
            var clash = randomOnly.FirstOrDefault(o => Given(p, o));
            if (clash is not null) throw new UsageException($"{clash.Name} applies to random networks only, not with {(model is not null ? "--model" : "--network")}");
        }
        if (builtIn is null && (Given(p, Dim) || Given(p, M))) throw new UsageException($"{(Given(p, Dim) ? "--dim" : "--m")} applies to --network only");

        Network net;
        string description;
        if (model is not null && MapFile.IsOnnx(model))
        {
            CheckModelOptions(p);
            if (Given(p, Activation)) throw new UsageException("--activation does not apply to an ONNX model (the graph computes its own activations)");
            OnnxImportResult imported = OnnxImport.Import(model);
            if (imported.Network is null)
                throw new UsageException(MapFile.ExactModelRequired(p.CommandResult.Command.Name, model, imported.Refusal!));
            net = imported.Network;
            description = $"model {model} (imported exactly: {Describe(net)})";
        }
        else if (model is not null && StateDict(p, model) is { } dict)
        {
            net = dict.Map as Maps.Network ?? throw new UsageException(
                $"fixpoint {p.CommandResult.Command.Name} needs a network with one activation throughout; {model} is {dict.Summary.Architecture}" +
                (dict.Cell is not null ? "" : $" with a last activation that differs") + "; census and eval work on it");
            description = $"model {model} ({dict.Summary.Architecture}, {Describe(net)})";
        }
        else if (model is not null)
        {
            if (Given(p, Depth)) throw new UsageException("--depth does not apply to --model (the file says its depth)");
            Activation? act = Given(p, Activation) ? ParseActivation(p.GetValue(Activation)!) : null;
            net = ModelFile.Load(model, act, InputLimits.Budget(p));
            description = $"model {model} ({Describe(net)})";
        }
        else if (builtIn is not null)
        {
            PaperACase paper = PaperACase.Find(builtIn) ?? throw new UsageException($"unknown --network '{builtIn}'; known: {string.Join(", ", PaperACase.Names)}");
            if (Given(p, Activation)) throw new UsageException("--activation does not apply to --network (paper A's networks fix it)");
            int d = p.GetValue(Dim);
            double m = p.GetValue(M);
            if (d < 1) throw new UsageException($"--dim must be ≥ 1 (got {d})");
            if (!(m > 0) || !double.IsFinite(m)) throw new UsageException($"--m must be > 0 (got {m.ToString(CultureInfo.InvariantCulture)})");
            int depth = Given(p, Depth) ? p.GetValue(Depth) : 1;
            if (depth < 1) throw new UsageException($"--depth must be ≥ 1 (got {depth})");
            net = paper.Create(d, m, depth);
            description = $"{builtIn} d={d} m={m.ToString(CultureInfo.InvariantCulture)} depth={depth}";
        }
        else
        {
            int width = p.GetValue(Width), depth = p.GetValue(Depth);
            if (width < 1) throw new UsageException($"--width must be ≥ 1 (got {width})");
            if (depth < 1) throw new UsageException($"--depth must be ≥ 1 (got {depth})");
            InputLimits.CheckRandomNetwork(p, width, depth, p.GetValue(Tied));
            var spec = new RandomNetworkSpec(width, depth, ParseActivation(p.GetValue(Activation)!),
                ParseLaw("--weights", p.GetValue(Weights)!), ParseLaw("--biases", p.GetValue(Biases)!),
                ParseScaling(p.GetValue(Scaling)!), p.GetValue(Tied), p.GetValue(Residual), p.GetValue(Seed));
            net = spec.Build();
            description = $"random N={width} L={depth} {spec.Activation.Name} weights {spec.Weights.Name} biases {spec.Biases.Name} scaling {spec.Scaling.Name()}{(spec.Tied ? " tied" : "")}{(spec.Residual ? " residual" : "")} seed {spec.Seed}";
        }
        return (net, description);
    }

    /// <summary>Writes <paramref name="network"/> to --save-model when given (in float32 with --save-f32); the verb calls it once it has its network.</summary>
    public void Save(ParseResult p, Network network)
    {
        string? save = p.GetValue(SaveModel);
        if (save is not null) ModelFile.Save(network, save, p.GetValue(SaveF32));
    }

    private void CheckModelOptions(ParseResult p)
    {
        if (p.GetValue(Network) is not null) throw new UsageException("--model and --network cannot be used together");
        Option[] notForModels = [Width, Weights, Biases, Scaling, Tied, Residual, Dim, M];
        var clash = notForModels.FirstOrDefault(o => Given(p, o));
        if (clash is not null) throw new UsageException($"{clash.Name} does not apply to --model");
        if (Given(p, Depth)) throw new UsageException("--depth does not apply to --model (the file says its depth)");
    }

    public static string Describe(Network n) =>
        $"N={n.Dimension} depth={n.Depth} {n.Activation.Name}{(n.Tied ? " tied" : "")}{(n.Residual ? " residual" : "")}";

    private static Activation ParseActivation(string s)
    {
        try { return Maps.Activation.Parse(s); }
        catch (FormatException e) { throw new UsageException($"--activation: {e.Message}"); }
    }

    private static WeightLaw ParseLaw(string option, string s)
    {
        try { return WeightLaw.Parse(s); }
        catch (FormatException e) { throw new UsageException($"{option}: {e.Message}"); }
    }

    private static ScaleConvention ParseScaling(string s)
    {
        try { return ScaleConventions.Parse(s); }
        catch (FormatException e) { throw new UsageException($"--scaling: {e.Message}"); }
    }
}
