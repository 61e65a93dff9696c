using Fixpoint.Maps;

namespace Fixpoint.Onnx;

/// <summary>Which graph inputs are the state and which outputs are its next value (names; null picks the default).</summary>
public sealed record OnnxSelection(IReadOnlyList<string>? State = null, IReadOnlyList<string>? Outputs = null)
{
    public static readonly OnnxSelection Default = new();
}

/// <summary>
/// The roles of a graph's inputs and outputs: the state inputs (concatenated in this order into x), the outputs
/// (concatenated into F(x), of the same total size) and the held inputs (every other input).
/// </summary>
public sealed record OnnxSignature(IReadOnlyList<OnnxPort> State, IReadOnlyList<OnnxPort> Outputs, IReadOnlyList<OnnxPort> Held)
{
    public int Dimension => State.Sum(p => p.Size);

    /// <summary>
    /// Picks the roles. Defaults: the state is the only input whose shape matches an output's; the output is the only
    /// output, or the only one whose shape matches the state's. Throws <see cref="OnnxFormatException"/> naming
    /// <paramref name="path"/> and the option to give when the choice is ambiguous or the sizes differ.
    /// </summary>
    public static OnnxSignature Choose(string path, IReadOnlyList<OnnxPort> inputs, IReadOnlyList<OnnxPort> outputs, OnnxSelection selection)
    {
        ArgumentNullException.ThrowIfNull(selection);
        string Ports(IEnumerable<OnnxPort> ps) => string.Join(", ", ps.Select(p => $"{p.Name} {p.ShapeText}"));
        if (inputs.Count == 0) throw new OnnxFormatException($"{path}: the model has no inputs");
        List<OnnxPort> state;
        if (selection.State is { Count: > 0 } names)
            state = [.. names.Select(n => inputs.FirstOrDefault(p => p.Name == n) ?? throw new OnnxFormatException($"{path}: --state {n}: no such input (inputs: {Ports(inputs)})"))];
        else if (inputs.Count == 1) state = [inputs[0]];
        else
        {
            var matching = inputs.Where(i => outputs.Any(o => OnnxShape.SameShape(o.Shape, i.Shape))).ToList();
            if (matching.Count != 1)
                throw new OnnxFormatException($"{path}: the model has inputs {Ports(inputs)}; {(matching.Count == 0 ? "none" : "more than one")} matches an output in shape, so give the state with --state NAME[,NAME]");
            state = matching;
        }
        if (state.Distinct().Count() != state.Count) throw new OnnxFormatException($"{path}: --state names an input twice");
        List<OnnxPort> outs;
        if (selection.Outputs is { Count: > 0 } onames)
            outs = [.. onames.Select(n => outputs.FirstOrDefault(p => p.Name == n) ?? throw new OnnxFormatException($"{path}: --output {n}: no such output (outputs: {Ports(outputs)})"))];
        else if (outputs.Count == 1) outs = [outputs[0]];
        else
        {
            var matching = state.Count == 1 ? outputs.Where(o => OnnxShape.SameShape(o.Shape, state[0].Shape)).ToList() : [];
            if (matching.Count != 1)
                throw new OnnxFormatException($"{path}: the model has outputs {Ports(outputs)}; give the ones that are the next state with --output NAME[,NAME]");
            outs = matching;
        }
        int n = state.Sum(p => p.Size), m = outs.Sum(p => p.Size);
        if (n != m)
            throw new OnnxFormatException($"{path}: the state ({Ports(state)}) has {n} values but the output ({Ports(outs)}) has {m}; a map needs equal sizes");
        return new OnnxSignature(state, outs, [.. inputs.Where(i => !state.Contains(i))]);
    }
}

/// <summary>
/// An ONNX graph run by the float64 interpreter (<see cref="OnnxProgram"/>) as a model F(x; u): the state inputs are
/// iterated, the held inputs bound (<see cref="Bind"/>). Float32 initializers are widened exactly and all arithmetic
/// is float64; Jacobians are exact (forward mode), and so is ∂F/∂u.
/// </summary>
public sealed class OnnxNativeModel : IConditionedModel
{
    private readonly OnnxGraph _graph;
    private readonly OnnxProgram _free;

    private OnnxNativeModel(string path, OnnxGraph graph, OnnxProgram free, OnnxSignature signature)
    {
        Path = path;
        _graph = graph;
        _free = free;
        Signature = signature;
        HeldInputs = [.. signature.Held.Select(h => new HeldInput(h.Name, h.Size))];
    }

    public string Path { get; }
    public OnnxSignature Signature { get; }
    public int StateDimension => Signature.Dimension;
    public IReadOnlyList<HeldInput> HeldInputs { get; }
    public bool HasExactInputJacobian => true;

