using Fixpoint.Maps;
using Fixpoint.Onnx;

namespace Fixpoint.IO;

/// <summary>
/// An ONNX file opened as a model F(x; u): by the native float64 interpreter when every op of the graph is in its
/// set (<see cref="OnnxNativeModel"/>: exact Jacobians), else by ONNX Runtime (<see cref="OnnxMap"/>: estimated
/// Jacobians). <see cref="Evaluator"/> says which, and <see cref="EvaluatorReason"/> names the op that forced ONNX Runtime.
/// </summary>
public sealed class OnnxModelFile : IDisposable
{
    public const string Native = "native";
    public const string OnnxRuntime = "onnxruntime";

    private readonly IDisposable? _owned;

    private OnnxModelFile(IConditionedModel model, string evaluator, string? reason, string description, IDisposable? owned)
    {
        Model = model;
        Evaluator = evaluator;
        EvaluatorReason = reason;
        Description = description;
        _owned = owned;
    }

    public IConditionedModel Model { get; }

    /// <summary><see cref="Native"/> or <see cref="OnnxRuntime"/>.</summary>
    public string Evaluator { get; }

    /// <summary>For ONNX Runtime: the op (or op variant) outside the native set; null for native.</summary>
    public string? EvaluatorReason { get; }

    /// <summary>A one-line description for reports.</summary>
    public string Description { get; }

    /// <summary>The state inputs and outputs (null for a single-input graph run by ONNX Runtime, whose input and output are the state).</summary>
    public OnnxSignature? Signature => (Model as OnnxNativeModel)?.Signature ?? (Model as OnnxRuntimeModel)?.Signature;

    /// <summary>
    /// Opens <paramref name="path"/>. Bad files, and selections that do not fit the graph, throw
    /// <see cref="ModelFormatException"/> naming the file.
    /// </summary>
    public static OnnxModelFile Open(string path, OnnxSelection? selection = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        selection ??= OnnxSelection.Default;
        OnnxModel parsed;
        OnnxNativeModel? native;
        string? why;
        try
        {
            parsed = OnnxModel.Read(path);
            OnnxMap.CheckInitializersFinite(parsed, path);
            native = OnnxNativeModel.TryCreate(parsed, path, selection, out why);
        }
        catch (OnnxFormatException e)
        {
            throw new ModelFormatException(e.Message);
        }
        if (native is not null)
        {
            IEnumerable<string> held = native.Signature.Held.Select(h => $"{h.Name} {h.ShapeText}");
            string description = $"model {path} (N={native.StateDimension} {(native.GraphIsFloat32 ? "float32 graph, " : "")}evaluated in float64 by the native interpreter, exact Jacobian; " +
                $"state {string.Join(", ", native.Signature.State.Select(p => $"{p.Name} {p.ShapeText}"))} → {string.Join(", ", native.Signature.Outputs.Select(p => p.Name))}" +
                (native.Signature.Held.Count > 0 ? $"; held {string.Join(", ", held)}" : "") + ")";
            return new OnnxModelFile(native, Native, null, description, null);
        }
        var inits = parsed.Graph.Initializers.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        int freeInputs = parsed.Graph.Inputs.Count(i => !inits.Contains(i.Name));
        if (freeInputs > 1 || parsed.Graph.Outputs.Count > 1 || selection.State is { Count: > 0 } || selection.Outputs is { Count: > 0 })
        {
            OnnxRuntimeModel ort = OnnxRuntimeModel.Load(path, selection);
            return new OnnxModelFile(ort, OnnxRuntime, why,
                $"model {path} (N={ort.StateDimension} {(ort.IsFloat32 ? "float32" : "float64")} onnxruntime one point per run, estimated Jacobian and dFdu: {why} is outside the native interpreter's set; " +
                $"state {string.Join(", ", ort.Signature.State.Select(p => p.Name))} → {string.Join(", ", ort.Signature.Outputs.Select(p => p.Name))}" +
                (ort.Signature.Held.Count > 0 ? $"; held {string.Join(", ", ort.Signature.Held.Select(h => $"{h.Name} {h.ShapeText}"))}" : "") + ")", ort);
        }
        OnnxMap map = OnnxMap.Load(path);
        return new OnnxModelFile(new UnconditionedModel(map), OnnxRuntime, why,
            $"model {path} ({map.Describe()}, estimated Jacobian: {why} is outside the native interpreter's set)", map);
    }

    public void Dispose() => _owned?.Dispose();
}

/// <summary>A map seen as a model with nothing held (for files with one input).</summary>
public sealed class UnconditionedModel(IMap map) : IConditionedModel
{
    public IMap Map { get; } = map;
    public int StateDimension => Map.Dimension;
    public IReadOnlyList<HeldInput> HeldInputs => [];
    public bool HasExactInputJacobian => true;

    public IMap Bind(IReadOnlyList<double[]> values) =>
        values.Count == 0 ? Map : throw new ArgumentException("the model holds no inputs");

    public void InputJacobian(ReadOnlySpan<double> x, IReadOnlyList<double[]> values, Span<double> dFdu) { }
}
