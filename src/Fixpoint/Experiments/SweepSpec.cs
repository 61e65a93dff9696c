using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fixpoint.Census;
using Fixpoint.Init;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using Fixpoint.Solvers;

namespace Fixpoint.Experiments;

/// <summary>A sweep spec that cannot be used; the message names the key and what is wrong with it.</summary>
public sealed class SweepSpecException(string message) : Exception(message);

/// <summary>One cell of a sweep: a network recipe without its seed.</summary>
public sealed record SweepCell(int Width, int Depth, string Weights, string Scaling, string Biases, string Activation, bool Tied)
{
    /// <summary>A stable text key, the same on every machine: it names the cell in the store and seeds its tasks.</summary>
    public string Key => $"N={Width}|L={Depth}|weights={Weights}|scaling={Scaling}|biases={Biases}|activation={Activation}|tied={(Tied ? "true" : "false")}";
}

/// <summary>One task: one network realisation of one cell.</summary>
public sealed record SweepTask(int Index, SweepCell Cell, int Realisation, ulong Seed)
{
    public string Key => $"{Cell.Key}|r={Realisation}";
}

/// <summary>
/// A sweep over random networks (docs/sweep-spec.md). Axes are crossed in the order width, depth,
/// weights, scaling, biases, activation, tied; each cell has <see cref="Realisations"/> tasks.
/// A task's seed is derived from the spec's seed and the task's key alone, so order, sharding,
/// thread count and resumption never change a result.
/// </summary>
public sealed record SweepSpec
{
    public required string Name { get; init; }
    public required ulong Seed { get; init; }
    public required int[] Widths { get; init; }
    public required int[] Depths { get; init; }
    public required string[] Weights { get; init; }
    public required string[] Scalings { get; init; }
    public required string[] Biases { get; init; }
    public required string[] Activations { get; init; }
    public required bool[] Tied { get; init; }
    public required int Realisations { get; init; }
    public required int Starts { get; init; }
    public required StartSpec StartLaw { get; init; }
    public required string SolverName { get; init; }
    public required ISolver Solver { get; init; }
    public required SolveOptions Solve { get; init; }
    public required CensusOptions Census { get; init; }

    /// <summary>The spec as canonical JSON (defaults filled in, keys in a fixed order): stores compare it to refuse mixing sweeps.</summary>
    public required string CanonicalJson { get; init; }

