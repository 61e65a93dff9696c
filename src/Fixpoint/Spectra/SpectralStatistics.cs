namespace Fixpoint.Spectra;

/// <summary>Summary of a pooled empirical spectral distribution (squared singular values, or eigenvalues of WᵀW).</summary>
/// <param name="Count">Values pooled.</param>
/// <param name="Zeros">Values exactly 0 (they have no logarithm; <see cref="MeanLog10"/> leaves them out). Squared singular values
/// below the SVD's resolution are 0 (see <see cref="JacobianSpectra.SquaredSingularValues"/>).</param>
/// <param name="Mean">m1, the mean.</param>
/// <param name="Variance">m2 − m1², the population variance (divisor Count).</param>
/// <param name="SecondMoment">m2, the mean of the squares.</param>
/// <param name="Min">The smallest value.</param>
/// <param name="Median">The median.</param>
/// <param name="Max">The largest value.</param>
/// <param name="FractionAboveOne">The fraction of values &gt; 1: for squared singular values of J, the expanding directions.</param>
/// <param name="MeanLog10">The mean of log10 over the positive values (NaN when none is positive).</param>
public sealed record EsdSummary(int Count, int Zeros, double Mean, double Variance, double SecondMoment, double Min, double Median, double Max,
    double FractionAboveOne, double MeanLog10)
{
    /// <summary>The summary of <paramref name="values"/>; all must be finite and ≥ 0.</summary>
    public static EsdSummary Of(ReadOnlySpan<double> values)
    {
        if (values.Length == 0) throw new ArgumentException("no values to summarise", nameof(values));
        double[] s = values.ToArray();
        foreach (double v in s)
            if (!(v >= 0) || !double.IsFinite(v)) throw new ArgumentException($"values must be finite and ≥ 0 (found {v})", nameof(values));
        Array.Sort(s);
        int n = s.Length;
        double sum = 0, sum2 = 0, logSum = 0;
        int zeros = 0, above = 0;
        foreach (double v in s)
        {
            sum += v;
            sum2 += v * v;
            if (v == 0) zeros++;
            else logSum += Math.Log10(v);
            if (v > 1) above++;
        }
        double mean = sum / n, m2 = sum2 / n;
        double variance = 0;
        foreach (double v in s) variance += (v - mean) * (v - mean);
        variance /= n;
        double median = n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
        return new EsdSummary(n, zeros, mean, variance, m2, s[0], median, s[^1], (double)above / n, zeros < n ? logSum / (n - zeros) : double.NaN);
    }
}

/// <summary>A histogram with <see cref="Counts"/>.Length bins between consecutive <see cref="Edges"/>; <see cref="Density"/> integrates to the fraction of values inside the range.</summary>
/// <param name="Outside">Values below the first edge or above the last (they are not in any bin).</param>
public sealed record Histogram(double[] Edges, long[] Counts, double[] Density, long Outside)
{
    /// <summary>Equal-width bins on [lo, hi]; a value equal to hi falls in the last bin.</summary>
    public static Histogram Of(ReadOnlySpan<double> values, double lo, double hi, int bins)
    {
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), bins, "must be ≥ 1");
        if (!(lo < hi) || !double.IsFinite(lo) || !double.IsFinite(hi)) throw new ArgumentOutOfRangeException(nameof(lo), $"the range [{lo}, {hi}] is empty or not finite");
        var edges = new double[bins + 1];
        for (int i = 0; i <= bins; i++) edges[i] = lo + (hi - lo) * i / bins;
        var counts = new long[bins];
        long outside = 0;
        double width = (hi - lo) / bins;
        foreach (double v in values)
        {
            if (!(v >= lo && v <= hi)) { outside++; continue; }
            int b = Math.Min(bins - 1, (int)((v - lo) / width));
            counts[b]++;
        }
        int total = values.Length;
        var density = counts.Select(c => total > 0 ? c / (total * width) : 0.0).ToArray();
        return new Histogram(edges, counts, density, outside);
    }
}

/// <summary>
/// Gaussian kernel density estimates with Silverman's bandwidth h = 0.9 · min(sd, IQR/1.34) · n^(−1/5).
/// The linear-axis estimate of a non-negative sample reflects the kernels at 0 (so no mass leaks below 0).
/// </summary>
public static class KernelDensity
{
    /// <summary>Silverman's rule-of-thumb bandwidth; falls back to sd (or 1) when the IQR is 0.</summary>
    public static double SilvermanBandwidth(ReadOnlySpan<double> values)
    {
        if (values.Length < 2) return 1.0;
        double[] s = values.ToArray();
        Array.Sort(s);
        double mean = s.Average();
        double sd = Math.Sqrt(s.Sum(v => (v - mean) * (v - mean)) / (s.Length - 1));
        double iqr = Quantile(s, 0.75) - Quantile(s, 0.25);
        double spread = iqr > 0 ? Math.Min(sd, iqr / 1.34) : sd;
        if (!(spread > 0)) spread = Math.Max(Math.Abs(mean), 1.0) * 1e-3;
        return 0.9 * spread * Math.Pow(s.Length, -0.2);
    }

    /// <summary>The estimate at each grid point; <paramref name="reflectAtZero"/> adds the kernels mirrored at 0 (for non-negative data; the estimate is then 0 below 0).</summary>
    public static double[] Estimate(ReadOnlySpan<double> values, ReadOnlySpan<double> grid, double bandwidth, bool reflectAtZero = false)
    {
        if (!(bandwidth > 0)) throw new ArgumentOutOfRangeException(nameof(bandwidth), bandwidth, "must be > 0");
        double[] v = values.ToArray();
        double[] g = grid.ToArray();
        var f = new double[g.Length];
        double norm = 1.0 / (v.Length * bandwidth * Math.Sqrt(2 * Math.PI));
        double cut = 8 * bandwidth;
        Array.Sort(v);
        Parallel.For(0, g.Length, i =>
        {
            double x = g[i];
            if (reflectAtZero && x < 0) return;
            double sum = 0;
            int lo = LowerBound(v, x - cut);
            for (int j = lo; j < v.Length && v[j] <= x + cut; j++)
            {
                double u = (x - v[j]) / bandwidth;
                sum += Math.Exp(-0.5 * u * u);
            }
            if (reflectAtZero)
                for (int j = 0; j < v.Length && v[j] <= cut - x; j++)
                {
                    double u = (x + v[j]) / bandwidth;
                    sum += Math.Exp(-0.5 * u * u);
                }
            f[i] = sum * norm;
        });
        return f;
    }

    /// <summary>The q-quantile of sorted values by linear interpolation.</summary>
    public static double Quantile(double[] sorted, double q)
    {
        if (sorted.Length == 0) return double.NaN;
        double pos = q * (sorted.Length - 1);
        int i = (int)Math.Floor(pos);
        if (i >= sorted.Length - 1) return sorted[^1];
        return sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]);
    }

    private static int LowerBound(double[] sorted, double x)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < x) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
