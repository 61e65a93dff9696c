using System.Globalization;
using Fixpoint.Maps;
using Fixpoint.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Fixpoint.IO;

/// <summary>
/// Any ONNX model with one input and one output of the same size N, run by ONNX Runtime.
/// <para>Shapes: an input of rank 1 is <c>[N]</c> (one point per run); of rank ≥ 2 its first
/// dimension is the batch (symbolic, or fixed at B) and N is the product of the others, which must
/// be fixed. The output has the same number of values per point (checked by a probe run at zero).
/// Points are sent in batches of up to <see cref="MaxRowsPerRun"/> rows; a batch dimension fixed at
/// 1 is run point by point, one fixed at B &gt; 1 is padded with zeros.</para>
/// <para>Element types: float32 or float64 in and out. A float32 model reads each coordinate rounded
/// to float32 and its output is widened to double: F(x) = model(float32(x)).</para>
/// <para>The Jacobian is estimated by central differences (<see cref="FiniteDifferenceJacobian"/>),
/// with an error estimate (<see cref="IEstimatedJacobian"/>). One <see cref="InferenceSession"/> is
/// shared by all threads (its Run is thread-safe); ONNX Runtime itself runs single-threaded per call,
/// because the census already runs one call per core.</para>
/// <para>Results are deterministic for a given batch split, but whether a row's result is bit-identical
/// in batches of different sizes depends on ONNX Runtime's kernels, so it is not promised.</para>
/// </summary>
public sealed class OnnxMap : IEstimatedJacobian, IDisposable
{
    /// <summary>Rows per ONNX Runtime call when the batch dimension is free.</summary>
    public const int MaxRowsPerRun = 4096;

    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly long[] _pointShape;
    private readonly bool _inputFloat, _outputFloat;

    private OnnxMap(string path, InferenceSession session, string input, string output, long[] pointShape, bool hasBatch,
        int fixedBatch, bool inputFloat, bool outputFloat, int dimension)
    {
        Path = path;
        _session = session;
        InputName = input;
        OutputName = output;
        _inputNames = [input];
        _outputNames = [output];
        _pointShape = pointShape;
        HasBatchDimension = hasBatch;
        FixedBatch = fixedBatch;
        _inputFloat = inputFloat;
        _outputFloat = outputFloat;
        Dimension = dimension;
    }

    public string Path { get; }
    public string InputName { get; }
    public string OutputName { get; }
    public int Dimension { get; }

    /// <summary>False for a rank-1 input <c>[N]</c>: every point is one run.</summary>
    public bool HasBatchDimension { get; }

    /// <summary>The batch size the model fixes, or 0 when the batch dimension is symbolic.</summary>
    public int FixedBatch { get; }

    /// <summary>True when the model reads or writes float32 (its arithmetic is then float32).</summary>
    public bool IsFloat32 => _inputFloat || _outputFloat;

    /// <summary>The element type the model reads, as ONNX names it.</summary>
    public string InputElementType => _inputFloat ? "float" : "double";

    public double MachineEpsilon => IsFloat32 ? Math.ScaleB(1.0, -23) : Math.ScaleB(1.0, -52);

    public bool HasExactJacobian => false;

