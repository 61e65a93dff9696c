using System.Globalization;
using Fixpoint.Maps;
using Fixpoint.Onnx;

namespace Fixpoint.IO;

/// <summary>What exact import made of an ONNX graph: a native network, or the reason it is not a plain MLP.</summary>
/// <param name="Network">The network, when the graph is a plain MLP.</param>
/// <param name="Refusal">Why the graph is not a plain MLP (names the node and its op), when <see cref="Network"/> is null.</param>
/// <param name="Float32">True when every weight was stored as float32 (so a float32 safetensors file holds them exactly).</param>
public sealed record OnnxImportResult(Network? Network, string? Refusal, bool Float32)
{
    public bool IsExact => Network is not null;
}

/// <summary>
/// Exact import of plain MLPs from ONNX: a chain from the single input to the single output of
/// <c>Gemm</c> (transA = 0, transB = 0 or 1, alpha, beta) or <c>MatMul</c> with a constant weight,
/// optionally <c>Add</c> of a constant bias, then one activation — <c>Tanh</c>, <c>Sigmoid</c>,
/// <c>Relu</c>, <c>LeakyRelu</c>(alpha), <c>Softplus</c>, <c>Sin</c> — the same after every layer
/// (a graph with no activation at all imports with the identity). <c>Identity</c> nodes are passed
/// through. Weights come from initializers or <c>Constant</c> nodes (float, double, float16,
/// bfloat16; raw_data or the typed fields). Float attributes (alpha, beta) are read as the shortest
/// decimal that gives back the stored float, so <c>LeakyRelu(alpha = 0.1)</c> becomes
/// <c>leaky-relu(0.1)</c>; weights are kept exactly.
/// </summary>
public static class OnnxImport
{
    /// <summary>The ONNX ops exact import understands, for messages.</summary>
    public const string SupportedOps = "Gemm, MatMul, Add, Tanh, Sigmoid, Relu, LeakyRelu, Softplus, Sin and Identity";

    /// <summary>Reads <paramref name="path"/> and imports it; a file that is not ONNX throws <see cref="ModelFormatException"/>.</summary>
    public static OnnxImportResult Import(string path)
    {
        OnnxModel model;
        try { model = OnnxModel.Read(path); }
        catch (OnnxFormatException e) { throw new ModelFormatException(e.Message); }
        return Import(model, path);
    }

