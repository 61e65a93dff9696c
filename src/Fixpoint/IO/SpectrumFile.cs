using System.Text.Json;
using System.Text.Json.Serialization;
using Fixpoint.Census;
using Fixpoint.Spectra;

namespace Fixpoint.IO;

/// <summary>
/// spectrum.json, field by field (docs/spectrum.md describes every one): this record is the file's only
/// definition, written by <see cref="Write(string, SpectrumFile)"/> and read back by <see cref="Read"/>;
/// <see cref="From"/> maps a <see cref="SpectrumAnalysis"/> onto it. Inputs are spelled <c>gaussian</c>,
/// <c>given</c>, <c>fixed-points</c> or <c>census</c> (<see cref="InputsKey"/>).
/// </summary>
/// <param name="Jacobians">Points at which J was measured, over all realisations.</param>
/// <param name="Esd">The summary of the pooled squared singular values of J.</param>
public sealed record SpectrumFile(
    string Format,
    int Dimension,
    int Depth,
    ulong Seed,
    int Realisations,
    int RequestedRealisations,
    SpectrumInputs Inputs,
    double InputMeanSquare,
    int Jacobians,
    bool Partial,
    EsdSummary Esd,
    SpectrumTheoryFile Theory,
    EigenvalueSummary Eigenvalues,
    SpectrumHistograms Histograms,
    WeightsFile Weights,
    IReadOnlyList<RealisationInfo> RealisationDetails,
    IReadOnlyList<SpectrumPoint> Points,
    double ElapsedSeconds) : ResultFile(Format)
{
    public const string FormatName = "fixpoint-spectrum/1";

    internal static readonly JsonSerializerOptions JsonOptions = ResultJson.Options(
        new KeyedEnumConverter<SpectrumInputs>(InputsKey), new KeyedEnumConverter<TailClass>(ClassKey));

    /// <summary>The file model of <paramref name="a"/>; <paramref name="context"/> gives the provenance strings (see <see cref="ResultFile"/>).</summary>
    public static SpectrumFile From(SpectrumAnalysis a, IReadOnlyDictionary<string, string>? context, ulong seed, int requestedRealisations,
        string? weightLaw, double elapsedSeconds)
    {
        ArgumentNullException.ThrowIfNull(a);
        JacobianEnsembleResult e = a.Ensemble;
        double[] radii = e.Samples.Select(s => s.SpectralRadius).Where(double.IsFinite).ToArray();
        var file = new SpectrumFile(FormatName, e.Dimension, e.Depth, seed, e.Realisations.Count, requestedRealisations, e.Inputs, e.InputMeanSquare,
            e.Samples.Count, e.Partial, a.Summary, SpectrumTheoryFile.From(a),
            new EigenvalueSummary(a.Eigenvalues.Length, radii.Length > 0 ? radii.Average() : double.NaN, radii.Length > 0 ? radii.Max() : double.NaN,
                a.FractionOutsideUnitCircle),
            new SpectrumHistograms(HistogramFile.From(a.LinearHistogram)) { Log10 = a.LogHistogram is null ? null : HistogramFile.From(a.LogHistogram) },
            new WeightsFile(weightLaw, a.LayerTails.Select(LayerTailFile.From).ToList(), a.PooledTails is null ? null : PooledTailFile.From(a.PooledTails)),
            e.Realisations, e.Samples.Select(SpectrumPoint.From).ToList(), elapsedSeconds);
        return WithProvenance(file, context);
    }

    /// <summary>Writes spectrum.json atomically.</summary>
    public static void Write(string path, SpectrumFile file) => ResultJson.Write(path, file, JsonOptions);

    public static void Write(Stream stream, SpectrumFile file) => JsonSerializer.Serialize(stream, file, JsonOptions);

    /// <summary>Reads spectrum.json; a file that is not one (or lacks a field) is a <see cref="ModelFormatException"/> naming it.</summary>
    public static SpectrumFile Read(string path) => ResultJson.Read<SpectrumFile>(path, FormatName, JsonOptions);

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
}

/// <summary>
/// The free-probability prediction: whether it applies (and why not), then, when it does, its inputs, the
/// mean-field recursion per layer and the predicted moments with the measured relative errors.
/// </summary>
public sealed record SpectrumTheoryFile(bool Applicable, string? Reason)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public WeightEnsemble? Weights { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? SigmaW2 { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? SigmaB2 { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? InputMeanSquare { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<MeanFieldLayer>? Layers { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? Mean { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? SecondMoment { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? Variance { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? MeanRelativeError { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? VarianceRelativeError { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? DensityEta { get; init; }

