using System.Globalization;
using System.Text;
using Fixpoint.Census;

namespace Fixpoint.Experiments;

/// <summary>
/// Per-cell statistics over the realisations of a sweep. Q is the number of distinct stable fixed
/// points of one network; its 95% band is mean ± 1.96·sd/√n over the realisations (and the
/// 2.5%–97.5% empirical quantiles are given too).
/// </summary>
public sealed record CellSummary(
    SweepCell Cell,
    int Realisations,
    double QMean,
    double QStd,
    double QLo95,
    double QHi95,
    int QMin,
    int QMax,
    double FractionQIsOne,
    double FractionQIsZero,
    double ConvergedFraction,
    double CycleFraction,
    double DivergedFraction,
    double MaxIterationsFraction,
    double SpectralRadiusMedian,
    double StableSpectralRadiusMax,
    int[] CyclePeriods,
    double Chao1MissingMean,
    double? UnstableMean,
    double SecondsPerTask)
{
    /// <summary>The share of networks with Q ≥ 2 (several stable fixed points).</summary>
    public double FractionQAtLeastTwo { get; init; }

    /// <summary>95% Wilson intervals of the shares of networks with Q = 0, Q = 1 and Q ≥ 2.</summary>
    public (double Lo, double Hi) QIsZeroCI95 { get; init; }
    public (double Lo, double Hi) QIsOneCI95 { get; init; }
    public (double Lo, double Hi) QAtLeastTwoCI95 { get; init; }

    /// <summary>Mean Q_total (every fixed point, the Newton pass's included); null unless every task ran <c>census.unstable</c>.</summary>
    public double? QTotalMean { get; init; }

    /// <summary>The networks whose iteration limit hid a stable fixed point (found by the Newton pass, reached by no start); null for layout-1 rows.</summary>
    public int? LimitHidAttractorNetworks { get; init; }

    /// <summary>Mean number of saturated corner fixed points per network (1 expected for symmetric weight laws, small biases); null for layout-1 rows.</summary>
    public double? CornerMean { get; init; }

    /// <summary>Fixed points per number of unstable directions, summed over the networks (entry k: k directions); null for layout-1 rows.</summary>
    public int[]? UnstableDimensionCounts { get; init; }

    /// <summary>Starts that did not end at a fixed point: cycles, divergence and the iteration limit.</summary>
    public double NotConvergedFraction => CycleFraction + DivergedFraction + MaxIterationsFraction;

    /// <summary>The series a cell belongs to in the figures: everything but the depth.</summary>
    public string SeriesKey => $"{Cell.Weights} N={Cell.Width} {Cell.Scaling} b={Cell.Biases} {Cell.Activation}{(Cell.Tied ? " tied" : "")}";
}

/// <summary>The homogeneity test of one series (all axes but depth) and one quantity (Q or Q_total) across its depths.</summary>
public sealed record SeriesHomogeneity(string Series, string Quantity, int Depths, int Networks, HomogeneityResult Result);

