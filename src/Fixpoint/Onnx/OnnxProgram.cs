namespace Fixpoint.Onnx;

/// <summary>A graph input or output as the interpreter sees it: its name and its shape for one point (batch dimension 1).</summary>
public sealed record OnnxPort(string Name, int[] Shape)
{
    public int Size => OnnxShape.Count(Shape);

    public string ShapeText => OnnxShape.Text(Shape);
}

/// <summary>
/// An ONNX graph compiled for the float64 interpreter. Compilation runs the graph once: every node whose inputs
/// do not depend on the graph's (free) inputs is evaluated then and kept as a constant — initializers, Constant
/// nodes and the Shape/Gather/Concat/Reshape arithmetic of exporters fold away, and so does everything computed
/// from a held input bound at compile time — and what is left is the list of steps a run executes.
/// A graph the interpreter does not cover does not compile, and <see cref="Compile"/> names the op that stopped it.
/// Runs are independent (no shared mutable state), so one program serves every thread.
/// </summary>
public sealed class OnnxProgram
{
    private readonly OnnxNode[] _nodes;
    private readonly int[][] _nodeInputs;
    private readonly int[][] _nodeOutputs;
    private readonly Val?[] _constants;
    private readonly int[] _inputIds;
    private readonly int[] _outputIds;
    private readonly int _values;

    private OnnxProgram(OnnxNode[] nodes, int[][] ins, int[][] outs, Val?[] constants, int[] inputIds, int[] outputIds,
        IReadOnlyList<OnnxPort> inputs, IReadOnlyList<OnnxPort> outputs)
    {
        _nodes = nodes;
        _nodeInputs = ins;
        _nodeOutputs = outs;
        _constants = constants;
        _values = constants.Length;
        _inputIds = inputIds;
        _outputIds = outputIds;
        Inputs = inputs;
        Outputs = outputs;
    }

    /// <summary>The free inputs (graph inputs that are not initializers and not bound), in graph order.</summary>
    public IReadOnlyList<OnnxPort> Inputs { get; }

    /// <summary>The graph outputs, in graph order.</summary>
    public IReadOnlyList<OnnxPort> Outputs { get; }

    /// <summary>Nodes that run per evaluation (the rest were folded).</summary>
    public int Steps => _nodes.Length;

    /// <summary>The ops of the native set, comma-separated.</summary>
    public static string CoveredOps => string.Join(", ", OnnxOperators.Covered);

    /// <summary>
    /// Compiles <paramref name="graph"/>; <paramref name="bound"/> gives values (one point's worth, graph order) for inputs
    /// that are to be folded as constants. Returns null with the reason (the op, or the variant of a covered op) when
    /// the graph is outside the native set.
    /// </summary>
    public static OnnxProgram? Compile(OnnxGraph graph, IReadOnlyDictionary<string, double[]>? bound, out string? unsupported)
    {
        ArgumentNullException.ThrowIfNull(graph);
        unsupported = null;
        try
        {
            return CompileCore(graph, bound ?? new Dictionary<string, double[]>());
        }
        catch (UnsupportedOnnxException e)
        {
            unsupported = e.Message;
            return null;
        }
    }

    /// <summary>The shape of a graph input for one point: a symbolic or unknown first dimension (the batch) is 1.</summary>
    public static int[]? PointShape(OnnxValueInfo info, out string? why)
    {
        why = null;
        if (info.Shape is null) { why = $"input '{info.Name}' has no shape"; return null; }
        var shape = new int[info.Shape.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            long? v = info.Shape[i].Value;
            if (v is null or <= 0)
            {
                if (i == 0 && shape.Length >= 2) { shape[i] = 1; continue; }
                why = $"input '{info.Name}' has an unknown dimension {i}";
                return null;
            }
            if (i == 0 && shape.Length >= 2 && v != 1) { why = $"input '{info.Name}' fixes its batch dimension at {v}"; return null; }
            shape[i] = (int)v;
        }
        return shape;
    }