    /// <summary>Opens <paramref name="path"/> with ONNX Runtime and checks that it is a square map; bad files throw <see cref="ModelFormatException"/>.</summary>
    public static OnnxMap Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new ModelFormatException($"{path}: no such file");
        CheckInitializersFinite(path);
        InferenceSession session;
        var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
        };
        try
        {
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelFormatException($"{path}: ONNX Runtime cannot load it: {FirstLine(e.Message)}");
        }
        finally
        {
            options.Dispose();
        }
        try
        {
            return Check(path, session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A NaN or ±∞ weight would make every start diverge and the census report that as a finding; it is a damaged
    /// file, refused as exact import refuses it. Constants inside nodes are not scanned, only the graph's initializers.
    /// </summary>
    private static void CheckInitializersFinite(string path)
    {
        OnnxModel model;
        // ONNX Runtime is the judge of what loads; a file the small protobuf reader cannot follow is left to it.
        try { model = OnnxModel.Read(path); }
        catch (Exception e) when (e is ModelFormatException or OnnxFormatException) { return; }
        CheckInitializersFinite(model, path);
    }

    /// <summary>Throws <see cref="ModelFormatException"/> naming the first initializer that holds a NaN or ±∞.</summary>
    internal static void CheckInitializersFinite(OnnxModel model, string path)
    {
        foreach (OnnxTensor t in model.Graph.Initializers)
        {
            if (t.Data is null) continue;
            for (int i = 0; i < t.Data.Length; i++)
                if (!double.IsFinite(t.Data[i]))
                    throw new ModelFormatException($"{path}: initializer '{t.Name}' holds a non-finite value ({t.Data[i].ToString(System.Globalization.CultureInfo.InvariantCulture)}) at flat index {i}");
        }
    }

    private static OnnxMap Check(string path, InferenceSession session)
    {
        var inputs = session.InputMetadata;
        var outputs = session.OutputMetadata;
        if (inputs.Count != 1)
            throw new ModelFormatException($"{path}: the model has {inputs.Count} inputs ({string.Join(", ", inputs.Keys)}); a map needs exactly one");
        if (outputs.Count != 1)
            throw new ModelFormatException($"{path}: the model has {outputs.Count} outputs ({string.Join(", ", outputs.Keys)}); a map needs exactly one");
        var (inName, inMeta) = inputs.First();
        var (outName, outMeta) = outputs.First();
        bool inFloat = ElementIsFloat(path, "input", inName, inMeta);
        bool outFloat = ElementIsFloat(path, "output", outName, outMeta);
        int[] dims = inMeta.Dimensions;
        if (dims.Length == 0) throw new ModelFormatException($"{path}: input '{inName}' is a scalar; a map needs a vector");
        bool hasBatch = dims.Length >= 2;
        int[] pointDims = hasBatch ? dims[1..] : dims;
        if (pointDims.Any(d => d < 1))
            throw new ModelFormatException($"{path}: input '{inName}' has shape {ShapeText(inMeta)}; every dimension but the first (the batch) must be fixed");
        long n = pointDims.Aggregate(1L, (a, d) => a * d);
        if (n > 1 << 20) throw new ModelFormatException($"{path}: input '{inName}' has {n} values per point, more than {1 << 20}");
        int fixedBatch = hasBatch && dims[0] > 0 ? dims[0] : 0;
        int[] outDims = outMeta.Dimensions;
        if (outDims.Length >= 1)
        {
            int[] outPoint = hasBatch && outDims.Length >= 2 ? outDims[1..] : outDims;
            if (outPoint.All(d => d > 0))
            {
                long m = outPoint.Aggregate(1L, (a, d) => a * d);
                if (m != n)
                    throw new ModelFormatException($"{path}: output '{outName}' has shape {ShapeText(outMeta)} ({m} values per point) but input '{inName}' has shape {ShapeText(inMeta)} ({n}); a map needs equal sizes");
            }
        }
        long[] pointShape = [.. pointDims.Select(d => (long)d)];
        var map = new OnnxMap(path, session, inName, outName, pointShape, hasBatch, fixedBatch, inFloat, outFloat, (int)n);
        map.Probe();
        return map;
    }

    /// <summary>Runs F at zero once, so that a model whose output size differs at run time, or that fails to run, is refused at load.</summary>
    private void Probe()
    {
        int rows = FixedBatch > 0 ? FixedBatch : 1;
        try
        {
            var x = new double[Dimension];
            var y = new double[Dimension];
            RunRows(x, y, 1, rows);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelFormatException($"{Path}: ONNX Runtime cannot run it: {FirstLine(e.Message)}");
        }
    }

    public void Evaluate(ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.Length != Dimension || y.Length < Dimension) throw new ArgumentException("x and y must have length N");
        EvaluateBatch(x, y, 1);
    }

    public void EvaluateBatch(ReadOnlySpan<double> xs, Span<double> ys, int count)
    {
        int n = Dimension;
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
        if (xs.Length < count * n || ys.Length < count * n) throw new ArgumentException("batch spans are shorter than count × N");
        int per = !HasBatchDimension ? 1 : FixedBatch > 0 ? FixedBatch : MaxRowsPerRun;
        for (int start = 0; start < count; start += per)
        {
            int rows = Math.Min(per, count - start);
            RunRows(xs.Slice(start * n, rows * n), ys.Slice(start * n, rows * n), rows, FixedBatch > 0 ? FixedBatch : rows);
        }
    }

    /// <summary>One ONNX Runtime call on <paramref name="rows"/> points, padded with zeros to <paramref name="batch"/> rows.</summary>
    private void RunRows(ReadOnlySpan<double> xs, Span<double> ys, int rows, int batch)
    {
        int n = Dimension;
        long[] shape = HasBatchDimension ? [batch, .. _pointShape] : _pointShape;
        using OrtValue input = _inputFloat ? FloatInput(xs, rows, batch) : DoubleInput(xs, rows, batch);
        using var runOptions = new RunOptions();
        using var results = _session.Run(runOptions, _inputNames, [input], _outputNames);
        OrtValue output = results[0];
        long got = output.GetTensorTypeAndShape().ElementCount;
        if (got != (long)batch * n)
            throw new ModelFormatException($"{Path}: output '{OutputName}' has {got} values for {batch} point(s) of {n}; a map needs {n} per point");
        if (_outputFloat)
        {
            ReadOnlySpan<float> o = output.GetTensorDataAsSpan<float>();
            for (int i = 0; i < rows * n; i++) ys[i] = o[i];
        }
        else output.GetTensorDataAsSpan<double>()[..(rows * n)].CopyTo(ys);

        OrtValue FloatInput(ReadOnlySpan<double> x, int r, int b)
        {
            var data = new float[b * n];
            for (int i = 0; i < r * n; i++) data[i] = (float)x[i];
            return OrtValue.CreateTensorValueFromMemory(data, shape);
        }

        OrtValue DoubleInput(ReadOnlySpan<double> x, int r, int b)
        {
            var data = new double[b * n];
            x[..(r * n)].CopyTo(data);
            return OrtValue.CreateTensorValueFromMemory(data, shape);
        }
    }

    /// <summary>Rounds a coordinate to what the model reads: float32 for a float model.</summary>
    public double ToInput(double v) => _inputFloat ? (float)v : v;

    /// <summary>Central differences with step h_j = ε^(1/3)·max(1, |x_j|) (see <see cref="FiniteDifferenceJacobian"/>).</summary>
    public void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian) =>
        FiniteDifferenceJacobian.Estimate(this, x, jacobian, Span<double>.Empty, MachineEpsilon, ToInput);

    public void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian, Span<double> error) =>
        FiniteDifferenceJacobian.Estimate(this, x, jacobian, error, MachineEpsilon, ToInput);

    public void JacobianVector(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv) =>
        FiniteDifferenceJacobian.DirectionalDerivative(this, x, v, jv, MachineEpsilon);

    /// <summary>A one-line description: path, N, element type and batching.</summary>
    public string Describe() =>
        $"N={Dimension} {(IsFloat32 ? "float32" : "float64")} onnxruntime{(FixedBatch == 1 || !HasBatchDimension ? " one point per run" : FixedBatch > 1 ? $" batch {FixedBatch.ToString(CultureInfo.InvariantCulture)}" : "")}";

    public void Dispose() => _session.Dispose();

    private static bool ElementIsFloat(string path, string role, string name, NodeMetadata meta)
    {
        if (!meta.IsTensor) throw new ModelFormatException($"{path}: {role} '{name}' is not a tensor ({meta.OnnxValueType})");
        return meta.ElementDataType switch
        {
            TensorElementType.Float => true,
            TensorElementType.Double => false,
            var t => throw new ModelFormatException($"{path}: {role} '{name}' holds {t}; a map reads and writes float or double"),
        };
    }

    private static string ShapeText(NodeMetadata m) =>
        "[" + string.Join(", ", m.Dimensions.Select((d, i) => d > 0 ? d.ToString(CultureInfo.InvariantCulture)
            : m.SymbolicDimensions is { } s && i < s.Length && s[i].Length > 0 ? s[i] : "?")) + "]";

    private static string FirstLine(string message)
    {
        string line = message.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? message;
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