public static class SweepSummary
{
    public static IReadOnlyList<CellSummary> Summarise(IReadOnlyList<TaskRow> rows) =>
        rows.GroupBy(r => r.Cell.Key).Select(g =>
        {
            var list = g.ToList();
            int n = list.Count;
            double[] q = list.Select(r => (double)r.Q).ToArray();
            double mean = q.Average();
            double sd = n > 1 ? Math.Sqrt(q.Sum(v => (v - mean) * (v - mean)) / (n - 1)) : 0;
            double half = 1.96 * sd / Math.Sqrt(n);
            long starts = list.Sum(r => r.Starts);
            double Frac(Func<TaskRow, long> f) => starts > 0 ? (double)list.Sum(f) / starts : double.NaN;
            var radii = list.SelectMany(r => r.SpectralRadii).Where(double.IsFinite).Order().ToArray();
            var stableRadii = radii.Where(v => v < 1).ToArray();
            return new CellSummary(list[0].Cell, n, mean, sd, Math.Max(0, mean - half), mean + half, list.Min(r => r.Q), list.Max(r => r.Q),
                list.Count(r => r.Q == 1) / (double)n, list.Count(r => r.Q == 0) / (double)n,
                Frac(r => r.Converged), Frac(r => r.Cycle), Frac(r => r.Diverged), Frac(r => r.MaxIterations),
                radii.Length > 0 ? radii[radii.Length / 2] : double.NaN,
                stableRadii.Length > 0 ? stableRadii.Max() : double.NaN,
                list.SelectMany(r => r.CyclePeriods).Distinct().Order().ToArray(),
                list.Average(r => r.Chao1 - r.Q),
                list.All(r => r.UnstableCount.HasValue) ? list.Average(r => r.UnstableCount!.Value) : null,
                list.Average(r => r.ElapsedSeconds))
            {
                FractionQAtLeastTwo = list.Count(r => r.Q >= 2) / (double)n,
                QIsZeroCI95 = CensusStatistics.Wilson(list.Count(r => r.Q == 0), n),
                QIsOneCI95 = CensusStatistics.Wilson(list.Count(r => r.Q == 1), n),
                QAtLeastTwoCI95 = CensusStatistics.Wilson(list.Count(r => r.Q >= 2), n),
                QTotalMean = list.All(r => r.QTotal.HasValue) ? list.Average(r => r.QTotal!.Value) : null,
                LimitHidAttractorNetworks = list.All(r => r.StableUnreached.HasValue) ? list.Count(r => r.StableUnreached > 0) : null,
                CornerMean = list.All(r => r.CornerPoints.HasValue) ? list.Average(r => r.CornerPoints!.Value) : null,
                UnstableDimensionCounts = list.All(r => r.UnstableDimensionCounts is not null) ? SumCounts(list.Select(r => r.UnstableDimensionCounts!)) : null,
            };
        }).OrderBy(c => c.Cell.Weights).ThenBy(c => c.Cell.Width).ThenBy(c => c.Cell.Scaling).ThenBy(c => c.Cell.Biases)
          .ThenBy(c => c.Cell.Activation).ThenBy(c => c.Cell.Tied).ThenBy(c => c.Cell.Depth).ToList();

    private static int[] SumCounts(IEnumerable<int[]> counts)
    {
        var all = counts.ToList();
        var sum = new int[all.Count == 0 ? 0 : all.Max(c => c.Length)];
        foreach (int[] c in all)
            for (int k = 0; k < c.Length; k++) sum[k] += c[k];
        return sum;
    }

    /// <summary>Q (or Q_total) as a category: 0, 1, or 2 for "two or more".</summary>
    public static int Category(int q) => Math.Min(q, 2);

    /// <summary>
    /// For every series (all axes but depth) with at least two depths: is the distribution of Q over {0, 1, ≥ 2}
    /// the same at every depth? Pearson's χ² across depths with its asymptotic and permutation p-values, for Q
    /// and (where every task ran the Newton pass) Q_total. Deterministic: the permutation seed is fixed.
    /// </summary>
    public static IReadOnlyList<SeriesHomogeneity> AcrossDepth(IReadOnlyList<TaskRow> rows, int draws = 10000)
    {
        var result = new List<SeriesHomogeneity>();
        foreach (var series in rows.GroupBy(r => r.Cell with { Depth = 0 }).OrderBy(g => g.Key.Key, StringComparer.Ordinal))
        {
            var list = series.OrderBy(r => r.TaskIndex).ToList();
            int depths = list.Select(r => r.Cell.Depth).Distinct().Count();
            if (depths < 2) continue;
            string name = $"{series.Key.Weights} N={series.Key.Width} {series.Key.Scaling} b={series.Key.Biases} {series.Key.Activation}{(series.Key.Tied ? " tied" : "")}";
            int[] groups = list.Select(r => r.Cell.Depth).ToArray();
            if (Homogeneity.Test(groups, list.Select(r => Category(r.Q)).ToArray(), draws) is { } q)
                result.Add(new SeriesHomogeneity(name, "Q", depths, list.Count, q));
            if (list.All(r => r.QTotal.HasValue) && Homogeneity.Test(groups, list.Select(r => Category(r.QTotal!.Value)).ToArray(), draws) is { } t)
                result.Add(new SeriesHomogeneity(name, "Q_total", depths, list.Count, t));
        }
        return result;
    }

