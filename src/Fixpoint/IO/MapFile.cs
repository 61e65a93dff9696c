using Fixpoint.Maps;

namespace Fixpoint.IO;

/// <summary>
/// Model files of every kind Fixpoint reads, by extension: <c>.onnx</c> through the native float64 interpreter
/// when the graph is covered (<see cref="OnnxModelFile"/>, exact Jacobian), else through ONNX Runtime
/// (<see cref="OnnxMap"/>, estimated Jacobian); anything else as safetensors (<see cref="ModelFile"/>, exact Jacobian).
/// </summary>
public static class MapFile
{
    public static bool IsOnnx(string path) => Path.GetExtension(path).Equals(".onnx", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Loads a model as a map. <paramref name="activation"/> names the activation of a safetensors file
    /// that lacks one (a PyTorch state dict); an ONNX file says its own, so giving one is an error.
    /// The caller disposes the map when it is <see cref="IDisposable"/> (ONNX).
    /// </summary>
    public static IMap Load(string path, Activation? activation = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!IsOnnx(path)) return ModelFile.Load(path, activation);
        if (activation is not null) throw new ModelFormatException($"{path}: an ONNX model computes its own activations; --activation applies to safetensors files only");
        OnnxModelFile file = OnnxModelFile.Open(path);
        if (file.Model.HeldInputs.Count > 0)
        {
            file.Dispose();
            throw new ModelFormatException($"{path}: the model holds inputs ({string.Join(", ", file.Model.HeldInputs.Select(h => h.Name))}); give their values with --hold NAME=v1,v2,...");
        }
        return file.Model.Bind([]);
    }

    /// <summary>
    /// Loads a model as a map with an exact Jacobian, for verbs that need exactness but not a <see cref="Network"/>
    /// (J·v, the dense Jacobian): a safetensors file, or an ONNX graph the native interpreter covers. Anything else
    /// throws <see cref="ModelFormatException"/> with <see cref="ExactModelRequired"/>'s message for <paramref name="verb"/>.
    /// </summary>
    public static IMap LoadExactMap(string path, string verb, Activation? activation = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!IsOnnx(path)) return ModelFile.Load(path, activation);
        IMap map = Load(path, activation);
        if (map.HasExactJacobian) return map;
        (map as IDisposable)?.Dispose();
        OnnxImportResult r = OnnxImport.Import(path);
        throw new ModelFormatException(ExactModelRequired(verb, path, r.Refusal ?? "its graph is outside the native interpreter's set"));
    }

    /// <summary>
    /// Loads a model as an exact native network: a safetensors file, or an ONNX graph that is a plain
    /// MLP (<see cref="OnnxImport"/>). Any other ONNX graph throws <see cref="ModelFormatException"/>
    /// with <see cref="ExactModelRequired"/>'s message for <paramref name="verb"/>.
    /// </summary>
    public static Network LoadExact(string path, string verb, Activation? activation = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!IsOnnx(path)) return ModelFile.Load(path, activation);
        if (activation is not null) throw new ModelFormatException($"{path}: an ONNX model computes its own activations; --activation applies to safetensors files only");
        OnnxImportResult r = OnnxImport.Import(path);
        return r.Network ?? throw new ModelFormatException(ExactModelRequired(verb, path, r.Refusal!));
    }

    /// <summary>
    /// The one line a verb that needs exact Jacobians (certification, for example) prints for an ONNX
    /// model that does not import exactly: what is needed, why this file is not it, what still works.
    /// </summary>
    public static string ExactModelRequired(string verb, string path, string reason) =>
        $"fixpoint {verb} needs an exact model (a Fixpoint safetensors file, or an ONNX graph that is a plain MLP of {OnnxImport.SupportedOps}); " +
        $"{path} is not one: {reason}. census, cycles and basins work on it (through the native interpreter with exact Jacobians when its ops are covered, else through ONNX Runtime with estimated ones)";
}
