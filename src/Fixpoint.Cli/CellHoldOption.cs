using Fixpoint.Maps;

namespace Fixpoint.Cli;

/// <summary>
/// <c>--hold NAME=v1,v2,...</c> for a recurrent cell read from a state dict: the input u held constant while
/// h ↦ cell(u, h) is iterated (one row for every start). The cell's one held input is named <c>input</c>,
/// PyTorch's name for it.
/// </summary>
internal sealed class CellHoldOption
{
    public readonly Option<string[]> Hold = new("--hold")
    {
        Description = "A recurrent cell's held input: --hold input=v1,v2,... (as many numbers as the cell's input size); h ↦ cell(input, h) is iterated.",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>The values to bind <paramref name="model"/> with, parsed from --hold; one line naming the problem otherwise.</summary>
    public IReadOnlyList<double[]> Values(ParseResult p, IConditionedModel model)
    {
        string[] given = p.GetValue(Hold) ?? [];
        var values = new double[model.HeldInputs.Count][];
        foreach (string g in given)
        {
            int eq = g.IndexOf('=');
            if (eq <= 0) throw new UsageException($"--hold '{g}': expected NAME=v1,v2,...");
            string name = g[..eq].Trim();
            int k = model.HeldInputs.ToList().FindIndex(h => h.Name == name);
            if (k < 0) throw new UsageException($"--hold {name}: the model has no input '{name}'; its held inputs: {Known(model)}");
            if (values[k] is not null) throw new UsageException($"--hold {name} is given twice");
            string[] parts = g[(eq + 1)..].Split(',', StringSplitOptions.TrimEntries);
            var v = new double[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]) || !double.IsFinite(v[i]))
                    throw new UsageException($"--hold {name}: '{parts[i]}' is not a finite number");
            if (v.Length != model.HeldInputs[k].Length)
                throw new UsageException($"--hold {name}: {v.Length} numbers given, the input has {model.HeldInputs[k].Length}");
            values[k] = v;
        }
        for (int k = 0; k < values.Length; k++)
            if (values[k] is null)
                throw new UsageException($"the model iterates its state with input '{model.HeldInputs[k].Name}' ({model.HeldInputs[k].Length} numbers) held: give --hold {model.HeldInputs[k].Name}={string.Join(",", Enumerable.Repeat("0", model.HeldInputs[k].Length))} (or other values)");
        return values;
    }

    /// <summary>--hold given to a model without held inputs is an error, not ignored.</summary>
    public void RefuseIfGiven(ParseResult p, string what)
    {
        if (NetworkOptions.Given(p, Hold)) throw new UsageException($"--hold applies to a model with held inputs (a recurrent cell); {what} has none");
    }

    private static string Known(IConditionedModel m) => string.Join(", ", m.HeldInputs.Select(h => $"{h.Name} ({h.Length})"));
}