    /// <summary>homogeneity.csv: one row per series and quantity.</summary>
    public static string HomogeneityCsv(IReadOnlyList<SeriesHomogeneity> tests)
    {
        var sb = new StringBuilder();
        sb.AppendLine("series,quantity,depths,networks,chi2,df,p_value,permutation_p_value,draws,small_expected_share,bonferroni_p_value");
        foreach (SeriesHomogeneity t in tests)
        {
            sb.AppendJoin(',', Q(t.Series), t.Quantity, t.Depths, t.Networks, F(t.Result.Statistic), t.Result.DegreesOfFreedom,
                G(t.Result.PValue), G(t.Result.PermutationPValue), t.Result.Draws, F(t.Result.SmallExpectedShare), G(Math.Min(1, t.Result.PermutationPValue * tests.Count)));
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private static string G(double v) => double.IsFinite(v) ? v.ToString("G4", CultureInfo.InvariantCulture) : "";

    /// <summary>summary.csv: one row per cell, in the order of <paramref name="cells"/>.</summary>
    public static string ToCsv(IReadOnlyList<CellSummary> cells)
    {
        var sb = new StringBuilder();
        sb.AppendLine("width,depth,weights,scaling,biases,activation,tied,realisations,q_mean,q_std,q_lo95,q_hi95,q_min,q_max,fraction_q_is_1,fraction_q_is_0,converged_fraction,cycle_fraction,diverged_fraction,max_iterations_fraction,spectral_radius_median,stable_spectral_radius_max,cycle_periods,chao1_missing_mean,unstable_mean,seconds_per_task,fraction_q_ge_2,q0_lo95,q0_hi95,q1_lo95,q1_hi95,q_ge_2_lo95,q_ge_2_hi95,q_total_mean,limit_hid_attractor_networks,corner_mean,unstable_dimension_counts");
        foreach (CellSummary c in cells)
        {
            sb.AppendJoin(',', c.Cell.Width, c.Cell.Depth, Q(c.Cell.Weights), Q(c.Cell.Scaling), Q(c.Cell.Biases), Q(c.Cell.Activation), c.Cell.Tied ? "true" : "false",
                c.Realisations, F(c.QMean), F(c.QStd), F(c.QLo95), F(c.QHi95), c.QMin, c.QMax, F(c.FractionQIsOne), F(c.FractionQIsZero),
                F(c.ConvergedFraction), F(c.CycleFraction), F(c.DivergedFraction), F(c.MaxIterationsFraction),
                F(c.SpectralRadiusMedian), F(c.StableSpectralRadiusMax), Q(string.Join(" ", c.CyclePeriods)), F(c.Chao1MissingMean),
                c.UnstableMean is double u ? F(u) : "", F(c.SecondsPerTask),
                F(c.FractionQAtLeastTwo), F(c.QIsZeroCI95.Lo), F(c.QIsZeroCI95.Hi), F(c.QIsOneCI95.Lo), F(c.QIsOneCI95.Hi), F(c.QAtLeastTwoCI95.Lo), F(c.QAtLeastTwoCI95.Hi),
                c.QTotalMean is double t ? F(t) : "", c.LimitHidAttractorNetworks?.ToString(CultureInfo.InvariantCulture) ?? "",
                c.CornerMean is double k ? F(k) : "", c.UnstableDimensionCounts is { } h ? Q(string.Join(" ", h)) : "");
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private static string F(double v) => double.IsFinite(v) ? v.ToString("0.######", CultureInfo.InvariantCulture) : "";

    private static string Q(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