    /// <summary>The graph's element type, as reported: float32 when its first input is float (the arithmetic here is float64 regardless).</summary>
    public bool GraphIsFloat32 => _graph.Inputs.FirstOrDefault(i => i.Name == Signature.State[0].Name)?.ElementType == OnnxDataType.Float;

    /// <summary>
    /// The native model of <paramref name="model"/>, or null with the op that keeps it out of the native set.
    /// A graph that is covered but whose roles cannot be chosen throws <see cref="OnnxFormatException"/>.
    /// </summary>
    public static OnnxNativeModel? TryCreate(OnnxModel model, string path, OnnxSelection selection, out string? unsupported)
    {
        ArgumentNullException.ThrowIfNull(model);
        OnnxProgram? free = OnnxProgram.Compile(model.Graph, null, out unsupported);
        if (free is null) return null;
        OnnxSignature sig = OnnxSignature.Choose(path, free.Inputs, free.Outputs, selection);
        return new OnnxNativeModel(path, model.Graph, free, sig);
    }

    public IMap Bind(IReadOnlyList<double[]> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != HeldInputs.Count) throw new ArgumentException($"the model holds {HeldInputs.Count} inputs, got {values.Count} values");
        var bound = new Dictionary<string, double[]>(StringComparer.Ordinal);
        for (int k = 0; k < values.Count; k++)
        {
            if (values[k].Length != HeldInputs[k].Length) throw new ArgumentException($"held input '{HeldInputs[k].Name}' takes {HeldInputs[k].Length} values, got {values[k].Length}");
            bound[HeldInputs[k].Name] = values[k];
        }
        OnnxProgram program = bound.Count == 0 ? _free
            : OnnxProgram.Compile(_graph, bound, out string? why) ?? throw new InvalidOperationException($"binding the held inputs made the graph uncompilable: {why}");
        return new OnnxNativeMap(program, Signature, Path);
    }

    public void InputJacobian(ReadOnlySpan<double> x, IReadOnlyList<double[]> values, Span<double> dFdu)
    {
        int n = StateDimension, m = HeldInputs.Sum(h => h.Length);
        if (x.Length != n) throw new ArgumentException("x must have the state's length");
        if (dFdu.Length < n * m) throw new ArgumentException("dFdu must hold N × Σ held lengths");
        if (m == 0) return;
        var inputs = new double[_free.Inputs.Count][];
        var tangents = new double[]?[_free.Inputs.Count];
        int stateAt = 0;
        foreach (OnnxPort s in Signature.State)
        {
            inputs[Index(s.Name)] = x.Slice(stateAt, s.Size).ToArray();
            stateAt += s.Size;
        }
        int col = 0;
        for (int k = 0; k < HeldInputs.Count; k++)
        {
            int i = Index(HeldInputs[k].Name), len = HeldInputs[k].Length;
            inputs[i] = values[k];
            var t = new double[m * len];
            for (int j = 0; j < len; j++) t[(col + j) * len + j] = 1;
            tangents[i] = t;
            col += len;
        }
        var results = _free.Run(inputs, tangents, 1, m);
        int rowAt = 0;
        foreach (OnnxPort o in Signature.Outputs)
        {
            int oi = _free.Outputs.ToList().FindIndex(p => p.Name == o.Name);
            double[]? t = results[oi].Tangents;
            for (int c = 0; c < m; c++)
                for (int r = 0; r < o.Size; r++)
                    dFdu[(rowAt + r) * m + c] = t?[c * o.Size + r] ?? 0;
            rowAt += o.Size;
        }

        int Index(string name) => _free.Inputs.ToList().FindIndex(p => p.Name == name);
    }
}

/// <summary>
/// x ↦ F(x) of a compiled graph whose free inputs are all state: a batch of points is one run with a lane per point,
/// J·v for a block of directions is one run with the directions as tangent lanes, and the Jacobian is J·e_j for all j.
/// </summary>
public sealed class OnnxNativeMap : IMap
{
    /// <summary>Points per interpreter run (bounds the memory of one run).</summary>
    public const int MaxLanes = 512;

    private readonly OnnxProgram _program;
    private readonly int[] _stateOffset; // per program input: its offset in x
    private readonly int[] _stateSize;
    private readonly int[] _outputIndex; // per selected output: its index among the program's outputs
    private readonly int[] _outputSize;