    private static OnnxProgram CompileCore(OnnxGraph graph, IReadOnlyDictionary<string, double[]> bound)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        int Id(string name) => ids.TryGetValue(name, out int i) ? i : ids[name] = ids.Count;
        var known = new Dictionary<int, Val>();
        var inits = new HashSet<string>(StringComparer.Ordinal);
        foreach (OnnxTensor t in graph.Initializers)
        {
            if (t.External) throw new UnsupportedOnnxException($"initializer '{t.Name}' with external data");
            if (t.Data is null) throw new UnsupportedOnnxException($"initializer '{t.Name}' of type {t.DataType}");
            known[Id(t.Name)] = Val.Const(OnnxOperators.Dims(t.Dims), t.Data);
            inits.Add(t.Name);
        }
        var inputs = new List<OnnxPort>();
        var inputIds = new List<int>();
        foreach (OnnxValueInfo info in graph.Inputs)
        {
            if (inits.Contains(info.Name)) continue;
            if (info.ElementType is not (OnnxDataType.Float or OnnxDataType.Double or OnnxDataType.Float16 or OnnxDataType.BFloat16))
                throw new UnsupportedOnnxException($"input '{info.Name}' of type {info.ElementType}");
            int[] shape = PointShape(info, out string? why) ?? throw new UnsupportedOnnxException(why!);
            int id = Id(info.Name);
            if (bound.TryGetValue(info.Name, out double[]? values))
            {
                if (values.Length != OnnxShape.Count(shape)) throw new ArgumentException($"input '{info.Name}' takes {OnnxShape.Count(shape)} values, got {values.Length}");
                known[id] = Val.Const(shape, values);
                continue;
            }
            known[id] = new Val(shape, new double[OnnxShape.Count(shape)], 1, true);
            inputs.Add(new OnnxPort(info.Name, shape));
            inputIds.Add(id);
        }
        var steps = new List<OnnxNode>();
        var stepIns = new List<int[]>();
        var stepOuts = new List<int[]>();
        var probe = new OnnxContext(1, 0);
        foreach (OnnxNode node in graph.Nodes)
        {
            int[] ins = [.. node.Inputs.Select(n => n.Length == 0 ? -1 : Id(n))];
            int[] outs = [.. node.Outputs.Select(n => n.Length == 0 ? -1 : Id(n))];
            var vin = new Val?[ins.Length];
            for (int i = 0; i < ins.Length; i++)
                vin[i] = ins[i] < 0 ? null : known.TryGetValue(ins[i], out Val? v) ? v : throw new UnsupportedOnnxException($"{node.OpType} reads '{node.Inputs[i]}', which nothing computes");
            var vout = new Val?[outs.Length];
            try
            {
                OnnxOperators.Run(node, vin, new Val?[ins.Length], probe, vout, new Val?[outs.Length]);
            }
            catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidOperationException or OverflowException)
            {
                throw new UnsupportedOnnxException($"{node.OpType} ({node.Label}) on inputs {string.Join(", ", vin.Select(v => v is null ? "-" : OnnxShape.Text(v.Shape)))}: {e.Message}");
            }
            bool varies = vin.Any(v => v is { Varies: true });
            for (int o = 0; o < outs.Length; o++)
            {
                if (outs[o] < 0) continue;
                known[outs[o]] = vout[o] ?? throw new UnsupportedOnnxException($"{node.OpType} without its output {o}");
            }
            if (varies)
            {
                steps.Add(node);
                stepIns.Add(ins);
                stepOuts.Add(outs);
            }
        }
        var outputs = new List<OnnxPort>();
        var outputIds = new List<int>();
        foreach (OnnxValueInfo o in graph.Outputs)
        {
            if (!ids.TryGetValue(o.Name, out int id) || !known.TryGetValue(id, out Val? v)) throw new UnsupportedOnnxException($"output '{o.Name}', which nothing computes");
            outputs.Add(new OnnxPort(o.Name, v.Shape));
            outputIds.Add(id);
        }
        var constants = new Val?[ids.Count];
        foreach (var (id, v) in known)
            if (!v.Varies) constants[id] = v;
        return new OnnxProgram([.. steps], [.. stepIns], [.. stepOuts], constants, [.. inputIds], [.. outputIds], inputs, outputs);
    }

    /// <summary>
    /// One run over <paramref name="points"/> lanes. <paramref name="inputs"/>[i] holds the values of free input i for
    /// every lane (points × size), or one point's values (size) for an input that is the same in every lane;
    /// <paramref name="tangents"/>[i], when not null, its tangents (points × k × size, k = <paramref name="tangentsPerPoint"/>).
    /// Returns, per output, its values (points × size) and its tangents (points × k × size, or null when zero).
    /// </summary>
    public (double[] Values, double[]? Tangents)[] Run(IReadOnlyList<double[]> inputs, IReadOnlyList<double[]?>? tangents, int points, int tangentsPerPoint)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != Inputs.Count) throw new ArgumentException($"the program has {Inputs.Count} inputs, got {inputs.Count}");
        var c = new OnnxContext(points, tangentsPerPoint);
        var env = new Val?[_values];
        var tenv = new Val?[_values];
        Array.Copy(_constants, env, _values);
        for (int i = 0; i < inputs.Count; i++)
        {
            int size = Inputs[i].Size;
            double[] data = inputs[i];
            if (data.Length != size * points && data.Length != size) throw new ArgumentException($"input '{Inputs[i].Name}' needs {size} or {points} × {size} values");
            env[_inputIds[i]] = data.Length == size * points ? new Val(Inputs[i].Shape, data, points, true) : new Val(Inputs[i].Shape, data, 1, false);
            if (tangents is not null && i < tangents.Count && tangents[i] is { } t)
            {
                if (t.Length != c.TangentLanes * size) throw new ArgumentException($"tangents of input '{Inputs[i].Name}' need {c.TangentLanes} × {size} values");
                tenv[_inputIds[i]] = new Val(Inputs[i].Shape, t, c.TangentLanes, true);
            }
        }
        for (int s = 0; s < _nodes.Length; s++)
        {
            int[] ins = _nodeInputs[s], outs = _nodeOutputs[s];
            var vin = new Val?[ins.Length];
            var tin = new Val?[ins.Length];
            for (int i = 0; i < ins.Length; i++)
                if (ins[i] >= 0) { vin[i] = env[ins[i]]; tin[i] = tenv[ins[i]]; }
            var vout = new Val?[outs.Length];
            var tout = new Val?[outs.Length];
            OnnxOperators.Run(_nodes[s], vin, tin, c, vout, tout);
            for (int o = 0; o < outs.Length; o++)
                if (outs[o] >= 0) { env[outs[o]] = vout[o]; tenv[outs[o]] = tout[o]; }
        }
        var result = new (double[], double[]?)[_outputIds.Length];
        for (int o = 0; o < result.Length; o++)
        {
            Val v = env[_outputIds[o]]!;
            double[] values = new double[points * v.Size];
            for (int l = 0; l < points; l++) v.Lane(l).CopyTo(values.AsSpan(l * v.Size, v.Size));
            double[]? tv = null;
            if (tenv[_outputIds[o]] is { } t)
            {
                tv = new double[c.TangentLanes * v.Size];
                t.Data.AsSpan(0, tv.Length).CopyTo(tv);
            }
            result[o] = (values, tv);
        }
        return result;
    }
}