    public static SpectrumTheoryFile From(SpectrumAnalysis a) => a.Theory is not JacobianSpectrumTheory t
        ? new SpectrumTheoryFile(false, a.TheoryReason)
        : new SpectrumTheoryFile(true, a.TheoryReason)
        {
            Weights = t.Weights, SigmaW2 = t.SigmaW2, SigmaB2 = t.SigmaB2, InputMeanSquare = t.InputMeanSquare, Layers = t.Layers,
            Mean = t.Mean, SecondMoment = t.SecondMoment, Variance = t.Variance,
            MeanRelativeError = a.MeanRelativeError, VarianceRelativeError = a.VarianceRelativeError, DensityEta = JacobianSpectrumTheory.DensityEta,
        };
}

/// <summary>The eigenvalues of J: how many, the mean and largest spectral radius over the points, and the fraction with |λ| &gt; 1.</summary>
public sealed record EigenvalueSummary(int Count, double MeanSpectralRadius, double MaxSpectralRadius, double FractionOutsideUnitCircle);

/// <summary>The histograms of the squared singular values: on a linear axis, and on a log10 axis when there is one.</summary>
public sealed record SpectrumHistograms(HistogramFile Linear)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public HistogramFile? Log10 { get; init; }
}

/// <summary>A histogram: bin <see cref="Edges"/>, <see cref="Counts"/> per bin, and the values outside every bin.</summary>
public sealed record HistogramFile(double[] Edges, long[] Counts, long Outside)
{
    public static HistogramFile From(Histogram h) => new(h.Edges, h.Counts, h.Outside);
}

/// <summary>The weights' tails: the law they were drawn from (null when unknown), one row per layer of realisation 0, and the pooled analysis.</summary>
public sealed record WeightsFile(string? Law, IReadOnlyList<LayerTailFile> Layers, PooledTailFile? Pooled);

/// <summary>The tail analysis of one weight matrix (see <see cref="LayerTail"/>); <see cref="Eigenvalues"/> counts the eigenvalues of WᵀW.</summary>
public sealed record LayerTailFile(int Layer, int Eigenvalues, HillFile? Hill, PowerLawFit? PowerLaw, VerdictFile? Verdict, string? Warning)
{
    public static LayerTailFile From(LayerTail l) =>
        new(l.Layer, l.Esd.Length, HillFile.From(l.Hill), l.PowerLaw, VerdictFile.From(l.Verdict), l.Warning);
}

/// <summary>The tail analysis of the pooled weight matrices (see <see cref="PooledWeightTails"/>).</summary>
public sealed record PooledTailFile(int Layers, int Eigenvalues, HillFile? Hill, PowerLawFit? PowerLaw, VerdictFile? Verdict, string? Warning)
{
    public static PooledTailFile From(PooledWeightTails p) =>
        new(p.Layers, p.Esd.Length, HillFile.From(p.Hill), p.PowerLaw, VerdictFile.From(p.Verdict), p.Warning);
}

/// <summary>A Hill estimate (see <see cref="HillResult"/>) with its 95% interval.</summary>
public sealed record HillFile(double Index, int K, int N, double Threshold, double StdError, (double Lo, double Hi) Ci95, double KsDistance)
{
    public static HillFile? From(HillResult? h) => h is null ? null : new(h.Index, h.K, h.N, h.Threshold, h.StdError, h.CI95, h.KsDistance);
}

/// <summary>
/// The verdict on a tail (see <see cref="TailVerdict"/>): <see cref="LawTailIndex"/> is the law's index when
/// finite (null for a light law, which <see cref="LawLightTailed"/> marks, and when the law is unknown).
/// </summary>
public sealed record VerdictFile(TailClass Class, bool Confident, double? LawTailIndex, bool? LawLightTailed, bool? ConsistentWithLaw, string Text)
{
    public static VerdictFile? From(TailVerdict? v) => v is null ? null
        : new(v.Class, v.Confident, v.LawIndex is double li && double.IsFinite(li) ? li : null,
            v.LawIndex is double l2 ? double.IsPositiveInfinity(l2) : null, v.ConsistentWithLaw, v.Text);
}

/// <summary>One point at which J was measured: its realisation, kind, stability (fixed points only), ρ(J) and the largest and the share above 1 of the squared singular values.</summary>
public sealed record SpectrumPoint(int Realisation, string Kind, Stability? Stability, double SpectralRadius, double MaxSquaredSingularValue, double FractionAboveOne)
{
    public static SpectrumPoint From(JacobianSample s) => new(s.Realisation, s.Kind, s.Stability, s.SpectralRadius,
        s.SquaredSingularValues.Length > 0 ? s.SquaredSingularValues[0] : double.NaN,
        s.SquaredSingularValues.Length > 0 ? s.SquaredSingularValues.Count(v => v > 1) / (double)s.SquaredSingularValues.Length : double.NaN);
}