    internal OnnxNativeMap(OnnxProgram program, OnnxSignature signature, string path)
    {
        _program = program;
        Path = path;
        Signature = signature;
        Dimension = signature.Dimension;
        _stateOffset = new int[program.Inputs.Count];
        _stateSize = new int[program.Inputs.Count];
        for (int i = 0; i < program.Inputs.Count; i++)
        {
            int at = 0;
            bool found = false;
            foreach (OnnxPort s in signature.State)
            {
                if (s.Name == program.Inputs[i].Name) { found = true; break; }
                at += s.Size;
            }
            if (!found) throw new ArgumentException($"input '{program.Inputs[i].Name}' is neither state nor bound");
            _stateOffset[i] = at;
            _stateSize[i] = program.Inputs[i].Size;
        }
        _outputIndex = [.. signature.Outputs.Select(o => program.Outputs.ToList().FindIndex(p => p.Name == o.Name))];
        _outputSize = [.. signature.Outputs.Select(o => o.Size)];
    }

    public string Path { get; }
    public OnnxSignature Signature { get; }
    public int Dimension { get; }
    public bool HasExactJacobian => true;

    /// <summary>Nodes that run per evaluation after folding.</summary>
    public int Steps => _program.Steps;

    public void Evaluate(ReadOnlySpan<double> x, Span<double> y) => EvaluateBatch(x, y, 1);

    public void EvaluateBatch(ReadOnlySpan<double> xs, Span<double> ys, int count)
    {
        int n = Dimension;
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
        if (xs.Length < count * n || ys.Length < count * n) throw new ArgumentException("batch spans are shorter than count × N");
        for (int start = 0; start < count; start += MaxLanes)
        {
            int lanes = Math.Min(MaxLanes, count - start);
            var results = _program.Run(Split(xs.Slice(start * n, lanes * n), lanes), null, lanes, 0);
            Join(results, lanes, ys.Slice(start * n, lanes * n), tangents: false);
        }
    }

    public void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian)
    {
        int n = Dimension;
        if (jacobian.Length < n * n) throw new ArgumentException("jacobian must hold N × N");
        var eye = new double[n * n];
        for (int i = 0; i < n; i++) eye[i * n + i] = 1;
        var cols = new double[n * n];
        JacobianVectors(x, eye, cols, n, null!);
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++) jacobian[i * n + j] = cols[j * n + i];
    }

    public void JacobianVector(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv) => JacobianVectors(x, v, jv, 1, null!);

    public void JacobianVectors(ReadOnlySpan<double> x, ReadOnlySpan<double> vs, Span<double> jvs, int count, JacobianWorkspace workspace)
    {
        int n = Dimension;
        if (x.Length < n || vs.Length < count * n || jvs.Length < count * n) throw new ArgumentException("spans are shorter than N, count × N");
        if (count == 0) return;
        double[][] inputs = Split(x[..n], 1);
        var tangents = new double[]?[inputs.Length];
        double[][] tv = Split(vs[..(count * n)], count);
        for (int i = 0; i < inputs.Length; i++) tangents[i] = tv[i];
        var results = _program.Run(inputs, tangents, 1, count);
        Join(results, count, jvs[..(count * n)], tangents: true);
    }

    /// <summary>Rows of x (lanes × N) split into the program's inputs (lanes × size each).</summary>
    private double[][] Split(ReadOnlySpan<double> xs, int lanes)
    {
        int n = Dimension;
        var r = new double[_stateOffset.Length][];
        for (int i = 0; i < r.Length; i++)
        {
            int size = _stateSize[i], off = _stateOffset[i];
            var d = new double[lanes * size];
            for (int l = 0; l < lanes; l++) xs.Slice(l * n + off, size).CopyTo(d.AsSpan(l * size, size));
            r[i] = d;
        }
        return r;
    }

    private void Join((double[] Values, double[]? Tangents)[] results, int lanes, Span<double> ys, bool tangents)
    {
        int n = Dimension, at = 0;
        for (int o = 0; o < _outputIndex.Length; o++)
        {
            int size = _outputSize[o];
            var (values, tv) = results[_outputIndex[o]];
            double[]? src = tangents ? tv : values;
            for (int l = 0; l < lanes; l++)
            {
                Span<double> dst = ys.Slice(l * n + at, size);
                if (src is null) dst.Clear();
                else src.AsSpan(l * size, size).CopyTo(dst);
            }
            at += size;
        }
    }

    /// <summary>A one-line description: N, the state and outputs, and the evaluator.</summary>
    public string Describe() =>
        $"N={Dimension} float64 native interpreter, state {string.Join(", ", Signature.State.Select(p => p.Name))} → {string.Join(", ", Signature.Outputs.Select(p => p.Name))}" +
        (Signature.Held.Count > 0 ? $", held {string.Join(", ", Signature.Held.Select(p => p.Name))}" : "");
}
