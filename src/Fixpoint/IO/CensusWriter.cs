using System.Globalization;
using System.Text;
using System.Text.Json;
using Fixpoint.Census;

namespace Fixpoint.IO;

/// <summary>
/// The census output contract: <c>census.json</c> and <c>fixed_points.csv</c> (docs/census-output.md
/// describes every field). Numbers are written so that they read back bit for bit; a value that is
/// not finite is written as null.
/// </summary>
public static class CensusWriter
{
    public const string FormatName = "fixpoint-census/1";

    /// <summary>Writes census.json; <paramref name="context"/> adds top-level string fields (command line, network, version).</summary>
    public static void WriteJson(CensusResult r, string path, IReadOnlyDictionary<string, string>? context = null)
        => AtomicFile.Write(path, s => WriteJson(r, s, context));

    public static void WriteJson(CensusResult r, Stream stream, IReadOnlyDictionary<string, string>? context = null)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("format", FormatName);
        if (context is not null) foreach (var (k, v) in context) w.WriteString(k, v);
        w.WriteNumber("dimension", r.Dimension);
        w.WriteNumber("starts", r.Starts);
        w.WriteNumber("requestedStarts", r.RequestedStarts);
        w.WriteNumber("seed", r.Seed);
        w.WriteString("solver", r.Solver);
        w.WriteString("startsFrom", r.StartsDescription);
        w.WriteBoolean("partial", r.Partial);
        w.WriteStartObject("outcomes");
        w.WriteNumber("converged", r.Outcomes.Converged);
        w.WriteNumber("cycle", r.Outcomes.Cycle);
        w.WriteNumber("diverged", r.Outcomes.Diverged);
        w.WriteNumber("maxIterations", r.Outcomes.MaxIterations);
        w.WriteNumber("nonFinite", r.Outcomes.NonFinite);
        w.WriteNumber("stalled", r.Outcomes.Stalled);
        w.WriteNumber("cancelled", r.Outcomes.Cancelled);
        w.WriteEndObject();
        w.WriteNumber("q", r.StableCount);
        w.WriteNumber("distinctFixedPoints", r.FixedPoints.Count);
        w.WriteStartObject("basinTotals");
        double total = Math.Max(r.Starts, 1);
        w.WriteFiniteNumber("fixedPoints", r.FixedPoints.Sum(f => f.BasinFraction));
        w.WriteFiniteNumber("cycles", r.Cycles.Sum(c => c.BasinFraction));
        w.WriteFiniteNumber("diverged", r.Outcomes.Diverged / total);
        w.WriteFiniteNumber("maxIterations", r.Outcomes.MaxIterations / total);
        w.WriteFiniteNumber("nonFinite", r.Outcomes.NonFinite / total);
        w.WriteFiniteNumber("stalled", r.Outcomes.Stalled / total);
        w.WriteEndObject();
        w.WriteStartArray("fixedPoints");
        foreach (FixedPointInfo f in r.FixedPoints)
        {
            w.WriteStartObject();
            w.WriteFiniteArray("x", f.X);
            w.WriteFiniteNumber("residual", f.Residual);
            w.WriteBoolean("polished", f.Polished);
            w.WriteFiniteNumber("spectralRadius", f.SpectralRadius);
            w.WriteString("stability", f.Stability.Key());
            w.WriteNumber("unstableDimensions", f.UnstableDimensions);
            w.WriteString("type", f.IsFocus ? "focus" : "node");
            w.WriteStartArray("eigenvalues");
            foreach (var e in f.Eigenvalues)
            {
                w.WriteStartArray();
                w.WriteFiniteNumberValue(e.Real);
                w.WriteFiniteNumberValue(e.Imaginary);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteNumber("hits", f.Hits);
            w.WriteFiniteNumber("basinFraction", f.BasinFraction);
            w.WriteStartArray("basinCI95");
            w.WriteFiniteNumberValue(f.BasinCI95.Lo);
            w.WriteFiniteNumberValue(f.BasinCI95.Hi);
            w.WriteEndArray();
            w.WriteString("foundBy", f.FoundBy);
            w.WriteFiniteNumber("spectralRadiusError", f.SpectralRadiusError);
            w.WriteBoolean("stabilityUncertain", f.StabilityUncertain);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("cycles");
        foreach (CycleInfo c in r.Cycles)
        {
            w.WriteStartObject();
            w.WriteNumber("period", c.Period);
            w.WriteStartArray("points");
            foreach (double[] p in c.Points)
            {
                w.WriteStartArray();
                foreach (double v in p) w.WriteFiniteNumberValue(v);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteNumber("hits", c.Hits);
            w.WriteFiniteNumber("basinFraction", c.BasinFraction);
            w.WriteStartArray("basinCI95");
            w.WriteFiniteNumberValue(c.BasinCI95.Lo);
            w.WriteFiniteNumberValue(c.BasinCI95.Hi);
            w.WriteEndArray();
            w.WriteFiniteNumber("multiplierRadius", c.MultiplierRadius);
            w.WriteString("stability", c.Stability.Key());
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("estimatedMissing");
        w.WriteNumber("observed", r.EstimatedMissing.Observed);
        w.WriteFiniteNumber("chao1", r.EstimatedMissing.Chao1);
        w.WriteFiniteNumber("missing", r.EstimatedMissing.Missing);
        w.WriteFiniteNumber("stdError", r.EstimatedMissing.StdError);
        w.WriteFiniteNumber("coverage", r.EstimatedMissing.Coverage);
        w.WriteNumber("singletons", r.EstimatedMissing.Singletons);
        w.WriteNumber("doubletons", r.EstimatedMissing.Doubletons);
        w.WriteEndObject();
        w.WriteStartObject("options");
        w.WriteFiniteNumber("atol", r.Options.Solve.Atol);
        w.WriteFiniteNumber("rtol", r.Options.Solve.Rtol);
        w.WriteNumber("maxIterations", r.Options.Solve.MaxIterations);
        w.WriteNumber("maxPeriod", r.Options.Solve.MaxPeriod);
        w.WriteFiniteNumber("divergenceBound", r.Options.Solve.DivergenceBound);
        w.WriteFiniteNumber("uniqueTol", r.Options.UniqueTol);
        w.WriteFiniteNumber("polishTol", r.Options.PolishTol);
        w.WriteFiniteNumber("stabilityMargin", r.Options.StabilityMargin);
        w.WriteBoolean("unstable", r.Options.Unstable);
        w.WriteNumber("unstableStarts", r.Options.UnstableStarts);
        w.WriteEndObject();
        w.WriteNumber("evaluations", r.Evaluations);
        w.WriteFiniteNumber("elapsedSeconds", r.ElapsedSeconds);
        w.WriteEndObject();
    }

    /// <summary>fixed_points.csv: one row per fixed point, id first, status columns last.</summary>
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
              .Append(f.IsFocus ? "focus" : "node").Append(',').Append(f.Hits).Append(',')
              .Append(F(f.BasinFraction)).Append(',').Append(F(f.BasinCI95.Lo)).Append(',').Append(F(f.BasinCI95.Hi)).Append(',')
              .Append(f.FoundBy).Append(',').Append(f.Stability.Key()).Append(',')
              .Append(f.StabilityUncertain ? "true" : "false").AppendLine();
        }
        AtomicFile.WriteText(path, sb.ToString());
    }

    private static string F(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}
