using System.CommandLine.Parsing;
using Fixpoint.Onnx;

namespace Fixpoint.Cli;

/// <summary>One set of held values (a condition): <see cref="Values"/>[k] for the model's held input k.</summary>
internal sealed record HeldCondition(int Index, IReadOnlyList<double[]> Values);

/// <summary>A model as a verb sees it: F(x; u), what runs it, and the conditions the held inputs take.</summary>
internal sealed record LoadedModel(IConditionedModel Model, string Description, string Evaluator, string? EvaluatorReason,
    IReadOnlyList<HeldCondition> Conditions, IDisposable? Owned, ModelSummary? Summary = null) : IDisposable
{
    public void Dispose() => Owned?.Dispose();
}

/// <summary>
/// <c>--state</c>, <c>--output</c> and <c>--hold</c>: which inputs of a model are its state, which outputs the next
/// state, and the values of every other input. Works on any <see cref="IConditionedModel"/>, so every loader
/// (ONNX here, state dicts of RNN cells too) shares one set of options and messages.
/// </summary>
internal sealed class HeldInputOptions
{
    public readonly Option<string> State = new("--state") { Description = "Model inputs that are the state, NAME[,NAME] (concatenated; e.g. h,c for an LSTM cell). Default: the only input whose shape matches an output." };
    public readonly Option<string> Output = new("--output") { Description = "Model outputs that are the next state, NAME[,NAME] (concatenated, in the order of --state). Default: the only output, or the only one shaped like the state." };
    public readonly Option<string[]> Hold = new("--hold") { Description = "Hold an input constant: NAME=v1,v2,... (one condition) or NAME=FILE.csv (one row per condition; the census runs once per condition). Repeat for several inputs.", Arity = ArgumentArity.OneOrMore };

    public void AddTo(Command command)
    {
        command.Options.Add(State);
        command.Options.Add(Output);
        command.Options.Add(Hold);
    }

    public OnnxSelection Selection(ParseResult p) => new(Names(p.GetValue(State)), Names(p.GetValue(Output)));

    private static string[]? Names(string? s) =>
        s is null ? null : [.. s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>
    /// The model the network options describe, with its conditions: an ONNX file through <see cref="OnnxModelFile"/>
    /// (native when covered), a recurrent cell's state dict with its held input, anything else as the map of
    /// <see cref="NetworkOptions.Load"/> with nothing held.
    /// </summary>
    public LoadedModel Load(ParseResult p, NetworkOptions net)
    {
        string? model = p.GetValue(net.Model);
        bool onnx = model is not null && MapFile.IsOnnx(model);
        if (!onnx)
        {
            (IMap? map, RecurrentCell? cell, string description, ModelSummary? summary) = net.Load(p);
            if (cell is not null)
            {
                if (NetworkOptions.Given(p, State) || NetworkOptions.Given(p, Output))
                    throw new UsageException("--state and --output apply to ONNX models; a recurrent cell's state is its hidden state");
                return new LoadedModel(cell, description, "native", null, Conditions(p, cell), null, summary);
            }
            if (NetworkOptions.Given(p, State) || NetworkOptions.Given(p, Output) || NetworkOptions.Given(p, Hold))
            {
                (map as IDisposable)?.Dispose();
                throw new UsageException("--state, --output and --hold apply to models with held inputs (ONNX with several inputs, recurrent cells)");
            }
            return new LoadedModel(new UnconditionedModel(map!), description, "native", null, [new HeldCondition(0, [])], map as IDisposable, summary);
        }
        net.CheckOnnxOptions(p);
        OnnxModelFile file = OnnxModelFile.Open(model!, Selection(p));
        try
        {
            IReadOnlyList<HeldCondition> conditions = Conditions(p, file.Model);
            return new LoadedModel(file.Model, file.Description, file.Evaluator, file.EvaluatorReason, conditions, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The conditions --hold gives for every held input of <paramref name="model"/>: one when every input has one row, else one per row.</summary>
    public IReadOnlyList<HeldCondition> Conditions(ParseResult p, IConditionedModel model)
    {
        var given = new Dictionary<string, List<double[]>>(StringComparer.Ordinal);
        foreach (string h in p.GetValue(Hold) ?? [])
        {
            int eq = h.IndexOf('=');
            if (eq <= 0) throw new UsageException($"--hold {h}: expected NAME=v1,v2,... or NAME=FILE.csv");
            string name = h[..eq].Trim(), value = h[(eq + 1)..].Trim();
            HeldInput input = model.HeldInputs.FirstOrDefault(i => i.Name == name)
                ?? throw new UsageException($"--hold {name}: the model holds no input of that name ({(model.HeldInputs.Count == 0 ? "it holds none" : "held: " + string.Join(", ", model.HeldInputs.Select(i => i.Name)))})");
            if (given.ContainsKey(name)) throw new UsageException($"--hold {name} is given twice");
            given[name] = Rows(name, value, input.Length);
        }
        foreach (HeldInput input in model.HeldInputs)
            if (!given.ContainsKey(input.Name))
                throw new UsageException($"the model holds input '{input.Name}' ({input.Length} values): give --hold {input.Name}=v1,...,v{input.Length} or --hold {input.Name}=FILE.csv");
        int count = given.Count == 0 ? 1 : given.Values.Max(r => r.Count);
        foreach (var (name, rows) in given)
            if (rows.Count != 1 && rows.Count != count)
                throw new UsageException($"--hold {name} has {rows.Count} rows but another held input has {count}; give one row or {count}");
        return [.. Enumerable.Range(0, count).Select(c => new HeldCondition(c, [.. model.HeldInputs.Select(i => given[i.Name] is var r && r.Count == 1 ? r[0] : r[c])]))];
    }

    private static List<double[]> Rows(string name, string value, int length)
    {
        bool file = value.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || value.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase) || File.Exists(value);
        if (file)
        {
            PointListStarts rows = StartsFile.ReadCsv(value);
            if (rows.Dimension != length) throw new UsageException($"--hold {name}={value} has {rows.Dimension} columns; input '{name}' takes {length} values");
            return [.. Enumerable.Range(0, rows.Points.Length / length).Select(i => rows.Points.AsSpan(i * length, length).ToArray())];
        }
        var values = new double[length];
        string[] parts = value.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != length) throw new UsageException($"--hold {name}: {parts.Length} values given; input '{name}' takes {length}");
        for (int i = 0; i < length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                throw new UsageException($"--hold {name}: '{parts[i]}' is not a finite number");
        return [values];
    }
}

/// <summary>What census.json records of the model beyond the census itself: the evaluator, the held values, and ∂F/∂u at each fixed point.</summary>
internal static class HeldInputCensus
{
    public static CensusFile Annotate(CensusFile file, LoadedModel loaded, HeldCondition condition)
    {
        file = file with { Evaluator = loaded.Evaluator, EvaluatorReason = loaded.EvaluatorReason };
        IConditionedModel model = loaded.Model;
        if (model.HeldInputs.Count == 0) return file;
        int n = model.StateDimension, m = model.HeldInputs.Sum(h => h.Length);
        var points = file.FixedPoints.Select(f =>
        {
            var dFdu = new double[n * m];
            model.InputJacobian(f.X, condition.Values, dFdu);
            return f with { DFdu = dFdu };
        }).ToList();
        return file with
        {
            Held = [.. model.HeldInputs.Select((h, k) => new HeldValues(h.Name, condition.Values[k]))],
            FixedPoints = points,
        };
    }
}
