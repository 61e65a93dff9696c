namespace Fixpoint.Spectra;

/// <summary>
/// The Hill estimate of the tail index of |x| from its k largest values.
/// With X(1) ≥ X(2) ≥ … the order statistics of |x|: γ = (1/k) Σ_{i≤k} ln X(i) − ln X(k+1) and
/// <see cref="Index"/> = 1/γ, the α of P(|x| &gt; t) ~ t^−α (Cauchy: 1; α-stable: α; Student-t: ν;
/// light tails such as the Gaussian: large, and growing with n).
/// </summary>
/// <param name="Index">α = 1/γ.</param>
/// <param name="Gamma">γ, the mean log-excess over the threshold.</param>
/// <param name="K">Order statistics used.</param>
/// <param name="N">Samples.</param>
/// <param name="Threshold">X(k+1), the smallest value not in the tail: the xmin of the Pareto fit.</param>
/// <param name="StdError">α/√k, the asymptotic standard error for an exact Pareto tail.</param>
/// <param name="KsDistance">Kolmogorov–Smirnov distance between the k tail values and the Pareto law with index α above <see cref="Threshold"/>.</param>
public sealed record HillResult(double Index, double Gamma, int K, int N, double Threshold, double StdError, double KsDistance)
{
    /// <summary>The asymptotic 95% interval α(1 ± 1.96/√k).</summary>
    public (double Lo, double Hi) CI95 => (Index * (1 - TailIndex.Z95 / Math.Sqrt(K)), Index * (1 + TailIndex.Z95 / Math.Sqrt(K)));
}

/// <summary>Hill estimates against k, for a Hill (stability) plot: a heavy tail shows a plateau.</summary>
/// <param name="K">The k values, increasing.</param>
/// <param name="Index">The Hill index at each k.</param>
public sealed record HillPlotData(int[] K, double[] Index);

/// <summary>
/// A continuous power law p(x) = (α − 1)/xmin · (x/xmin)^−α for x ≥ xmin, fitted by maximum likelihood
/// with the xmin that minimises the Kolmogorov–Smirnov distance (Clauset, Shalizi and Newman 2009, as WeightWatcher does).
/// </summary>
/// <param name="Alpha">α = 1 + n_tail / Σ ln(x_i / xmin) over the tail.</param>
/// <param name="Xmin">The lower end of the fitted tail.</param>
/// <param name="KsDistance">max |S_emp − S_fit| over the tail, the distance that chose xmin.</param>
/// <param name="NTail">Samples at or above xmin.</param>
/// <param name="N">Samples in all (non-positive ones included: they can never be in the tail).</param>
/// <param name="StdError">(α − 1)/√n_tail, the asymptotic standard error of α.</param>
public sealed record PowerLawFit(double Alpha, double Xmin, double KsDistance, int NTail, int N, double StdError);

/// <summary>
/// Tail estimators: the Hill index of |x| and the Clauset power-law fit. Both take any span of samples
/// and never modify it; non-finite samples are refused with an <see cref="ArgumentException"/>.
/// </summary>
public static class TailIndex
{
    /// <summary>z for a two-sided 95% interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>The default minimum tail size of <see cref="FitPowerLaw(ReadOnlySpan{double}, int)"/>: xmin is never chosen with fewer samples above it.</summary>
    public const int DefaultMinTail = 10;

    /// <summary>The most xmin candidates scanned; above it the candidates are the order statistics at log-spaced ranks.</summary>
    public const int MaxXminCandidates = 2000;

    /// <summary>
    /// The default k of the Hill estimator: ⌊√n⌋, clamped to [2, n − 1]. It lets k grow with n while k/n → 0,
    /// the two conditions for consistency; for a Cauchy sample of 160 000 entries (a 400×400 matrix) it uses the
    /// 400 largest, where the second-order term of the Cauchy tail, (2/π)/t · (1 − 1/(3t²)), is below 10⁻⁵.
    /// </summary>
    public static int DefaultK(int n) => Math.Clamp((int)Math.Floor(Math.Sqrt(n)), 2, Math.Max(2, n - 1));

    /// <summary>The Hill estimate of the tail index of |x| from the <paramref name="k"/> largest |x| (k = 0: <see cref="DefaultK"/>).</summary>
    public static HillResult Hill(ReadOnlySpan<double> samples, int k = 0)
    {
        double[] sorted = SortedMagnitudesDescending(samples, 3);
        return HillSorted(sorted, k == 0 ? DefaultK(sorted.Length) : k);
    }

