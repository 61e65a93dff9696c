namespace Fixpoint.Census;

/// <summary>The count of attracting fixed points not seen, from how often each was hit.</summary>
/// <param name="Observed">Distinct attracting fixed points reached by iteration.</param>
/// <param name="Chao1">Bias-corrected Chao1 estimate of the total number: S_obs + f1(f1 − 1)/(2(f2 + 1)).</param>
/// <param name="Missing">Chao1 − S_obs: the estimated number not seen.</param>
/// <param name="StdError">Standard error of Chao1 (Chao 1987, bias-corrected form).</param>
/// <param name="Coverage">Good–Turing sample coverage 1 − f1/n: the estimated fraction of starts whose attractor was seen at least twice.</param>
/// <param name="Singletons">f1: fixed points hit by exactly one start.</param>
/// <param name="Doubletons">f2: fixed points hit by exactly two starts.</param>
public sealed record MissingEstimate(int Observed, double Chao1, double Missing, double StdError, double Coverage, int Singletons, int Doubletons);

public static class CensusStatistics
{
    /// <summary>z for a two-sided 95% interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>The Wilson score interval for k successes in n trials (95% by default); (0, 1) when n = 0.</summary>
    public static (double Lo, double Hi) Wilson(long k, long n, double z = Z95)
    {
        if (n <= 0) return (0.0, 1.0);
        double p = (double)k / n;
        double z2 = z * z;
        double denom = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denom;
        double half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denom;
        return (Math.Max(0.0, centre - half), Math.Min(1.0, centre + half));
    }

    /// <summary>
    /// Chao1 (bias-corrected) and Good–Turing coverage from the hit counts of the observed classes.
    /// With no hits at all every field is 0 (coverage NaN is avoided: nothing was sampled, coverage 0).
    /// </summary>
    public static MissingEstimate Chao1(IReadOnlyList<long> hits)
    {
        var positive = hits.Where(h => h > 0).ToList();
        int s = positive.Count;
        long n = positive.Sum();
        int f1 = positive.Count(h => h == 1);
        int f2 = positive.Count(h => h == 2);
        if (n == 0) return new MissingEstimate(0, 0, 0, 0, 0, 0, 0);
        double a = f1 * (f1 - 1.0) / (2.0 * (f2 + 1.0));
        double chao1 = s + a;
        double f2p = f2 + 1.0;
        double variance = a
            + f1 * Math.Pow(2.0 * f1 - 1.0, 2) / (4.0 * f2p * f2p)
            + f1 * (double)f1 * f2 * Math.Pow(f1 - 1.0, 2) / (4.0 * Math.Pow(f2p, 4));
        double coverage = 1.0 - (double)f1 / n;
        return new MissingEstimate(s, chao1, chao1 - s, Math.Sqrt(Math.Max(variance, 0)), coverage, f1, f2);
    }
}
