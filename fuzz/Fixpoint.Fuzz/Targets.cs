using System.Text;
using Fixpoint.Experiments;
using Fixpoint.IO;
using Fixpoint.Numerics;
using Fixpoint.Onnx;
using Fixpoint.Training;

namespace Fixpoint.Fuzz;

/// <summary>
/// The readers under fuzz. Each takes arbitrary bytes and must either accept them or refuse them with one of
/// the exceptions the CLI turns into its one error line; anything else (an index out of range, an overflow, a
/// null reference, running out of memory) is a crash.
/// </summary>
internal static class Targets
{
    /// <summary>A small budget, so that a size the readers fail to check shows up as memory, not passes unseen.</summary>
    private static readonly MemoryBudget Budget = new(64L << 20);

    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>
    {
        ["safetensors"] = bytes => ModelFile.FromTensors(Safetensors.Parse(bytes, "fuzz.safetensors", Budget), "fuzz.safetensors"),
        ["onnx"] = bytes => OnnxImport.Import(OnnxModel.Parse(bytes, "fuzz.onnx"), "fuzz.onnx"),
        ["onnx-native"] = bytes => OnnxNativeModel.TryCreate(OnnxModel.Parse(bytes, "fuzz.onnx"), "fuzz.onnx", OnnxSelection.Default, out _),
        ["pt"] = bytes => StateDictModel.FromTensors(TorchStateDict.Parse(bytes, "fuzz.pt", Budget), "fuzz.pt", "torch.save zip", new StateDictOptions()),
        ["spec"] = bytes => ListTasks(SweepSpec.Parse(Encoding.UTF8.GetString(bytes), "fuzz.json")),
        ["csv"] = bytes => WithFile(bytes, ".csv", path => CsvDatasetReader.Read(path)),
        ["idx"] = bytes => WithFile(bytes, "-idx3-ubyte", path => IdxReader.Read(path)),
    };

    /// <summary>The refusals a reader may answer with.</summary>
    public static bool IsRefusal(Exception e) =>
        e is ModelFormatException or OnnxFormatException or SweepSpecException or FormatException or MemoryBudgetException;

    /// <summary>Lists the tasks after the check `sweep run` makes (InputLimits.CheckSweep): the task list must fit the budget.</summary>
    private static void ListTasks(SweepSpec spec)
    {
        Budget.Require(spec.TaskCount * 512.0, "the task list");
        _ = spec.Tasks();
    }

    private static void WithFile(byte[] bytes, string suffix, Action<string> read)
    {
        string path = Path.Combine(Path.GetTempPath(), $"fixpoint-fuzz-{Environment.ProcessId}{suffix}");
        File.WriteAllBytes(path, bytes);
        try { read(path); }
        finally { File.Delete(path); }
    }
}
