using System.Globalization;
using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Spectra;

/// <summary>
/// Whether a Clauset power-law fit of a layer's ESD describes a heavy tail or only the bulk, with the evidence.
/// </summary>
/// <param name="Fit">The Clauset fit of the ESD of WᵀW.</param>
/// <param name="TailShare">n_tail / n: above <see cref="TailAssessments.MaxTailShare"/> the fit is of the bulk, not of a tail.</param>
/// <param name="LogLikelihoodRatio">R = Σ over the tail of ln p_power(x) − ln p_exponential(x) (both above xmin, each fitted by maximum likelihood); R &gt; 0 favours the power law.</param>
/// <param name="LikelihoodRatioP">Vuong's two-sided p-value of R (Clauset, Shalizi and Newman 2009, §5): the sign of R means something only when it is small.</param>
/// <param name="ShuffledFit">The same fit for the ESD of a copy of W with its entries shuffled (seeded): what the entries' law alone gives.</param>
/// <param name="RandDistance">The Kolmogorov–Smirnov distance between the ESDs of W and of the shuffled copy (WeightWatcher's rand_distance uses a histogram distance; this is its analogue without bins): near 0, W has no structure beyond its entries' law.</param>
/// <param name="IsPowerLaw">The tail is a small part of the spectrum, and the power law beats the exponential (R &gt; 0, p &lt; 0.1).</param>
/// <param name="Verdict">One line saying which, and why.</param>
public sealed record TailAssessment(PowerLawFit Fit, double TailShare, double LogLikelihoodRatio, double LikelihoodRatioP,
    PowerLawFit? ShuffledFit, double RandDistance, bool IsPowerLaw, string Verdict);

public static class TailAssessments
{
    /// <summary>A "tail" holding more than this share of the eigenvalues is the bulk.</summary>
    public const double MaxTailShare = 0.5;

    /// <summary>The largest Vuong p-value at which R's sign is taken as evidence.</summary>
    public const double MaxLikelihoodRatioP = 0.1;

    /// <summary>Assesses the ESD fit of <paramref name="layer"/>'s weights; null when no fit can be made.</summary>
    public static TailAssessment? Assess(DenseLayer layer, ulong seed = 1)
    {
        ArgumentNullException.ThrowIfNull(layer);
        double[] esd = WeightTails.WeightEsd(layer);
        if (esd.Where(v => v > 0).Distinct().Count() < 2) return null;
        PowerLawFit fit = TailIndex.FitPowerLaw(esd);
        double[] shuffled = (double[])layer.Weight.Clone();
        var rng = Rng.Derive(seed, Rng.HashKey("tail-shuffle"));
        for (int i = shuffled.Length - 1; i > 0; i--)
        {
            int j = (int)(rng.NextUInt64() % (ulong)(i + 1));
            (shuffled[i], shuffled[j]) = (shuffled[j], shuffled[i]);
        }
        double[] esdShuffled = WeightTails.WeightEsd(new DenseLayer(layer.Inputs, layer.Outputs, shuffled, layer.Bias));
        PowerLawFit? shuffledFit = esdShuffled.Where(v => v > 0).Distinct().Count() >= 2 ? TailIndex.FitPowerLaw(esdShuffled) : null;
        return Assess(esd, fit, shuffledFit, KsDistance(esd, esdShuffled));
    }

    /// <summary>The verdict from a fit of <paramref name="esd"/> (any positive samples) and, optionally, a shuffled copy's.</summary>
    public static TailAssessment Assess(double[] esd, PowerLawFit fit, PowerLawFit? shuffledFit = null, double randDistance = double.NaN)
    {
        double[] tail = esd.Where(v => v >= fit.Xmin).ToArray();
        (double r, double p) = VersusExponential(tail, fit.Alpha, fit.Xmin);
        double share = (double)fit.NTail / fit.N;
        bool bulk = share > MaxTailShare;
        bool beats = r > 0 && p < MaxLikelihoodRatioP;
        string a = fit.Alpha.ToString("0.##", CultureInfo.InvariantCulture);
        string verdict = bulk
            ? $"not a power law: the fit (α = {a}) covers {fit.NTail} of {fit.N} eigenvalues, the bulk, not a tail"
            : !beats
                ? $"not a power law: an exponential fits the top {fit.NTail} of {fit.N} eigenvalues as well (R = {r:0.##}, p = {p:0.###})"
                : $"power law α = {a} over the top {fit.NTail} of {fit.N} eigenvalues (R = {r:0.##} against an exponential, p = {p:0.###})";
        return new TailAssessment(fit, share, r, p, shuffledFit, randDistance, !bulk && beats, verdict);
    }

    /// <summary>
    /// Vuong's test of the power law p(x) = (α − 1)/xmin · (x/xmin)^−α against the exponential λ e^{−λ(x − xmin)}
    /// (λ = 1/mean(x − xmin)) on the tail: R = Σ ℓ_i and p = erfc(|R| / √(2 n σ²)), σ² the variance of the ℓ_i.
    /// </summary>
    public static (double R, double P) VersusExponential(ReadOnlySpan<double> tail, double alpha, double xmin)
    {
        int n = tail.Length;
        if (n < 2 || !(alpha > 1) || !(xmin > 0)) return (0, 1);
        double mean = 0;
        foreach (double x in tail) mean += x - xmin;
        mean /= n;
        if (!(mean > 0)) return (0, 1);
        double lambda = 1 / mean;
        var l = new double[n];
        for (int i = 0; i < n; i++)
        {
            double x = tail[i];
            double pl = Math.Log(alpha - 1) - Math.Log(xmin) - alpha * Math.Log(x / xmin);
            double ex = Math.Log(lambda) - lambda * (x - xmin);
            l[i] = pl - ex;
        }
        double r = l.Sum(), m = r / n;
        double var = l.Sum(v => (v - m) * (v - m)) / n;
        if (!(var > 0)) return (r, r == 0 ? 1 : 0);
        return (r, Erfc(Math.Abs(r) / Math.Sqrt(2 * n * var)));
    }

    /// <summary>sup |F_a − F_b| of the two empirical distributions.</summary>
    public static double KsDistance(double[] a, double[] b)
    {
        double[] x = a.Order().ToArray(), y = b.Order().ToArray();
        int i = 0, j = 0;
        double d = 0;
        while (i < x.Length && j < y.Length)
        {
            double v = Math.Min(x[i], y[j]);
            while (i < x.Length && x[i] <= v) i++;
            while (j < y.Length && y[j] <= v) j++;
            d = Math.Max(d, Math.Abs((double)i / x.Length - (double)j / y.Length));
        }
        return d;
    }

    /// <summary>The complementary error function.</summary>
    public static double Erfc(double x) => MathNet.Numerics.SpecialFunctions.Erfc(x);
}
