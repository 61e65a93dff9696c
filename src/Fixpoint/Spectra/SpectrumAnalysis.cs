using System.Numerics;
using Fixpoint.Init;

namespace Fixpoint.Spectra;

/// <summary>A curve on a grid: x and y of equal length.</summary>
public sealed record Curve(double[] X, double[] Y);

/// <summary>The pooled tail analysis of the weights of several layers (several realisations).</summary>
/// <param name="Layers">Weight matrices pooled.</param>
/// <param name="Hill">Hill index of all their entries, k = ⌊√(entries)⌋.</param>
/// <param name="HillPlot">Hill index against k for the pooled entries.</param>
/// <param name="Esd">All eigenvalues of the pooled WᵀW, ascending.</param>
/// <param name="PowerLaw">The Clauset fit of <paramref name="Esd"/>.</param>
/// <param name="Verdict">The verdict on <paramref name="Hill"/>.</param>
/// <param name="Warning">Why an estimate is missing or unreliable; null when all is well.</param>
public sealed record PooledWeightTails(int Layers, HillResult? Hill, HillPlotData? HillPlot, double[] Esd, PowerLawFit? PowerLaw, TailVerdict? Verdict, string? Warning);

/// <summary>
/// Everything the spectrum report shows, computed from an ensemble: the pooled ESD of JJᵀ with its summary,
/// histograms and kernel density estimates on a linear axis and on a log10 axis, the prediction (when it
/// applies) on the same grids, the eigenvalues of J, and the weights' tails.
/// </summary>
public sealed record SpectrumAnalysis(
    JacobianEnsembleResult Ensemble,
    EsdSummary Summary,
    JacobianSpectrumTheory? Theory,
    string? TheoryReason,
    double LinearMax,
    Histogram LinearHistogram,
    Curve LinearKde,
    Curve? LinearTheory,
    Histogram? LogHistogram,
    Curve? LogKde,
    Curve? LogTheory,
    Complex[] Eigenvalues,
    IReadOnlyList<LayerTail> LayerTails,
    PooledWeightTails? PooledTails)
{
    /// <summary>Points on each density grid.</summary>
    public const int GridPoints = 240;

    /// <summary>At most this many weight matrices are pooled for <see cref="PooledTails"/> (realisations in order, layers in order).</summary>
    public const int MaxPooledLayers = 32;

    /// <summary>The linear axis spans [0, LinearMax] with LinearMax = min(max, LinearClip × the 99th percentile): one huge value does not flatten the plot.</summary>
    public const double LinearClip = 1.25;

    /// <summary>(measured − predicted)/predicted for the mean; NaN without a prediction.</summary>
    public double MeanRelativeError => Theory is null ? double.NaN : Summary.Mean / Theory.Mean - 1;

    /// <summary>(measured − predicted)/predicted for the variance; NaN without a prediction.</summary>
    public double VarianceRelativeError => Theory is null ? double.NaN : Summary.Variance / Theory.Variance - 1;

    /// <summary>Eigenvalues of J with |λ| &gt; 1, as a fraction of all.</summary>
    public double FractionOutsideUnitCircle => Eigenvalues.Length == 0 ? double.NaN : Eigenvalues.Count(e => e.Magnitude > 1) / (double)Eigenvalues.Length;

    /// <summary>
    /// Builds the analysis. <paramref name="theory"/> (or <paramref name="theoryReason"/> when it does not apply),
    /// the weights' rows of the first realisation, and the weight matrices to pool come from the caller.
    /// </summary>
    public static SpectrumAnalysis Create(JacobianEnsembleResult ensemble, JacobianSpectrumTheory? theory, string? theoryReason,
        IReadOnlyList<LayerTail> layerTails, IReadOnlyList<Maps.DenseLayer> pooledLayers, WeightLaw? law, int bins,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        ArgumentNullException.ThrowIfNull(layerTails);
        ArgumentNullException.ThrowIfNull(pooledLayers);
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), bins, "must be ≥ 1");
        double[] values = ensemble.SquaredSingularValues();
        if (values.Length == 0) throw new ArgumentException("the ensemble has no Jacobian samples", nameof(ensemble));
        EsdSummary summary = EsdSummary.Of(values);
        double[] sorted = (double[])values.Clone();
        Array.Sort(sorted);

        // Linear axis.
        double q99 = KernelDensity.Quantile(sorted, 0.99);
        double linMax = Math.Min(summary.Max, LinearClip * q99);
        if (!(linMax > 0)) linMax = summary.Max > 0 ? summary.Max : 1.0;
        Histogram linHist = Histogram.Of(values, 0, linMax, bins);
        double[] linGrid = Enumerable.Range(0, GridPoints).Select(i => linMax * i / (GridPoints - 1)).ToArray();
        double bw = KernelDensity.SilvermanBandwidth(values);
        Curve linKde = new(linGrid, KernelDensity.Estimate(values, linGrid, bw, reflectAtZero: true));

        // Log10 axis over the positive values.
        double[] logs = values.Where(v => v > 0).Select(Math.Log10).ToArray();
        Histogram? logHist = null;
        Curve? logKde = null;
        double[]? logGrid = null;
        if (logs.Length >= 2 && logs.Max() > logs.Min())
        {
            double lo = logs.Min(), hi = logs.Max(), pad = 0.05 * (hi - lo);
            logHist = Histogram.Of(logs, lo, hi, bins);
            logGrid = Enumerable.Range(0, GridPoints).Select(i => lo - pad + (hi - lo + 2 * pad) * i / (GridPoints - 1)).ToArray();
            logKde = new Curve(logGrid, KernelDensity.Estimate(logs, logGrid, KernelDensity.SilvermanBandwidth(logs)));
        }

        Curve? linTheory = null, logTheory = null;
        if (theory is not null)
        {
            double[] lamLin = linGrid.Skip(1).ToArray();
            double[] lamLog = logGrid?.Select(u => Math.Pow(10, u)).ToArray() ?? [];
            double[] rho = theory.Density([.. lamLin, .. lamLog], cancellationToken);
            linTheory = new Curve(lamLin, rho[..lamLin.Length]);
            if (logGrid is not null)
                logTheory = new Curve(logGrid, lamLog.Select((l, i) => l * Math.Log(10) * rho[lamLin.Length + i]).ToArray());
        }

        PooledWeightTails? pooled = null;
        if (pooledLayers.Count > 0)
        {
            double[] entries = pooledLayers.SelectMany(l => l.Weight).ToArray();
            double[] esd = pooledLayers.SelectMany(WeightTails.WeightEsd).OrderBy(v => v).ToArray();
            var warnings = new List<string>();
            HillResult? hill = WeightTails.TryHill(entries, warnings);
            PowerLawFit? fit = WeightTails.TryFit(esd, warnings);
            pooled = new PooledWeightTails(pooledLayers.Count, hill, hill is null ? null : TailIndex.HillPlot(entries), esd, fit,
                hill is null ? null : WeightTails.Verdict(hill, law), warnings.Count > 0 ? string.Join("; ", warnings) : null);
        }
        return new SpectrumAnalysis(ensemble, summary, theory, theoryReason, linMax, linHist, linKde, linTheory, logHist, logKde, logTheory,
            ensemble.Eigenvalues(), layerTails, pooled);
    }
}