    public static OnnxImportResult Import(OnnxModel model, string path)
    {
        try
        {
            return new Importer(model.Graph).Run();
        }
        catch (RefusedException e)
        {
            return new OnnxImportResult(null, e.Message, false);
        }
        catch (ArgumentException e)
        {
            // The layers refuse what the folding produced: finite weights whose alpha or beta scaling overflows to ±∞.
            return new OnnxImportResult(null, $"the folded layers are not a network: {e.Message.Split(" (Parameter")[0]}", false);
        }
    }

    private sealed class RefusedException(string message) : Exception(message);

    private sealed class Importer(OnnxGraph graph)
    {
        private readonly Dictionary<string, OnnxTensor> _constants = new(StringComparer.Ordinal);
        private bool _allFloat32 = true;

        public OnnxImportResult Run()
        {
            foreach (OnnxTensor t in graph.Initializers) _constants[t.Name] = t;
            foreach (OnnxNode n in graph.Nodes.Where(n => n.OpType == "Constant" && IsDefaultDomain(n)))
            {
                if (n.Outputs.Count == 1 && n.Attributes.TryGetValue("value", out OnnxAttribute? v) && v.T is not null)
                    _constants[n.Outputs[0]] = v.T with { Name = n.Outputs[0] };
                else throw new RefusedException($"node {n.Label} is a Constant without a tensor 'value'");
            }
            var inputs = graph.Inputs.Where(i => !_constants.ContainsKey(i.Name)).ToList();
            if (inputs.Count != 1) throw new RefusedException($"the graph has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => i.Name))}); a map needs exactly one");
            if (graph.Outputs.Count != 1) throw new RefusedException($"the graph has {graph.Outputs.Count} outputs; a map needs exactly one");
            string input = inputs[0].Name, output = graph.Outputs[0].Name;

            var consumers = new Dictionary<string, List<OnnxNode>>(StringComparer.Ordinal);
            foreach (OnnxNode n in graph.Nodes.Where(n => n.OpType != "Constant"))
                foreach (string i in n.Inputs.Where(i => i.Length > 0).Distinct())
                {
                    if (!consumers.TryGetValue(i, out var list)) consumers[i] = list = [];
                    list.Add(n);
                }

            var layers = new List<(DenseLayer Layer, OnnxNode Node, string? Activation)>();
            Pending? pending = null;
            var visited = new HashSet<OnnxNode>(ReferenceEqualityComparer.Instance);
            string cur = input;
            while (cur != output)
            {
                if (!consumers.TryGetValue(cur, out var next) || next.Count == 0)
                    throw new RefusedException($"tensor '{cur}' is used by no node and is not the graph output");
                if (next.Count > 1)
                    throw new RefusedException($"tensor '{cur}' feeds {next.Count} nodes ({string.Join(", ", next.Select(n => n.Label))}): the graph is not a chain");
                OnnxNode node = next[0];
                if (!visited.Add(node)) throw new RefusedException($"node {node.Label} is reached twice");
                if (!IsDefaultDomain(node)) throw new RefusedException($"node {node.Label} is from domain '{node.Domain}'; only standard ONNX ops ({SupportedOps}) import exactly");
                if (node.Outputs.Count < 1) throw new RefusedException($"node {node.Label} has no output");
                switch (node.OpType)
                {
                    case "Gemm":
                    case "MatMul":
                        if (pending is { Activation: null })
                            throw new RefusedException($"node {node.Label} follows node {pending.Node.Label} with no activation between them; Fixpoint networks apply one activation after every layer");
                        Flush(layers, ref pending);
                        pending = node.OpType == "Gemm" ? Gemm(node, cur) : MatMul(node, cur);
                        if (layers.Count > 0 && pending.Inputs != layers[^1].Layer.Outputs)
                            throw new RefusedException($"node {node.Label} reads {pending.Inputs} numbers but the layer before writes {layers[^1].Layer.Outputs}");
                        break;
                    case "Add":
                        if (pending is null || pending.Activation is not null)
                            throw new RefusedException($"node {node.Label} adds to a tensor that no Gemm or MatMul made just before; only a bias right after a layer imports exactly");
                        AddBias(node, cur, pending);
                        break;
                    case "Identity":
                        break;
                    default:
                        string? act = ActivationOf(node);
                        if (act is null)
                            throw new RefusedException($"node {node.Label} is not part of a plain MLP; exact import understands {SupportedOps}");
                        if (node.Inputs.Count != 1) throw new RefusedException($"node {node.Label} has {node.Inputs.Count} inputs, expected 1");
                        if (pending is null)
                            throw new RefusedException($"node {node.Label} applies {node.OpType} to a tensor that no Gemm or MatMul made; Fixpoint layers are g(Wx + b)");
                        if (pending.Activation is not null)
                            throw new RefusedException($"node {node.Label} applies a second activation after node {pending.Node.Label}; Fixpoint layers have one");
                        pending.Activation = act;
                        break;
                }
                cur = node.Outputs[0];
            }
            Flush(layers, ref pending);
            OnnxNode? stray = graph.Nodes.FirstOrDefault(n => n.OpType != "Constant" && !visited.Contains(n));
            if (stray is not null) throw new RefusedException($"node {stray.Label} is not on the chain from the input to the output");
            if (layers.Count == 0) throw new RefusedException("the graph has no Gemm or MatMul layer");

            var acts = layers.Select(l => l.Activation).ToList();
            string activationName;
            if (acts.All(a => a is null)) activationName = "identity";
            else
            {
                int bare = acts.FindIndex(a => a is null);
                if (bare >= 0)
                    throw new RefusedException($"node {layers[bare].Node.Label} has no activation after it while other layers do; Fixpoint networks apply one activation after every layer (a final linear layer does not import)");
                string first = acts[0]!;
                int other = acts.FindIndex(a => a != first);
                if (other >= 0)
                    throw new RefusedException($"layers use different activations ({first} after node {layers[0].Node.Label}, {acts[other]} after node {layers[other].Node.Label}); Fixpoint networks apply one activation to every layer");
                activationName = first;
            }
            var ls = layers.Select(l => l.Layer).ToList();
            if (ls[0].Inputs != ls[^1].Outputs)
                throw new RefusedException($"the network is not square: it reads {ls[0].Inputs} numbers and writes {ls[^1].Outputs}");
            CheckInputShape(inputs[0], ls[0].Inputs);
            return new OnnxImportResult(new Network(ls, Activation.Parse(activationName)), null, _allFloat32);
        }

        private static void CheckInputShape(OnnxValueInfo input, int n)
        {
            if (input.Shape is null) return;
            OnnxDimension? last = input.Shape.Count switch
            {
                1 or 2 => input.Shape[^1],
                _ => throw new RefusedException($"input '{input.Name}' has rank {input.Shape.Count}; a plain MLP reads [batch, N] or [N]"),
            };
            if (last.Value is long v && v != n)
                throw new RefusedException($"input '{input.Name}' has {v} features but the first layer reads {n}");
        }

        private sealed class Pending(OnnxNode node, int inputs, int outputs, double[] weight, double[] bias)
        {
            public OnnxNode Node { get; } = node;
            public int Inputs { get; } = inputs;
            public int Outputs { get; } = outputs;
            public double[] Weight { get; } = weight;
            public double[] Bias { get; } = bias;
            public string? Activation { get; set; }
        }

        private static void Flush(List<(DenseLayer, OnnxNode, string?)> layers, ref Pending? p)
        {
            if (p is null) return;
            layers.Add((new DenseLayer(p.Inputs, p.Outputs, p.Weight, p.Bias), p.Node, p.Activation));
            p = null;
        }

        private Pending Gemm(OnnxNode node, string cur)
        {
            if (node.Inputs.Count < 2 || node.Inputs[0] != cur)
                throw new RefusedException($"node {node.Label} does not take the running tensor '{cur}' as its first input A");
            if (Int(node, "transA", 0) != 0) throw new RefusedException($"node {node.Label} has transA = 1; only x·Bᵀ or x·B with x as rows imports");
            long transB = Int(node, "transB", 0);
            double alpha = Float(node, "alpha", 1.0), beta = Float(node, "beta", 1.0);
            OnnxTensor b = Constant(node, node.Inputs[1], "B");
            if (b.Dims.Length != 2) throw new RefusedException($"node {node.Label}: weight '{b.Name}' has shape {b.ShapeText}, expected 2-D");
            // transB = 1: B is [out, in] (nn.Linear's layout, W itself); transB = 0: B is [in, out] and W = Bᵀ.
            int outputs = (int)(transB != 0 ? b.Dims[0] : b.Dims[1]);
            int inputs = (int)(transB != 0 ? b.Dims[1] : b.Dims[0]);
            double[] w = Weight(b, inputs, outputs, transB != 0, alpha);
            var bias = new double[outputs];
            if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
            {
                OnnxTensor c = Constant(node, node.Inputs[2], "C");
                double[] cv = Broadcast(node, c, outputs);
                for (int o = 0; o < outputs; o++) bias[o] = beta * cv[o];
            }
            return new Pending(node, inputs, outputs, w, bias);
        }

        private Pending MatMul(OnnxNode node, string cur)
        {
            if (node.Inputs.Count != 2 || node.Inputs[0] != cur)
                throw new RefusedException($"node {node.Label} does not compute '{cur}' × W with a constant W");
            OnnxTensor b = Constant(node, node.Inputs[1], "B");
            if (b.Dims.Length != 2) throw new RefusedException($"node {node.Label}: weight '{b.Name}' has shape {b.ShapeText}, expected 2-D [in, out]");
            int inputs = (int)b.Dims[0], outputs = (int)b.Dims[1];
            return new Pending(node, inputs, outputs, Weight(b, inputs, outputs, false, 1.0), new double[outputs]);
        }

        private void AddBias(OnnxNode node, string cur, Pending p)
        {
            if (node.Inputs.Count != 2) throw new RefusedException($"node {node.Label} has {node.Inputs.Count} inputs, expected 2");
            string other = node.Inputs[0] == cur ? node.Inputs[1] : node.Inputs[1] == cur ? node.Inputs[0]
                : throw new RefusedException($"node {node.Label} does not read '{cur}'");
            if (other == cur) throw new RefusedException($"node {node.Label} adds '{cur}' to itself");
            OnnxTensor c = Constant(node, other, "bias");
            double[] cv = Broadcast(node, c, p.Outputs);
            for (int o = 0; o < p.Outputs; o++) p.Bias[o] += cv[o];
        }

        /// <summary>W as out × in row-major, times <paramref name="scale"/>; <paramref name="outByIn"/>: the tensor is already [out, in].</summary>
        private static double[] Weight(OnnxTensor t, int inputs, int outputs, bool outByIn, double scale)
        {
            double[] d = t.Data!;
            var w = new double[inputs * outputs];
            for (int o = 0; o < outputs; o++)
                for (int i = 0; i < inputs; i++)
                    w[o * inputs + i] = scale * (outByIn ? d[o * inputs + i] : d[i * outputs + o]);
            return w;
        }

        /// <summary>A bias of shape [out], [1, out], [1] or [] broadcast to <paramref name="outputs"/> values.</summary>
        private static double[] Broadcast(OnnxNode node, OnnxTensor c, int outputs)
        {
            double[] d = c.Data!;
            bool scalar = d.Length == 1 && c.Dims.All(x => x == 1);
            bool row = d.Length == outputs && c.Dims.Length >= 1 && c.Dims[^1] == outputs && c.Dims.Take(c.Dims.Length - 1).All(x => x == 1);
            if (scalar) return Enumerable.Repeat(d[0], outputs).ToArray();
            if (row) return d;
            throw new RefusedException($"node {node.Label}: bias '{c.Name}' has shape {c.ShapeText}, which does not broadcast to one value per output ({outputs})");
        }

        private OnnxTensor Constant(OnnxNode node, string name, string role)
        {
            if (!_constants.TryGetValue(name, out OnnxTensor? t))
                throw new RefusedException($"node {node.Label}: its {role} '{name}' is computed, not a constant; only constant weights import exactly");
            if (t.External) throw new RefusedException($"node {node.Label}: '{name}' is stored outside the .onnx file (external data); save the model with its weights inside");
            if (t.Data is null || t.DataType is OnnxDataType.Int32 or OnnxDataType.Int64)
                throw new RefusedException($"node {node.Label}: '{name}' has element type {t.DataType}; exact import reads float, double, float16 and bfloat16 weights");
            if (t.DataType != OnnxDataType.Float) _allFloat32 = false;
            for (int i = 0; i < t.Data.Length; i++)
                if (!double.IsFinite(t.Data[i]))
                    throw new RefusedException($"node {node.Label}: '{name}' holds a non-finite value ({t.Data[i].ToString(CultureInfo.InvariantCulture)}) at flat index {i}");
            return t;
        }

        private static string? ActivationOf(OnnxNode node) => node.OpType switch
        {
            "Tanh" => "tanh",
            "Sigmoid" => "logistic",
            "Relu" => "relu",
            "LeakyRelu" => $"leaky-relu({Float(node, "alpha", 0.01).ToString("R", CultureInfo.InvariantCulture)})",
            "Softplus" => "softplus",
            "Sin" => "sin",
            _ => null,
        };

        private static long Int(OnnxNode node, string name, long fallback) =>
            node.Attributes.TryGetValue(name, out OnnxAttribute? a) && a.I is long v ? v : fallback;

        /// <summary>A float attribute as the shortest decimal that round-trips the stored float32 (0.1f → 0.1).</summary>
        private static double Float(OnnxNode node, string name, double fallback) =>
            node.Attributes.TryGetValue(name, out OnnxAttribute? a) && a.F is float v
                ? double.Parse(v.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
                : fallback;

        private static bool IsDefaultDomain(OnnxNode n) => n.Domain is "" or "ai.onnx";
    }
}
