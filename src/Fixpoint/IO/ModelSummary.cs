using System.Globalization;

namespace Fixpoint.IO;

/// <summary>One layer or cell of a loaded model: its tensor name(s), kind, weight shape and the activation after it.</summary>
public sealed record ModelLayer(string Name, string Kind, int[] Shape, string? Activation);

/// <summary>An input held constant while the state is iterated, with the values it is held at (null: not bound yet).</summary>
public sealed record ModelHeldInput(string Name, int Length, double[]? Values);

/// <summary>
/// What a model load read, said once on screen and recorded in census.json's <c>model</c>: the file and its
/// format, the architecture found, the module prefix stripped, every layer with its shape and activation, the
/// state and the held inputs, who evaluates it (<c>native</c> or <c>onnxruntime</c>), in what precision, whether
/// its Jacobian is exact, and the tensors of the file that the map does not use (a readout, for example).
/// </summary>
public sealed record ModelSummary(
    string File,
    string Format,
    string Architecture,
    string? Prefix,
    IReadOnlyList<ModelLayer> Layers,
    int StateDimension,
    IReadOnlyList<string> State,
    IReadOnlyList<ModelHeldInput> HeldInputs,
    string Evaluator,
    string Precision,
    string Jacobian,
    IReadOnlyList<string> IgnoredTensors)
{
    /// <summary>The summary as a few lines of text, for the terminal.</summary>
    public IReadOnlyList<string> Lines()
    {
        var lines = new List<string>
        {
            $"model {File}: {Format}, {Architecture}" + (string.IsNullOrEmpty(Prefix) ? "" : $", module prefix '{Prefix}' stripped"),
        };
        foreach (ModelLayer l in Layers)
            lines.Add($"  {l.Name}: {l.Kind} [{string.Join("×", l.Shape)}]" + (l.Activation is null ? "" : $" → {l.Activation}"));
        lines.Add($"  state: {string.Join(", ", State)} (N = {StateDimension})");
        foreach (ModelHeldInput h in HeldInputs)
            lines.Add($"  held input {h.Name} ({h.Length}): " + (h.Values is null ? "not bound" : string.Join(",", h.Values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));
        lines.Add($"  evaluator {Evaluator}, {Precision}, Jacobian {Jacobian}");
        if (IgnoredTensors.Count > 0)
            lines.Add($"  not part of the map (ignored): {string.Join(", ", IgnoredTensors.Take(8))}{(IgnoredTensors.Count > 8 ? $", … ({IgnoredTensors.Count} in all)" : "")}");
        return lines;
    }
}