    /// <summary>SHA-256 of <see cref="CanonicalJson"/>.</summary>
    public string Hash => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalJson))).ToLowerInvariant()[..16];

    public IEnumerable<SweepCell> Cells()
    {
        foreach (int n in Widths)
            foreach (int l in Depths)
                foreach (string w in Weights)
                    foreach (string s in Scalings)
                        foreach (string b in Biases)
                            foreach (string a in Activations)
                                foreach (bool t in Tied)
                                    yield return new SweepCell(n, l, w, s, b, a, t);
    }

    public IReadOnlyList<SweepTask> Tasks()
    {
        var tasks = new List<SweepTask>();
        foreach (SweepCell c in Cells())
            for (int r = 0; r < Realisations; r++)
            {
                string key = $"{c.Key}|r={r}";
                tasks.Add(new SweepTask(tasks.Count, c, r, Rng.Mix(Seed, Rng.HashKey(key))));
            }
        return tasks;
    }

    /// <summary>The network of a task.</summary>
    public Network BuildNetwork(SweepTask t) => new RandomNetworkSpec(t.Cell.Width, t.Cell.Depth,
        Maps.Activation.Parse(t.Cell.Activation), WeightLaw.Parse(t.Cell.Weights), WeightLaw.Parse(t.Cell.Biases),
        ScaleConventions.Parse(t.Cell.Scaling), t.Cell.Tied, false, t.Seed).Build();

    public static SweepSpec Load(string path)
    {
        if (!File.Exists(path)) throw new SweepSpecException($"{path}: no such file");
        return Parse(File.ReadAllText(path), path);
    }

    public static SweepSpec Parse(string json, string source = "spec")
    {
        JsonDocument doc;
        // Strict JSON: no comments, no trailing commas, and (below) no key twice, which JSON readers would let the last one win.
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false, MaxDepth = 16 }); }
        catch (JsonException e) { throw new SweepSpecException($"{source}: not valid JSON ({e.Message.Split('.')[0]})"); }
        using (doc)
        {
            NoDuplicateKeys(doc.RootElement, "", source);
            return new Reader(source).Read(doc.RootElement);
        }
    }

    private static void NoDuplicateKeys(JsonElement e, string path, string source)
    {
        if (e.ValueKind == JsonValueKind.Array)
            foreach (JsonElement x in e.EnumerateArray()) NoDuplicateKeys(x, path, source);
        if (e.ValueKind != JsonValueKind.Object) return;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty p in e.EnumerateObject())
        {
            if (!seen.Add(p.Name)) throw new SweepSpecException($"{source}: {path}{p.Name}: the key appears twice");
            NoDuplicateKeys(p.Value, path + p.Name + ".", source);
        }
    }

    /// <summary>The most tasks a spec may ask for: task indices are 32-bit.</summary>
    public const long MaxTasks = int.MaxValue;

    /// <summary>Cells × realisations, without listing them.</summary>
    public long TaskCount => (long)Widths.Length * Depths.Length * Weights.Length * Scalings.Length * Biases.Length * Activations.Length * Tied.Length * Realisations;

    /// <summary>
    /// Reads back a <see cref="CanonicalJson"/> (as a store keeps it). Its solver object holds <c>damping</c> and
    /// <c>history</c> for every solver (see the canonical writer); they are turned back into the options the solver
    /// takes (Anderson's <c>damping</c> is its <c>mixing</c>) before the spec is read as any other.
    /// </summary>
    public static SweepSpec ParseCanonical(string json, string source = "spec")
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (JsonException e) { throw new SweepSpecException($"{source}: not valid JSON ({e.Message.Split('.')[0]})"); }
        if (root is JsonObject { } top && top["solver"] is JsonObject solver && solver["name"]?.GetValue<string>() is string name)
        {
            if (name != "picard") Move(solver, "damping", name == "anderson" ? "mixing" : null);
            if (name != "anderson") Move(solver, "history", null);
        }
        return Parse(root?.ToJsonString() ?? "null", source);

        static void Move(JsonObject o, string from, string? to)
        {
            if (!o.Remove(from, out JsonNode? v)) return;
            if (to is not null) o[to] = v;
        }
    }

    private sealed class Reader(string source)
    {
        private static readonly string[] TopKeys = ["name", "seed", "axes", "realisations", "starts", "solver", "census"];
        private static readonly string[] AxisKeys = ["width", "depth", "weights", "scaling", "biases", "activation", "tied"];
        private static readonly string[] StartKeys = ["count", "law", "box", "mean", "std"];
        private static readonly string[] SolverKeys = ["name", "atol", "rtol", "maxIterations", "maxPeriod", "divergenceBound", .. SolverSpec.Options.Select(o => o.Key)];
        private static readonly string[] CensusKeys = ["unstable", "uniqueTol", "polishTol", "margin"];

        private SweepSpecException Error(string key, string what) => new($"{source}: {key}: {what}");

        public SweepSpec Read(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object) throw Error("(top level)", "must be a JSON object");
            Keys(root, "", TopKeys);
            string name = root.TryGetProperty("name", out var nm) ? Str(nm, "name") : "sweep";
            ulong seed = root.TryGetProperty("seed", out var sd) ? ULong(sd, "seed") : 0;
            if (!root.TryGetProperty("axes", out var axes) || axes.ValueKind != JsonValueKind.Object) throw Error("axes", "missing: an object with width and depth lists");
            Keys(axes, "axes.", AxisKeys);
            int[] widths = IntList(axes, "width", required: true, min: 1);
            int[] depths = IntList(axes, "depth", required: true, min: 1);
            string[] weights = StrList(axes, "weights", ["gaussian(1)"], s => WeightLaw.Parse(s).Name);
            string[] scalings = StrList(axes, "scaling", ["1/sqrt(n)"], s => ScaleConventions.Parse(s).Name());
            string[] biases = StrList(axes, "biases", ["gaussian(0.1)"], s => WeightLaw.Parse(s).Name);
            string[] activations = StrList(axes, "activation", ["tanh"], s => Maps.Activation.Parse(s).Name);
            bool[] tied = BoolList(axes, "tied");
            int realisations = root.TryGetProperty("realisations", out var re) ? Int(re, "realisations", 1) : 1;
            long taskCount = (long)widths.Length * depths.Length * weights.Length * scalings.Length * biases.Length * activations.Length * tied.Length * realisations;
            if (taskCount > MaxTasks) throw Error("realisations", $"{realisations} realisations of {taskCount / realisations} cells make {taskCount} tasks, more than the {MaxTasks} a sweep may hold");

            int starts = 200;
            StartSpec law = new UniformBoxStarts(-1, 1);
            string lawName = "uniform";
            double[] box = [-1, 1];
            double mean = 0, std = 1;
            if (root.TryGetProperty("starts", out var st))
            {
                if (st.ValueKind != JsonValueKind.Object) throw Error("starts", "must be an object");
                Keys(st, "starts.", StartKeys);
                if (st.TryGetProperty("count", out var c)) starts = Int(c, "starts.count", 1);
                if (st.TryGetProperty("law", out var l)) lawName = Str(l, "starts.law");
                if (st.TryGetProperty("box", out var bx))
                {
                    box = DoubleList(bx, "starts.box");
                    if (box.Length != 2 || !(box[0] < box[1])) throw Error("starts.box", "must be [lo, hi] with lo < hi");
                    if (!double.IsFinite(box[1] - box[0])) throw Error("starts.box", "hi − lo overflows a double: the box is too wide");
                }
                if (st.TryGetProperty("mean", out var mn)) mean = Double(mn, "starts.mean");
                if (st.TryGetProperty("std", out var sdv)) std = Double(sdv, "starts.std");
                law = lawName switch
                {
                    "uniform" => new UniformBoxStarts(box[0], box[1]),
                    "gaussian" => std > 0 ? new GaussianStarts(mean, std) : throw Error("starts.std", "must be > 0"),
                    _ => throw Error("starts.law", $"'{lawName}' is not uniform or gaussian"),
                };
            }

            string solverName = SolverSpec.DefaultName;
            var so = new SolveOptions();
            var solverSettings = new List<KeyValuePair<string, double>>();
            if (root.TryGetProperty("solver", out var sv))
            {
                if (sv.ValueKind != JsonValueKind.Object) throw Error("solver", "must be an object");
                Keys(sv, "solver.", SolverKeys);
                if (sv.TryGetProperty("name", out var sn)) solverName = Str(sn, "solver.name");
                try
                {
                    if (sv.TryGetProperty("atol", out var a)) so = so with { Atol = Double(a, "solver.atol") };
                    if (sv.TryGetProperty("rtol", out var r)) so = so with { Rtol = Double(r, "solver.rtol") };
                    if (sv.TryGetProperty("maxIterations", out var mi)) so = so with { MaxIterations = Int(mi, "solver.maxIterations", 1) };
                    if (sv.TryGetProperty("maxPeriod", out var mp)) so = so with { MaxPeriod = Int(mp, "solver.maxPeriod", 1) };
                    if (sv.TryGetProperty("divergenceBound", out var db)) so = so with { DivergenceBound = Double(db, "solver.divergenceBound") };
                }
                catch (ArgumentOutOfRangeException e) when (OptionName.Find(CensusOptionNames.All, e.ParamName) is OptionName o)
                {
                    throw Error("solver." + o.SpecKey, o.Refusal(e.ActualValue));
                }
                foreach (SolverOption o in SolverSpec.Options)
                    if (sv.TryGetProperty(o.Key, out var v))
                        solverSettings.Add(new(o.Key, o.IsInteger ? Int(v, "solver." + o.Key, int.MinValue) : Double(v, "solver." + o.Key)));
            }
            if (so.Atol == 0 && so.Rtol == 0) throw Error("solver.atol", "atol and rtol are both 0");
            SolverSpec solverSpec;
            try { solverSpec = SolverSpec.Create(solverName, solverSettings); }
            catch (SolverSpecException e)
            {
                throw e.Option is null ? Error("solver.name", $"'{solverName}' is not one of {SolverSpec.NameList}") : Error("solver." + e.Option.Key, e.Reason);
            }
            ISolver solver = solverSpec.Build();

            // A sweep stores counts and spectral radii, never the modes: they are not computed (SlowModes = −1).
            var co = new CensusOptions { Solver = solver, Solve = so with { Threads = 1 }, SlowModes = -1 };
            if (root.TryGetProperty("census", out var ce))
            {
                if (ce.ValueKind != JsonValueKind.Object) throw Error("census", "must be an object");
                Keys(ce, "census.", CensusKeys);
                try
                {
                    if (ce.TryGetProperty("unstable", out var u)) co = co with { Unstable = Bool(u, "census.unstable") };
                    if (ce.TryGetProperty("uniqueTol", out var ut)) co = co with { UniqueTol = Double(ut, "census.uniqueTol") };
                    if (ce.TryGetProperty("polishTol", out var pt)) co = co with { PolishTol = Double(pt, "census.polishTol") };
                    if (ce.TryGetProperty("margin", out var mg)) co = co with { StabilityMargin = Double(mg, "census.margin") };
                }
                catch (ArgumentOutOfRangeException e) when (OptionName.Find(CensusOptionNames.All, e.ParamName) is OptionName o)
                {
                    throw Error("census." + o.SpecKey, o.Refusal(e.ActualValue));
                }
            }

            string canonical = JsonSerializer.Serialize(new
            {
                name,
                seed,
                axes = new { width = widths, depth = depths, weights, scaling = scalings, biases, activation = activations, tied },
                realisations,
                starts = new { count = starts, law = lawName, box, mean, std },
                solver = CanonicalSolver(solverSpec, so),
                census = new { unstable = co.Unstable, uniqueTol = co.UniqueTol, polishTol = co.PolishTol, margin = co.StabilityMargin },
            });
            return new SweepSpec
            {
                Name = name, Seed = seed, Widths = widths, Depths = depths, Weights = weights, Scalings = scalings, Biases = biases,
                Activations = activations, Tied = tied, Realisations = realisations, Starts = starts, StartLaw = law,
                SolverName = solverName, Solver = solver, Solve = co.Solve, Census = co, CanonicalJson = canonical,
            };
        }

        /// <summary>
        /// The solver object of the canonical spec. <c>damping</c> and <c>history</c> keep their places, with Picard's damping
        /// or Anderson's mixing and Anderson's history (1 and 5 where they do not apply), as before solver options were
        /// per solver: specs written then keep their hash, so their stores still resume. Other options follow when given.
        /// </summary>
        private static JsonObject CanonicalSolver(SolverSpec spec, SolveOptions so)
        {
            var o = new JsonObject
            {
                ["name"] = spec.Name, ["atol"] = so.Atol, ["rtol"] = so.Rtol, ["maxIterations"] = so.MaxIterations, ["maxPeriod"] = so.MaxPeriod,
                ["divergenceBound"] = so.DivergenceBound,
                ["damping"] = spec.Get("damping") ?? spec.Get("mixing") ?? 1.0,
                ["history"] = (int)(spec.Get("history") ?? 5),
            };
            foreach (var (option, value) in spec.Settings)
                if (option.Key is not ("damping" or "mixing" or "history"))
                    o[option.Key] = option.IsInteger ? JsonValue.Create((int)value) : JsonValue.Create(value);
            return o;
        }

        private void Keys(JsonElement obj, string prefix, string[] known)
        {
            foreach (JsonProperty p in obj.EnumerateObject())
                if (!known.Contains(p.Name)) throw Error(prefix + p.Name, $"unknown key (known: {string.Join(", ", known)})");
        }

        private string Str(JsonElement e, string key) => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Error(key, "must be a string");
        private bool Bool(JsonElement e, string key) => e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean() : throw Error(key, "must be true or false");
        private double Double(JsonElement e, string key) => e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double v) && double.IsFinite(v) ? v : throw Error(key, "must be a finite number");
        private ulong ULong(JsonElement e, string key) => e.ValueKind == JsonValueKind.Number && e.TryGetUInt64(out ulong v) ? v : throw Error(key, "must be a non-negative integer");
        private int Int(JsonElement e, string key, int min)
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out double d) || Math.Floor(d) != d) throw Error(key, "must be an integer");
            // 1e9 is an integer too; one beyond 32 bits is refused by name rather than read as "not an integer".
            if (d < int.MinValue || d > int.MaxValue) throw Error(key, $"{e.GetRawText()} is beyond the integer range ({int.MinValue} … {int.MaxValue})");
            int v = (int)d;
            return v >= min ? v : throw Error(key, $"must be ≥ {min} (got {v})");
        }

        private double[] DoubleList(JsonElement e, string key) =>
            e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().Select(x => Double(x, key)).ToArray() : throw Error(key, "must be a list of numbers");

        private int[] IntList(JsonElement axes, string name, bool required, int min)
        {
            string key = "axes." + name;
            if (!axes.TryGetProperty(name, out var e)) throw Error(key, "missing");
            int[] v = e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().Select(x => Int(x, key, min)).ToArray()
                : e.ValueKind == JsonValueKind.Number ? [Int(e, key, min)] : throw Error(key, "must be a list of integers");
            if (v.Length == 0) throw Error(key, "is empty");
            if (v.Distinct().Count() != v.Length) throw Error(key, "has repeated values");
            return v;
        }

        private string[] StrList(JsonElement axes, string name, string[] fallback, Func<string, string> canonical)
        {
            string key = "axes." + name;
            if (!axes.TryGetProperty(name, out var e)) return fallback.Select(canonical).ToArray();
            string[] raw = e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().Select(x => Str(x, key)).ToArray()
                : e.ValueKind == JsonValueKind.String ? [e.GetString()!] : throw Error(key, "must be a list of strings");
            if (raw.Length == 0) throw Error(key, "is empty");
            string[] v;
            try { v = raw.Select(canonical).ToArray(); }
            catch (FormatException ex) { throw Error(key, ex.Message); }
            if (v.Distinct().Count() != v.Length) throw Error(key, "has repeated values");
            return v;
        }

        private bool[] BoolList(JsonElement axes, string name)
        {
            string key = "axes." + name;
            if (!axes.TryGetProperty(name, out var e)) return [false];
            bool[] v = e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().Select(x => Bool(x, key)).ToArray() : [Bool(e, key)];
            if (v.Length == 0) throw Error(key, "is empty");
            if (v.Distinct().Count() != v.Length) throw Error(key, "has repeated values");
            return v;
        }
    }

    internal static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
