using System.Text.Json;
using Fixpoint.IO;

namespace Fixpoint.Spectra;

/// <summary>
/// The spectrum output contract: <c>spectrum.json</c> and <c>depth.json</c> (docs/spectrum.md describes every field).
/// Numbers are written with round-trip precision; a value that is not finite is written as null.
/// </summary>
public static class SpectrumWriter
{
    public const string FormatName = "fixpoint-spectrum/1";
    public const string DepthFormatName = "fixpoint-spectrum-depth/1";

    /// <summary>Writes spectrum.json atomically; <paramref name="context"/> adds top-level string fields (command line, network, version).</summary>
    public static void WriteJson(SpectrumAnalysis a, string path, IReadOnlyDictionary<string, string>? context, ulong seed, int requestedRealisations,
        string? weightLaw, double elapsedSeconds)
        => AtomicFile.Write(path, s => WriteJson(a, s, context, seed, requestedRealisations, weightLaw, elapsedSeconds));

    public static void WriteJson(SpectrumAnalysis a, Stream stream, IReadOnlyDictionary<string, string>? context, ulong seed, int requestedRealisations,
        string? weightLaw, double elapsedSeconds)
    {
        ArgumentNullException.ThrowIfNull(a);
        JacobianEnsembleResult e = a.Ensemble;
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("format", FormatName);
        if (context is not null) foreach (var (k, v) in context) w.WriteString(k, v);
        w.WriteNumber("dimension", e.Dimension);
        w.WriteNumber("depth", e.Depth);
        w.WriteNumber("seed", seed);
        w.WriteNumber("realisations", e.Realisations.Count);
        w.WriteNumber("requestedRealisations", requestedRealisations);
        w.WriteString("inputs", InputsKey(e.Inputs));
        w.WriteFiniteNumber("inputMeanSquare", e.InputMeanSquare);
        w.WriteNumber("jacobians", e.Samples.Count);
        w.WriteBoolean("partial", e.Partial);

        w.WriteStartObject("esd");
        Summary(w, a.Summary);
        w.WriteEndObject();

        w.WriteStartObject("theory");
        w.WriteBoolean("applicable", a.Theory is not null);
        if (a.TheoryReason is null) w.WriteNull("reason"); else w.WriteString("reason", a.TheoryReason);
        if (a.Theory is JacobianSpectrumTheory t)
        {
            w.WriteString("weights", t.Weights == WeightEnsemble.Gaussian ? "gaussian" : "orthogonal");
            w.WriteFiniteNumber("sigmaW2", t.SigmaW2);
            w.WriteFiniteNumber("sigmaB2", t.SigmaB2);
            w.WriteFiniteNumber("inputMeanSquare", t.InputMeanSquare);
            w.WriteStartArray("layers");
            foreach (MeanFieldLayer l in t.Layers)
            {
                w.WriteStartObject();
                w.WriteNumber("layer", l.Layer);
                w.WriteFiniteNumber("q", l.Q);
                w.WriteFiniteNumber("mu1", l.Mu1);
                w.WriteFiniteNumber("mu2", l.Mu2);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteFiniteNumber("mean", t.Mean);
            w.WriteFiniteNumber("secondMoment", t.SecondMoment);
            w.WriteFiniteNumber("variance", t.Variance);
            w.WriteFiniteNumber("meanRelativeError", a.MeanRelativeError);
            w.WriteFiniteNumber("varianceRelativeError", a.VarianceRelativeError);
            w.WriteFiniteNumber("densityEta", JacobianSpectrumTheory.DensityEta);
        }
        w.WriteEndObject();

        w.WriteStartObject("eigenvalues");
        w.WriteNumber("count", a.Eigenvalues.Length);
        double[] radii = e.Samples.Select(s => s.SpectralRadius).Where(double.IsFinite).ToArray();
        w.WriteFiniteNumber("meanSpectralRadius", radii.Length > 0 ? radii.Average() : double.NaN);
        w.WriteFiniteNumber("maxSpectralRadius", radii.Length > 0 ? radii.Max() : double.NaN);
        w.WriteFiniteNumber("fractionOutsideUnitCircle", a.FractionOutsideUnitCircle);
        w.WriteEndObject();

        w.WriteStartObject("histograms");
        HistogramJson(w, "linear", a.LinearHistogram);
        if (a.LogHistogram is not null) HistogramJson(w, "log10", a.LogHistogram);
        w.WriteEndObject();

        w.WriteStartObject("weights");
        if (weightLaw is null) w.WriteNull("law"); else w.WriteString("law", weightLaw);
        w.WriteStartArray("layers");
        foreach (LayerTail l in a.LayerTails)
        {
            w.WriteStartObject();
            w.WriteNumber("layer", l.Layer);
            w.WriteNumber("eigenvalues", l.Esd.Length);
            TailJson(w, l.Hill, l.PowerLaw, l.Verdict, l.Warning);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (a.PooledTails is PooledWeightTails p)
        {
            w.WriteStartObject("pooled");
            w.WriteNumber("layers", p.Layers);
            w.WriteNumber("eigenvalues", p.Esd.Length);
            TailJson(w, p.Hill, p.PowerLaw, p.Verdict, p.Warning);
            w.WriteEndObject();
        }
        else w.WriteNull("pooled");
        w.WriteEndObject();

        w.WriteStartArray("realisationDetails");
        foreach (RealisationInfo r in e.Realisations)
        {
            w.WriteStartObject();
            w.WriteNumber("realisation", r.Realisation);
            w.WriteNumber("seed", r.Seed);
            NullableInt(w, "q", r.Q);
            NullableInt(w, "fixedPoints", r.FixedPoints);
            NullableInt(w, "cycles", r.Cycles);
            w.WriteNumber("points", r.Points);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("points");
        foreach (JacobianSample s in e.Samples)
        {
            w.WriteStartObject();
            w.WriteNumber("realisation", s.Realisation);
            w.WriteString("kind", s.Kind);
            if (s.Stability is Census.Stability st) w.WriteString("stability", Census.StabilityText.Key(st)); else w.WriteNull("stability");
            w.WriteFiniteNumber("spectralRadius", s.SpectralRadius);
            w.WriteFiniteNumber("maxSquaredSingularValue", s.SquaredSingularValues.Length > 0 ? s.SquaredSingularValues[0] : double.NaN);
            w.WriteFiniteNumber("fractionAboveOne", s.SquaredSingularValues.Length > 0 ? s.SquaredSingularValues.Count(v => v > 1) / (double)s.SquaredSingularValues.Length : double.NaN);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteFiniteNumber("elapsedSeconds", elapsedSeconds);
        w.WriteEndObject();
    }

    /// <summary>Writes depth.json atomically.</summary>
    public static void WriteDepthJson(DepthEnsembleResult r, string path, IReadOnlyDictionary<string, string>? context, double elapsedSeconds)
        => AtomicFile.Write(path, s => WriteDepthJson(r, s, context, elapsedSeconds));

    public static void WriteDepthJson(DepthEnsembleResult r, Stream stream, IReadOnlyDictionary<string, string>? context, double elapsedSeconds)
    {
        ArgumentNullException.ThrowIfNull(r);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("format", DepthFormatName);
        if (context is not null) foreach (var (k, v) in context) w.WriteString(k, v);
        w.WriteBoolean("partial", r.Partial);
        w.WriteStartArray("rows");
        foreach (DepthRow row in r.Rows)
        {
            w.WriteStartObject();
            w.WriteNumber("depth", row.Depth);
            w.WriteNumber("realisations", row.Realisations);
            w.WriteFiniteNumber("meanQ", row.MeanQ);
            w.WriteFiniteNumber("qStdError", row.QStdError);
            w.WriteStartArray("q");
            foreach (int q in row.QValues) w.WriteNumberValue(q);
            w.WriteEndArray();
            w.WriteFiniteNumber("meanFixedPoints", row.MeanFixedPoints);
            w.WriteFiniteNumber("meanCycles", row.MeanCycles);
            w.WriteFiniteNumber("cycleBasin", row.CycleBasin);
            w.WriteFiniteNumber("unresolvedBasin", row.UnresolvedBasin);
            w.WriteFiniteNumber("meanSpectralRadiusStable", row.MeanSpectralRadiusStable);
            w.WriteFiniteNumber("meanSpectralRadiusAll", row.MeanSpectralRadiusAll);
            w.WriteFiniteNumber("fractionAboveOneAtFixedPoints", row.FractionAboveOneAtFixedPoints);
            w.WriteFiniteNumber("fractionAboveOneAtProbes", row.FractionAboveOneAtProbes);
            w.WriteFiniteNumber("meanLog10AtProbes", row.MeanLog10AtProbes);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("records");
        foreach (DepthRealisation d in r.Records)
        {
            w.WriteStartObject();
            w.WriteNumber("depth", d.Depth);
            w.WriteNumber("realisation", d.Realisation);
            w.WriteNumber("seed", d.Seed);
            w.WriteNumber("q", d.Q);
            w.WriteNumber("distinctFixedPoints", d.DistinctFixedPoints);
            w.WriteNumber("cycles", d.Cycles);
            w.WriteFiniteNumber("cycleBasin", d.CycleBasin);
            w.WriteFiniteNumber("unresolvedBasin", d.UnresolvedBasin);
            w.WriteStartArray("spectralRadii");
            foreach (double v in d.SpectralRadii) w.WriteFiniteNumberValue(v);
            w.WriteEndArray();
            w.WriteStartArray("stableSpectralRadii");
            foreach (double v in d.StableSpectralRadii) w.WriteFiniteNumberValue(v);
            w.WriteEndArray();
            w.WriteFiniteNumber("fractionAboveOneAtFixedPoints", d.FractionAboveOneAtFixedPoints);
            w.WriteFiniteNumber("maxSquaredSingularValueAtFixedPoints", d.MaxSquaredSingularValueAtFixedPoints);
            w.WriteFiniteNumber("fractionAboveOneAtProbes", d.FractionAboveOneAtProbes);
            w.WriteFiniteNumber("meanLog10AtProbes", d.MeanLog10AtProbes);
            w.WriteFiniteNumber("meanAtProbes", d.MeanAtProbes);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteFiniteNumber("elapsedSeconds", elapsedSeconds);
        w.WriteEndObject();
    }

    public static string InputsKey(SpectrumInputs inputs) => inputs switch
    {
        SpectrumInputs.Gaussian => "gaussian",
        SpectrumInputs.Given => "given",
        SpectrumInputs.FixedPoints => "fixed-points",
        SpectrumInputs.CensusPoints => "census",
        _ => throw new ArgumentOutOfRangeException(nameof(inputs)),
    };

    public static string ClassKey(TailClass c) => c switch
    {
        TailClass.InfiniteVariance => "infinite-variance",
        TailClass.HeavyFiniteVariance => "heavy-finite-variance",
        TailClass.Light => "light",
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    private static void Summary(Utf8JsonWriter w, EsdSummary s)
    {
        w.WriteNumber("count", s.Count);
        w.WriteNumber("zeros", s.Zeros);
        w.WriteFiniteNumber("mean", s.Mean);
        w.WriteFiniteNumber("variance", s.Variance);
        w.WriteFiniteNumber("secondMoment", s.SecondMoment);
        w.WriteFiniteNumber("min", s.Min);
        w.WriteFiniteNumber("median", s.Median);
        w.WriteFiniteNumber("max", s.Max);
        w.WriteFiniteNumber("fractionAboveOne", s.FractionAboveOne);
        w.WriteFiniteNumber("meanLog10", s.MeanLog10);
    }

    private static void HistogramJson(Utf8JsonWriter w, string name, Histogram h)
    {
        w.WriteStartObject(name);
        w.WriteStartArray("edges");
        foreach (double v in h.Edges) w.WriteFiniteNumberValue(v);
        w.WriteEndArray();
        w.WriteStartArray("counts");
        foreach (long c in h.Counts) w.WriteNumberValue(c);
        w.WriteEndArray();
        w.WriteNumber("outside", h.Outside);
        w.WriteEndObject();
    }

    private static void TailJson(Utf8JsonWriter w, HillResult? hill, PowerLawFit? fit, TailVerdict? verdict, string? warning)
    {
        if (hill is null) w.WriteNull("hill");
        else
        {
            w.WriteStartObject("hill");
            w.WriteFiniteNumber("index", hill.Index);
            w.WriteNumber("k", hill.K);
            w.WriteNumber("n", hill.N);
            w.WriteFiniteNumber("threshold", hill.Threshold);
            w.WriteFiniteNumber("stdError", hill.StdError);
            w.WriteStartArray("ci95");
            w.WriteFiniteNumberValue(hill.CI95.Lo);
            w.WriteFiniteNumberValue(hill.CI95.Hi);
            w.WriteEndArray();
            w.WriteFiniteNumber("ksDistance", hill.KsDistance);
            w.WriteEndObject();
        }
        if (fit is null) w.WriteNull("powerLaw");
        else
        {
            w.WriteStartObject("powerLaw");
            w.WriteFiniteNumber("alpha", fit.Alpha);
            w.WriteFiniteNumber("xmin", fit.Xmin);
            w.WriteFiniteNumber("ksDistance", fit.KsDistance);
            w.WriteNumber("nTail", fit.NTail);
            w.WriteNumber("n", fit.N);
            w.WriteFiniteNumber("stdError", fit.StdError);
            w.WriteEndObject();
        }
        if (verdict is null) w.WriteNull("verdict");
        else
        {
            w.WriteStartObject("verdict");
            w.WriteString("class", ClassKey(verdict.Class));
            w.WriteBoolean("confident", verdict.Confident);
            if (verdict.LawIndex is double li && double.IsFinite(li)) w.WriteNumber("lawTailIndex", li); else w.WriteNull("lawTailIndex");
            if (verdict.LawIndex is double l2) w.WriteBoolean("lawLightTailed", double.IsPositiveInfinity(l2)); else w.WriteNull("lawLightTailed");
            if (verdict.ConsistentWithLaw is bool c) w.WriteBoolean("consistentWithLaw", c); else w.WriteNull("consistentWithLaw");
            w.WriteString("text", verdict.Text);
            w.WriteEndObject();
        }
        if (warning is null) w.WriteNull("warning"); else w.WriteString("warning", warning);
    }

    private static void NullableInt(Utf8JsonWriter w, string name, int? v)
    {
        if (v is int i) w.WriteNumber(name, i); else w.WriteNull(name);
    }
}
