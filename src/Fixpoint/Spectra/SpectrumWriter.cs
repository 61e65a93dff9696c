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
        Number(w, "inputMeanSquare", e.InputMeanSquare);
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
            Number(w, "sigmaW2", t.SigmaW2);
            Number(w, "sigmaB2", t.SigmaB2);
            Number(w, "inputMeanSquare", t.InputMeanSquare);
            w.WriteStartArray("layers");
            foreach (MeanFieldLayer l in t.Layers)
            {
                w.WriteStartObject();
                w.WriteNumber("layer", l.Layer);
                Number(w, "q", l.Q);
                Number(w, "mu1", l.Mu1);
                Number(w, "mu2", l.Mu2);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            Number(w, "mean", t.Mean);
            Number(w, "secondMoment", t.SecondMoment);
            Number(w, "variance", t.Variance);
            Number(w, "meanRelativeError", a.MeanRelativeError);
            Number(w, "varianceRelativeError", a.VarianceRelativeError);
            Number(w, "densityEta", JacobianSpectrumTheory.DensityEta);
        }
        w.WriteEndObject();

        w.WriteStartObject("eigenvalues");
        w.WriteNumber("count", a.Eigenvalues.Length);
        double[] radii = e.Samples.Select(s => s.SpectralRadius).Where(double.IsFinite).ToArray();
        Number(w, "meanSpectralRadius", radii.Length > 0 ? radii.Average() : double.NaN);
        Number(w, "maxSpectralRadius", radii.Length > 0 ? radii.Max() : double.NaN);
        Number(w, "fractionOutsideUnitCircle", a.FractionOutsideUnitCircle);
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
            Number(w, "spectralRadius", s.SpectralRadius);
            Number(w, "maxSquaredSingularValue", s.SquaredSingularValues.Length > 0 ? s.SquaredSingularValues[0] : double.NaN);
            Number(w, "fractionAboveOne", s.SquaredSingularValues.Length > 0 ? s.SquaredSingularValues.Count(v => v > 1) / (double)s.SquaredSingularValues.Length : double.NaN);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        Number(w, "elapsedSeconds", elapsedSeconds);
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
            Number(w, "meanQ", row.MeanQ);
            Number(w, "qStdError", row.QStdError);
            w.WriteStartArray("q");
            foreach (int q in row.QValues) w.WriteNumberValue(q);
            w.WriteEndArray();
            Number(w, "meanFixedPoints", row.MeanFixedPoints);
            Number(w, "meanCycles", row.MeanCycles);
            Number(w, "cycleBasin", row.CycleBasin);
            Number(w, "unresolvedBasin", row.UnresolvedBasin);
            Number(w, "meanSpectralRadiusStable", row.MeanSpectralRadiusStable);
            Number(w, "meanSpectralRadiusAll", row.MeanSpectralRadiusAll);
            Number(w, "fractionAboveOneAtFixedPoints", row.FractionAboveOneAtFixedPoints);
            Number(w, "fractionAboveOneAtProbes", row.FractionAboveOneAtProbes);
            Number(w, "meanLog10AtProbes", row.MeanLog10AtProbes);
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
            Number(w, "cycleBasin", d.CycleBasin);
            Number(w, "unresolvedBasin", d.UnresolvedBasin);
            w.WriteStartArray("spectralRadii");
            foreach (double v in d.SpectralRadii) NumberValue(w, v);
            w.WriteEndArray();
            w.WriteStartArray("stableSpectralRadii");
            foreach (double v in d.StableSpectralRadii) NumberValue(w, v);
            w.WriteEndArray();
            Number(w, "fractionAboveOneAtFixedPoints", d.FractionAboveOneAtFixedPoints);
            Number(w, "maxSquaredSingularValueAtFixedPoints", d.MaxSquaredSingularValueAtFixedPoints);
            Number(w, "fractionAboveOneAtProbes", d.FractionAboveOneAtProbes);
            Number(w, "meanLog10AtProbes", d.MeanLog10AtProbes);
            Number(w, "meanAtProbes", d.MeanAtProbes);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        Number(w, "elapsedSeconds", elapsedSeconds);
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
        Number(w, "mean", s.Mean);
        Number(w, "variance", s.Variance);
        Number(w, "secondMoment", s.SecondMoment);
        Number(w, "min", s.Min);
        Number(w, "median", s.Median);
        Number(w, "max", s.Max);
        Number(w, "fractionAboveOne", s.FractionAboveOne);
        Number(w, "meanLog10", s.MeanLog10);
    }

    private static void HistogramJson(Utf8JsonWriter w, string name, Histogram h)
    {
        w.WriteStartObject(name);
        w.WriteStartArray("edges");
        foreach (double v in h.Edges) NumberValue(w, v);
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
            Number(w, "index", hill.Index);
            w.WriteNumber("k", hill.K);
            w.WriteNumber("n", hill.N);
            Number(w, "threshold", hill.Threshold);
            Number(w, "stdError", hill.StdError);
            w.WriteStartArray("ci95");
            NumberValue(w, hill.CI95.Lo);
            NumberValue(w, hill.CI95.Hi);
            w.WriteEndArray();
            Number(w, "ksDistance", hill.KsDistance);
            w.WriteEndObject();
        }
        if (fit is null) w.WriteNull("powerLaw");
        else
        {
            w.WriteStartObject("powerLaw");
            Number(w, "alpha", fit.Alpha);
            Number(w, "xmin", fit.Xmin);
            Number(w, "ksDistance", fit.KsDistance);
            w.WriteNumber("nTail", fit.NTail);
            w.WriteNumber("n", fit.N);
            Number(w, "stdError", fit.StdError);
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

    private static void Number(Utf8JsonWriter w, string name, double v)
    {
        w.WritePropertyName(name);
        NumberValue(w, v);
    }

    private static void NumberValue(Utf8JsonWriter w, double v)
    {
        if (double.IsFinite(v)) w.WriteNumberValue(v);
        else w.WriteNullValue();
    }
}
