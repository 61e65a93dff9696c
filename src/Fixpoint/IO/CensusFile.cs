using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Fixpoint.Census;
using Fixpoint.Solvers;

namespace Fixpoint.IO;

/// <summary>Whether the Jacobian at a fixed point has a complex pair (orbits spiral) or not.</summary>
public enum FixedPointType
{
    Node,
    Focus,
}

/// <summary>
/// census.json, field by field (docs/census.md describes every one): this record is the file's only
/// definition, written by <see cref="Write(string, CensusFile)"/> and read back by <see cref="Read"/>.
/// <see cref="From"/> maps a <see cref="CensusResult"/> onto it.
/// </summary>
/// <param name="Outcomes">How the finished starts ended: every count of <see cref="OutcomeCounts"/>, by its camelCase name.</param>
/// <param name="BasinTotals"><c>fixedPoints</c>, <c>cycles</c>, then the fraction of starts of every other outcome: they add up to 1.</param>
public sealed record CensusFile(
    string Format,
    int Dimension,
    int Starts,
    int RequestedStarts,
    ulong Seed,
    string Solver,
    string StartsFrom,
    bool Partial,
    OutcomeCounts Outcomes,
    int Q,
    int DistinctFixedPoints,
    IReadOnlyDictionary<string, double> BasinTotals,
    IReadOnlyList<CensusFixedPoint> FixedPoints,
    IReadOnlyList<CycleInfo> Cycles,
    MissingEstimate EstimatedMissing,
    CensusFileOptions Options,
    long Evaluations,
    double ElapsedSeconds) : ResultFile(Format)
{
    public const string FormatName = "fixpoint-census/1";

    /// <summary><c>exact</c> or <c>central differences (estimated)</c>.</summary>
    [JsonPropertyOrder(-2), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Jacobian { get; init; }

    /// <summary>What evaluated the model: <c>native</c> (Fixpoint's own float64 code) or <c>onnxruntime</c>; absent in older files.</summary>
    [JsonPropertyOrder(-2), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Evaluator { get; init; }

    /// <summary>For <c>onnxruntime</c>: the op (or op variant) outside the native interpreter's set that forced it.</summary>
    [JsonPropertyOrder(-2), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? EvaluatorReason { get; init; }

    /// <summary>The held inputs of this census's condition (name and values), in the model's order; absent when nothing is held.</summary>
    [JsonPropertyOrder(-2), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<HeldValues>? Held { get; init; }

    /// <summary>Seconds of each phase (<see cref="Census.PhaseSeconds"/>); absent in files older than the field.</summary>
    [JsonPropertyOrder(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PhaseSeconds? PhaseSeconds { get; init; }
    /// <summary>Early assignment: starts assigned through proved balls, pilot starts, balls proved and refused; absent when it was off.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public EarlyAssignmentSummary? EarlyAssignment { get; init; }

    /// <summary>The slow points (<c>--slow-points</c>), lowest q first; absent when the search was off.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<CensusSlowPoint>? SlowPoints { get; init; }

    /// <summary>The model file loaded (<see cref="ModelSummary"/>: layers, shapes, activations, state, held inputs, evaluator, precision); absent for random and built-in networks.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ModelSummary? Model { get; init; }

    /// <summary>How census.json is written and read.</summary>
    public static readonly JsonSerializerOptions JsonOptions = ResultJson.Options();

    /// <summary>The counts of <see cref="Outcomes"/> by their names in the file, in file order (whatever fields <see cref="OutcomeCounts"/> has).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> OutcomeEntries() => Entries(Outcomes);

    private static List<KeyValuePair<string, long>> Entries(OutcomeCounts o) =>
        JsonSerializer.SerializeToElement(o, JsonOptions).EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.GetInt64())).ToList();

    /// <summary>
    /// The file model of <paramref name="r"/>. <paramref name="context"/> gives the provenance strings
    /// <c>fixpointVersion</c>, <c>command</c>, <c>network</c> and <c>jacobian</c>; another key is an error.
    /// </summary>
    public static CensusFile From(CensusResult r, IReadOnlyDictionary<string, string>? context = null)
    {
        ArgumentNullException.ThrowIfNull(r);
        double total = Math.Max(r.Starts, 1);
        var basins = new Dictionary<string, double>
        {
            ["fixedPoints"] = r.FixedPoints.Sum(f => f.BasinFraction),
            ["cycles"] = r.Cycles.Sum(c => c.BasinFraction),
        };
        foreach (var (name, count) in Entries(r.Outcomes))
            if (name is not ("converged" or "cycle" or "cancelled")) basins[name] = count / total; // cancelled starts did not finish
        CensusOptions o = r.Options;
        var file = new CensusFile(FormatName, r.Dimension, r.Starts, r.RequestedStarts, r.Seed, r.Solver, r.StartsDescription, r.Partial,
            r.Outcomes, r.StableCount, r.FixedPoints.Count, basins, r.FixedPoints.Select(CensusFixedPoint.From).ToList(), r.Cycles,
            r.EstimatedMissing,
            new CensusFileOptions(o.Solve.Atol, o.Solve.Rtol, o.Solve.MaxIterations, o.Solve.MaxPeriod, o.Solve.DivergenceBound,
                o.UniqueTol, o.PolishTol, o.StabilityMargin, o.Unstable, o.UnstableStarts) { DeflateStarts = o.DeflateStarts > 0 ? o.DeflateStarts : null },
            r.Evaluations, r.ElapsedSeconds) { PhaseSeconds = r.Phases, EarlyAssignment = r.EarlyAssignment, SlowPoints = r.SlowPoints?.Select(CensusSlowPoint.From).ToList() };
        if (context is not null && context.TryGetValue("jacobian", out string? jacobian)) file = file with { Jacobian = jacobian };
        return WithProvenance(file, context?.Where(kv => kv.Key != "jacobian"));
    }

    /// <summary>
    /// Builds the serialiser's metadata for census.json now rather than at the first write: the first use of the options in
    /// a process costs more than writing a small census. A census calls this on an idle core while it runs; it is safe from
    /// any thread (the options are read-only) and changes nothing that is written.
    /// </summary>
    public static void PrepareWriter() => _ = JsonOptions.GetTypeInfo(typeof(CensusFile));

    /// <summary>Writes census.json atomically.</summary>
    public static void Write(string path, CensusResult r, IReadOnlyDictionary<string, string>? context = null) => Write(path, From(r, context));

    /// <summary>Writes census.json atomically.</summary>
    public static void Write(string path, CensusFile file) => ResultJson.Write(path, file, JsonOptions);

    public static void Write(Stream stream, CensusFile file) => JsonSerializer.Serialize(stream, file, JsonOptions);

    /// <summary>Reads census.json; a file that is not one (or lacks a field) is a <see cref="ModelFormatException"/> naming it.</summary>
    public static CensusFile Read(string path)
    {
        CensusFile c = ResultJson.Read<CensusFile>(path, FormatName, JsonOptions);
        for (int i = 0; i < c.FixedPoints.Count; i++)
            if (c.FixedPoints[i].X.Length != c.Dimension)
                throw new ModelFormatException($"{path}: fixed point {i} has {c.FixedPoints[i].X.Length} coordinates, not the census's dimension {c.Dimension}");
        for (int i = 0; i < c.Cycles.Count; i++)
            if (c.Cycles[i].Points.Any(p => p.Length != c.Dimension))
                throw new ModelFormatException($"{path}: a point of cycle {i} does not have the census's dimension {c.Dimension}");
        return c;
    }

    /// <summary>fixed_points.csv: one row per fixed point, id first, status columns last; a value that is not finite is an empty cell.</summary>
    public static void WriteCsv(CensusResult r, string path)
    {
        var sb = new StringBuilder();
        int n = r.Dimension;
        sb.Append("id,");
        for (int i = 0; i < n; i++) sb.Append("x").Append(i).Append(',');
        sb.AppendLine("residual,polished,spectral_radius,unstable_dimensions,type,hits,basin_fraction,basin_ci95_lo,basin_ci95_hi,found_by,stability,stability_uncertain");
        for (int k = 0; k < r.FixedPoints.Count; k++)
        {
            FixedPointInfo f = r.FixedPoints[k];
            sb.Append(k).Append(',');
            foreach (double v in f.X) sb.Append(F(v)).Append(',');
            sb.Append(F(f.Residual)).Append(',').Append(f.Polished ? "true" : "false").Append(',')
              .Append(F(f.SpectralRadius)).Append(',').Append(f.UnstableDimensions).Append(',')
              .Append(ResultJson.Key(f.IsFocus ? FixedPointType.Focus : FixedPointType.Node)).Append(',').Append(f.Hits).Append(',')
              .Append(F(f.BasinFraction)).Append(',').Append(F(f.BasinCI95.Lo)).Append(',').Append(F(f.BasinCI95.Hi)).Append(',')
              .Append(ResultJson.Key(f.FoundBy)).Append(',').Append(ResultJson.Key(f.Stability)).Append(',')
              .Append(f.StabilityUncertain ? "true" : "false").AppendLine();
        }
        AtomicFile.WriteText(path, sb.ToString());
    }

    /// <summary>
    /// starts.csv: one row per start, in start order: <c>start,status,attractor,iterations,decided_by</c>. <c>attractor</c> is the
    /// index into <c>fixedPoints</c> for a converged start and into <c>cycles</c> for a cycle, empty otherwise; <c>decided_by</c> is
    /// <c>converged</c> (the solver's termination test) or <c>early-assigned</c> (a proved ball) for converged starts, empty otherwise.
    /// </summary>
    public static void WriteStartsCsv(CensusResult r, string path)
    {
        ArgumentNullException.ThrowIfNull(r);
        var sb = new StringBuilder("start,status,attractor,iterations,decided_by\n");
        int fixedPoints = r.FixedPoints.Count;
        for (int i = 0; i < r.StartStatus.Length; i++)
        {
            SolveStatus? s = r.StartStatus[i];
            int? a = r.StartAttractor[i];
            string attractor = a is int k ? (k < fixedPoints ? k : k - fixedPoints).ToString(CultureInfo.InvariantCulture) : "";
            bool assigned = i < r.StartAssigned.Length && r.StartAssigned[i];
            string decided = s == SolveStatus.Converged ? (assigned ? "early-assigned" : "converged") : "";
            sb.Append(i).Append(',').Append(s is { } st ? StatusName(st) : "").Append(',').Append(attractor).Append(',')
              .Append(i < r.StartIterations.Length ? r.StartIterations[i].ToString(CultureInfo.InvariantCulture) : "").Append(',').Append(decided).Append('\n');
        }
        AtomicFile.WriteText(path, sb.ToString());
    }

    /// <summary>The status names of starts.csv: converged, cycle, diverged, max-iterations, non-finite, stalled, cancelled.</summary>
    public static string StatusName(SolveStatus s) => s switch
    {
        SolveStatus.MaxIterations => "max-iterations",
        SolveStatus.NonFinite => "non-finite",
        _ => s.ToString().ToLowerInvariant(),
    };

    private static string F(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}

/// <summary>
/// One fixed point in census.json: the fields of <see cref="FixedPointInfo"/> (see there for their meaning) in the
/// file's order, with <see cref="Type"/> for its IsFocus.
/// </summary>
/// <param name="SpectralRadiusError">δρ; null in the file (NaN here) when there is no bound. Absent in files older than the field: 0.</param>
/// <param name="StabilityUncertain">Absent in files older than the field: false.</param>
/// <param name="EigenvalueMethod"><c>dense</c> or <c>krylov</c>. Absent in files older than the field (null here: dense), and left out again when such a file is written back.</param>
/// <param name="EigenvalueResidual">The largest residual bound among <paramref name="Eigenvalues"/> (Krylov); 0 for dense. Absent in older files (null here: 0).</param>
public sealed record CensusFixedPoint(double[] X, double Residual, bool Polished, double SpectralRadius, Stability Stability, int UnstableDimensions,
    FixedPointType Type, Complex[] Eigenvalues, long Hits, double BasinFraction, (double Lo, double Hi) BasinCI95, FoundBy FoundBy,
    double SpectralRadiusError = 0, bool StabilityUncertain = false, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] EigenMethod? EigenvalueMethod = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? EigenvalueResidual = null)
{
    /// <summary>∂F/∂u at the point for the held inputs (FixedPointFinder's dFdu): N rows of Σ held lengths, row-major; absent when nothing is held.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double[]? DFdu { get; init; }

    /// <summary>The proved ball of attraction (radius and contraction in its norm, starts assigned through it); absent when none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ProvenBall? Ball { get; init; }

    /// <summary>Every unstable mode and the slowest stable ones (<see cref="FixedPointMode"/>); absent in older files and with <c>--no-modes</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<CensusMode>? Modes { get; init; }

    public static CensusFixedPoint From(FixedPointInfo f) =>
        new(f.X, f.Residual, f.Polished, f.SpectralRadius, f.Stability, f.UnstableDimensions, f.IsFocus ? FixedPointType.Focus : FixedPointType.Node,
            f.Eigenvalues, f.Hits, f.BasinFraction, f.BasinCI95, f.FoundBy, f.SpectralRadiusError, f.StabilityUncertain, f.EigenvalueMethod, f.EigenvalueResidual)
        {
            Ball = f.Ball,
            Modes = f.Modes?.Select(m => new CensusMode(m.Kind, m.Eigenvalue, m.Modulus, m.Vector, m.Residual, m.VectorImaginary)).ToList(),
        };
}

/// <summary>
/// One mode in census.json (<see cref="FixedPointMode"/>): <c>kind</c> (<c>unstable</c> or <c>slow</c>), <c>eigenvalue</c> [re, im],
/// <c>modulus</c> |λ|, the unit eigenvector <c>vector</c> (its real part) and <c>vectorImaginary</c> (absent for a real λ), and
/// <c>residual</c> ‖J v − λ v‖₂.
/// </summary>
/// <remarks><c>vectorImaginary</c> is last among the parameters so that it is optional; <c>residual</c> is written last.</remarks>
public sealed record CensusMode(ModeKind Kind, Complex Eigenvalue, double Modulus, double[] Vector, [property: JsonPropertyOrder(1)] double Residual,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double[]? VectorImaginary = null);

/// <summary>One slow point in census.json (<see cref="SlowPoint"/>).</summary>
public sealed record CensusSlowPoint(double[] X, double Q, double Residual, double Gradient, double SpectralRadius, Complex[] Eigenvalues, long Starts)
{
    public static CensusSlowPoint From(SlowPoint s) => new(s.X, s.Q, s.Residual, s.Gradient, s.SpectralRadius, s.Eigenvalues, s.Starts);
}

/// <summary>The census options census.json records (see <see cref="CensusOptions"/> and <see cref="Solvers.SolveOptions"/>).</summary>
/// <param name="UnstableStarts">0: all starts.</param>
public sealed record CensusFileOptions(
    double Atol,
    double Rtol,
    int MaxIterations,
    int MaxPeriod,
    double DivergenceBound,
    double UniqueTol,
    double PolishTol,
    double StabilityMargin,
    bool Unstable,
    int UnstableStarts)
{
    /// <summary>Starts deflated Newton ran from; absent when off (so files written before deflation read and write back unchanged).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? DeflateStarts { get; init; }
}

/// <summary>One held input of a census: its name and the values it was held at.</summary>
public sealed record HeldValues(string Name, double[] Values);
