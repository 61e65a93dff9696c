using Fixpoint.Maps;
using Fixpoint.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Fixpoint.IO;

/// <summary>
/// A graph with several inputs run by ONNX Runtime as a model F(x; u), for graphs outside the native set:
/// the state inputs come from x, the held inputs are bound, every other dimension is one point (the batch
/// dimension at 1, one run per point). Jacobians and ∂F/∂u are central differences
/// (<see cref="FiniteDifferenceJacobian"/>), estimated in the graph's arithmetic.
/// </summary>
public sealed class OnnxRuntimeModel : IConditionedModel, IDisposable
{
    private readonly InferenceSession _session;
    private readonly Dictionary<string, bool> _float;

    private OnnxRuntimeModel(string path, InferenceSession session, OnnxSignature signature, Dictionary<string, bool> isFloat)
    {
        Path = path;
        _session = session;
        Signature = signature;
        _float = isFloat;
        HeldInputs = [.. signature.Held.Select(h => new HeldInput(h.Name, h.Size))];
    }

    public string Path { get; }
    public OnnxSignature Signature { get; }
    public int StateDimension => Signature.Dimension;
    public IReadOnlyList<HeldInput> HeldInputs { get; }
    public bool HasExactInputJacobian => false;

    /// <summary>True when any input or output is float32 (the arithmetic is then float32).</summary>
    public bool IsFloat32 => _float.Values.Any(f => f);

    public double MachineEpsilon => IsFloat32 ? Math.ScaleB(1.0, -23) : Math.ScaleB(1.0, -52);

    /// <summary>Opens <paramref name="path"/> with ONNX Runtime and picks the roles (<see cref="OnnxSignature.Choose"/>); bad files throw <see cref="ModelFormatException"/>.</summary>
    public static OnnxRuntimeModel Load(string path, OnnxSelection selection)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
        InferenceSession session;
        try { session = new InferenceSession(path, options); }
        catch (OnnxRuntimeException e) { throw new ModelFormatException($"{path}: ONNX Runtime cannot load it: {e.Message.Split('\n')[0]}"); }
        try
        {
            var isFloat = new Dictionary<string, bool>(StringComparer.Ordinal);
            List<OnnxPort> Ports(IReadOnlyDictionary<string, NodeMetadata> meta, string role) => [.. meta.Select(kv =>
            {
                if (!kv.Value.IsTensor || kv.Value.ElementDataType is not (TensorElementType.Float or TensorElementType.Double))
                    throw new ModelFormatException($"{path}: {role} '{kv.Key}' is not a float or double tensor");
                isFloat[kv.Key] = kv.Value.ElementDataType == TensorElementType.Float;
                int[] d = kv.Value.Dimensions;
                int[] shape = [.. d.Select((v, i) => v > 0 ? v : i == 0 && d.Length >= 2 ? 1 : throw new ModelFormatException($"{path}: {role} '{kv.Key}' has an unknown dimension {i}"))];
                return new OnnxPort(kv.Key, shape);
            })];
            List<OnnxPort> inputs = Ports(session.InputMetadata, "input"), outputs = Ports(session.OutputMetadata, "output");
            OnnxSignature sig;
            try { sig = OnnxSignature.Choose(path, inputs, outputs, selection); }
            catch (OnnxFormatException e) { throw new ModelFormatException(e.Message); }
            return new OnnxRuntimeModel(path, session, sig, isFloat);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public IMap Bind(IReadOnlyList<double[]> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != HeldInputs.Count) throw new ArgumentException($"the model holds {HeldInputs.Count} inputs, got {values.Count} values");
        for (int k = 0; k < values.Count; k++)
            if (values[k].Length != HeldInputs[k].Length) throw new ArgumentException($"held input '{HeldInputs[k].Name}' takes {HeldInputs[k].Length} values");
        return new BoundMap(this, values);
    }

    /// <summary>Central differences in u, step ε^(1/3)·max(1, |u_j|).</summary>
    public void InputJacobian(ReadOnlySpan<double> x, IReadOnlyList<double[]> values, Span<double> dFdu)
    {
        int n = StateDimension, m = HeldInputs.Sum(h => h.Length), col = 0;
        var yp = new double[n];
        var ym = new double[n];
        double[] xs = x.ToArray();
        for (int k = 0; k < values.Count; k++)
            for (int j = 0; j < values[k].Length; j++, col++)
            {
                double[][] up = [.. values.Select(v => (double[])v.Clone())], um = [.. values.Select(v => (double[])v.Clone())];
                double h = FiniteDifferenceJacobian.Step(values[k][j], MachineEpsilon);
                up[k][j] += h;
                um[k][j] -= h;
                Run(xs, yp, up);
                Run(xs, ym, um);
                for (int i = 0; i < n; i++) dFdu[i * m + col] = (yp[i] - ym[i]) / (2 * h);
            }
    }

    /// <summary>One ONNX Runtime run at one point.</summary>
    private void Run(ReadOnlySpan<double> x, Span<double> y, IReadOnlyList<double[]> held)
    {
        var feeds = new List<NamedOnnxValue>();
        int at = 0;
        foreach (OnnxPort s in Signature.State)
        {
            feeds.Add(Feed(s, x.Slice(at, s.Size)));
            at += s.Size;
        }
        for (int k = 0; k < held.Count; k++) feeds.Add(Feed(Signature.Held[k], held[k]));
        using var results = _session.Run(feeds, [.. Signature.Outputs.Select(o => o.Name)]);
        int o = 0;
        foreach (OnnxPort port in Signature.Outputs)
        {
            var r = results.Single(v => v.Name == port.Name);
            if (_float[port.Name]) foreach (float v in r.AsEnumerable<float>()) y[o++] = v;
            else foreach (double v in r.AsEnumerable<double>()) y[o++] = v;
        }
    }

    private NamedOnnxValue Feed(OnnxPort port, ReadOnlySpan<double> values) =>
        _float[port.Name]
            ? NamedOnnxValue.CreateFromTensor(port.Name, new DenseTensor<float>(values.ToArray().Select(v => (float)v).ToArray(), port.Shape))
            : NamedOnnxValue.CreateFromTensor(port.Name, new DenseTensor<double>(values.ToArray(), port.Shape));

    public void Dispose() => _session.Dispose();

    private sealed class BoundMap(OnnxRuntimeModel model, IReadOnlyList<double[]> held) : IEstimatedJacobian
    {
        public int Dimension => model.StateDimension;
        public bool HasExactJacobian => false;
        public double MachineEpsilon => model.MachineEpsilon;

        public void Evaluate(ReadOnlySpan<double> x, Span<double> y) => model.Run(x, y, held);

        public void EvaluateBatch(ReadOnlySpan<double> xs, Span<double> ys, int count)
        {
            int n = Dimension;
            for (int i = 0; i < count; i++) model.Run(xs.Slice(i * n, n), ys.Slice(i * n, n), held);
        }

        private double ToInput(double v) => model.IsFloat32 ? (float)v : v;

        public void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian) =>
            FiniteDifferenceJacobian.Estimate(this, x, jacobian, Span<double>.Empty, MachineEpsilon, ToInput);

        public void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian, Span<double> error) =>
            FiniteDifferenceJacobian.Estimate(this, x, jacobian, error, MachineEpsilon, ToInput);

        public void JacobianVector(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv) =>
            FiniteDifferenceJacobian.DirectionalDerivative(this, x, v, jv, MachineEpsilon);
    }
}
