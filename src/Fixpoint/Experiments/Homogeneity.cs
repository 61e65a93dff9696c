using Fixpoint.Numerics;

namespace Fixpoint.Experiments;

/// <summary>
/// A test that several groups (the depths of a series) share one distribution over a few categories
/// (Q = 0, Q = 1, Q ≥ 2): Pearson's χ² on the groups × categories table, with its asymptotic p-value and a
/// Monte-Carlo permutation p-value (the group labels shuffled, the margins kept), which stays valid where
/// expected counts are small and the χ² approximation is not.
/// </summary>
/// <param name="Statistic">Pearson's χ² of the table (categories never observed are dropped).</param>
/// <param name="DegreesOfFreedom">(groups − 1)(categories − 1) over the groups and categories that were observed.</param>
/// <param name="PValue">P(χ²_df ≥ statistic).</param>
/// <param name="PermutationPValue">(1 + #{shuffled tables with χ² ≥ statistic}) / (1 + draws).</param>
/// <param name="SmallExpectedShare">The share of cells whose expected count is below 5 (Cochran: above 0.2, trust the permutation p-value).</param>
public sealed record HomogeneityResult(double Statistic, int DegreesOfFreedom, double PValue, double PermutationPValue, int Draws, double SmallExpectedShare);

public static class Homogeneity
{
    /// <summary>
    /// Tests <paramref name="labels"/> (one category per observation) against <paramref name="groups"/> (one group per
    /// observation). Deterministic in <paramref name="seed"/>. Null when fewer than two groups or categories were observed.
    /// </summary>
    public static HomogeneityResult? Test(IReadOnlyList<int> groups, IReadOnlyList<int> labels, int draws = 10000, ulong seed = 1)
    {
        if (groups.Count != labels.Count) throw new ArgumentException("one group per label");
        int[] g = Dense(groups, out int rows);
        int[] c = Dense(labels, out int cols);
        if (rows < 2 || cols < 2) return null;
        double observed = ChiSquare(g, c, rows, cols, out double small);
        int df = (rows - 1) * (cols - 1);
        var rng = new Rng(seed);
        int[] shuffled = (int[])c.Clone();
        int atLeast = 0;
        for (int d = 0; d < draws; d++)
        {
            for (int i = shuffled.Length - 1; i > 0; i--)
            {
                int j = (int)(rng.NextUInt64() % (ulong)(i + 1)); // bias below 2⁻⁴⁰ for these sizes
                (shuffled[i], shuffled[j]) = (shuffled[j], shuffled[i]);
            }
            if (ChiSquare(g, shuffled, rows, cols, out _) >= observed * (1 - 1e-12)) atLeast++;
        }
        return new HomogeneityResult(observed, df, UpperRegularizedGamma(df / 2.0, observed / 2.0), (1.0 + atLeast) / (1.0 + draws), draws, small);
    }

    private static int[] Dense(IReadOnlyList<int> values, out int count)
    {
        var map = values.Distinct().Order().Select((v, i) => (v, i)).ToDictionary(t => t.v, t => t.i);
        count = map.Count;
        return values.Select(v => map[v]).ToArray();
    }

    private static double ChiSquare(int[] g, int[] c, int rows, int cols, out double smallShare)
    {
        var table = new double[rows, cols];
        var rowSum = new double[rows];
        var colSum = new double[cols];
        for (int i = 0; i < g.Length; i++)
        {
            table[g[i], c[i]]++;
            rowSum[g[i]]++;
            colSum[c[i]]++;
        }
        double n = g.Length, chi = 0;
        int small = 0;
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < cols; k++)
            {
                double e = rowSum[r] * colSum[k] / n;
                if (e < 5) small++;
                double d = table[r, k] - e;
                chi += d * d / e;
            }
        smallShare = (double)small / (rows * cols);
        return chi;
    }

    /// <summary>Q(a, x) = Γ(a, x)/Γ(a), the χ² tail: P(χ²_k ≥ x) = Q(k/2, x/2).</summary>
    public static double UpperRegularizedGamma(double a, double x) =>
        x <= 0 ? 1.0 : MathNet.Numerics.SpecialFunctions.GammaUpperRegularized(a, x);

    /// <summary>ln Γ(a) for a &gt; 0.</summary>
    public static double LogGamma(double a) => MathNet.Numerics.SpecialFunctions.GammaLn(a);
}