    /// <summary>Hill estimates at up to <paramref name="points"/> log-spaced k from 2 to n − 1 (zeros end the range: the threshold must be positive).</summary>
    public static HillPlotData HillPlot(ReadOnlySpan<double> samples, int points = 200)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 2);
        double[] s = SortedMagnitudesDescending(samples, 3);
        int n = s.Length;
        int kMax = n - 1;
        while (kMax >= 2 && s[kMax] <= 0) kMax--;
        var ks = new SortedSet<int>();
        if (kMax >= 2)
            for (int i = 0; i < points; i++)
                ks.Add((int)Math.Round(Math.Exp(Math.Log(2) + (Math.Log(kMax) - Math.Log(2)) * i / (points - 1))));
        int[] kArr = [.. ks];
        var index = new double[kArr.Length];
        double sumLog = 0;
        int done = 0;
        for (int j = 0; j < kArr.Length; j++)
        {
            int k = kArr[j];
            for (; done < k; done++) sumLog += Math.Log(s[done]);
            double gamma = sumLog / k - Math.Log(s[k]);
            index[j] = 1.0 / gamma;
        }
        return new HillPlotData(kArr, index);
    }

    private static HillResult HillSorted(double[] s, int k)
    {
        int n = s.Length;
        if (k < 1 || k > n - 1) throw new ArgumentOutOfRangeException(nameof(k), k, $"must be in 1 … n − 1 = {n - 1}");
        double threshold = s[k];
        if (!(threshold > 0)) throw new ArgumentException($"the Hill estimator needs X(k+1) > 0, but {n - k} of the {n} values are 0 at k = {k}", nameof(k));
        double gamma = 0;
        for (int i = 0; i < k; i++) gamma += Math.Log(s[i]);
        gamma = gamma / k - Math.Log(threshold);
        double index = gamma > 0 ? 1.0 / gamma : double.PositiveInfinity;
        // KS distance of the k tail values against Pareto(index, threshold): ascending order, CDF 1 − (x/t)^−α.
        double d = 0;
        for (int j = 0; j < k; j++)
        {
            double x = s[k - 1 - j];
            double cdf = double.IsFinite(index) ? 1 - Math.Pow(x / threshold, -index) : 1.0;
            d = Math.Max(d, Math.Max(Math.Abs((j + 1.0) / k - cdf), Math.Abs((double)j / k - cdf)));
        }
        return new HillResult(index, gamma, k, n, threshold, index / Math.Sqrt(k), d);
    }

    /// <summary>
    /// Fits a continuous power law to the upper tail of <paramref name="samples"/> (Clauset, Shalizi and Newman 2009):
    /// for each candidate xmin (a distinct positive sample with at least <paramref name="minTail"/> samples at or above it),
    /// α = 1 + n_tail / Σ ln(x_i / xmin) and the KS distance D = max |F_emp − F_fit| over the tail; the candidate with
    /// the smallest D wins (ties: the larger tail). When fewer than <paramref name="minTail"/> samples are positive, the
    /// whole positive sample is the tail. At most <see cref="MaxXminCandidates"/> candidates are scanned.
    /// </summary>
    public static PowerLawFit FitPowerLaw(ReadOnlySpan<double> samples, int minTail = DefaultMinTail)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minTail, 2);
        foreach (double v in samples)
            if (!double.IsFinite(v)) throw new ArgumentException($"samples must be finite (found {v})", nameof(samples));
        int n = samples.Length;
        double[] pos = samples.ToArray().Where(v => v > 0).ToArray();
        if (pos.Length < 2) throw new ArgumentException($"a power-law fit needs at least 2 positive samples, got {pos.Length}", nameof(samples));
        Array.Sort(pos);
        int m = pos.Length;
        // suffix sums of ln x
        var suffix = new double[m + 1];
        for (int i = m - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + Math.Log(pos[i]);

        int lastStart = Math.Max(0, m - Math.Min(minTail, m));
        var candidates = new List<int>();
        for (int i = 0; i <= lastStart; i++)
            if (i == 0 || pos[i] != pos[i - 1]) candidates.Add(i);
        if (candidates.Count > MaxXminCandidates)
        {
            // keep log-spaced tail sizes, always including the largest tail
            var kept = new SortedSet<int>();
            for (int j = 0; j < MaxXminCandidates; j++)
            {
                double tail = Math.Exp(Math.Log(m - lastStart) + (Math.Log(m) - Math.Log(m - lastStart)) * j / (MaxXminCandidates - 1));
                int start = Math.Clamp(m - (int)Math.Round(tail), 0, lastStart);
                while (start > 0 && pos[start] == pos[start - 1]) start--;
                kept.Add(start);
            }
            candidates = [.. kept];
        }

        PowerLawFit? best = null;
        foreach (int i in candidates)
        {
            double xmin = pos[i];
            int tail = m - i;
            double logSum = suffix[i] - tail * Math.Log(xmin);
            if (!(logSum > 0)) continue; // every tail value equals xmin
            double alpha = 1 + tail / logSum;
            double d = 0;
            for (int j = 0; j < tail; j++)
            {
                double cdf = 1 - Math.Pow(pos[i + j] / xmin, 1 - alpha);
                d = Math.Max(d, Math.Max(Math.Abs((j + 1.0) / tail - cdf), Math.Abs((double)j / tail - cdf)));
            }
            if (best is null || d < best.KsDistance || (d == best.KsDistance && tail > best.NTail))
                best = new PowerLawFit(alpha, xmin, d, tail, n, (alpha - 1) / Math.Sqrt(tail));
        }
        return best ?? throw new ArgumentException("a power-law fit needs at least two distinct positive samples", nameof(samples));
    }

    /// <summary>The survival function P(X ≥ x) of a fitted power law, relative to the fraction of samples in the tail.</summary>
    public static double Survival(this PowerLawFit fit, double x) =>
        x < fit.Xmin ? 1.0 : Math.Pow(x / fit.Xmin, 1 - fit.Alpha);

    private static double[] SortedMagnitudesDescending(ReadOnlySpan<double> samples, int minCount)
    {
        if (samples.Length < minCount) throw new ArgumentException($"needs at least {minCount} samples, got {samples.Length}", nameof(samples));
        var a = new double[samples.Length];
        for (int i = 0; i < a.Length; i++)
        {
            double v = samples[i];
            if (!double.IsFinite(v)) throw new ArgumentException($"samples must be finite (sample {i} is {v})", nameof(samples));
            a[i] = Math.Abs(v);
        }
        Array.Sort(a);
        Array.Reverse(a);
        return a;
    }
}
