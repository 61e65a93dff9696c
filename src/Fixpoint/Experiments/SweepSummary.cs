using System.Globalization;
using System.Text;

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
    /// <summary>Starts that did not end at a fixed point: cycles, divergence and the iteration limit.</summary>
    public double NotConvergedFraction => CycleFraction + DivergedFraction + MaxIterationsFraction;

    /// <summary>The series a cell belongs to in the figures: everything but the depth.</summary>
    public string SeriesKey => $"{Cell.Weights} N={Cell.Width} {Cell.Scaling} b={Cell.Biases} {Cell.Activation}{(Cell.Tied ? " tied" : "")}";
}

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
                list.Average(r => r.ElapsedSeconds));
        }).OrderBy(c => c.Cell.Weights).ThenBy(c => c.Cell.Width).ThenBy(c => c.Cell.Scaling).ThenBy(c => c.Cell.Biases)
          .ThenBy(c => c.Cell.Activation).ThenBy(c => c.Cell.Tied).ThenBy(c => c.Cell.Depth).ToList();

    /// <summary>summary.csv: one row per cell, in the order of <paramref name="cells"/>.</summary>
    public static string ToCsv(IReadOnlyList<CellSummary> cells)
    {
        var sb = new StringBuilder();
        sb.AppendLine("width,depth,weights,scaling,biases,activation,tied,realisations,q_mean,q_std,q_lo95,q_hi95,q_min,q_max,fraction_q_is_1,fraction_q_is_0,converged_fraction,cycle_fraction,diverged_fraction,max_iterations_fraction,spectral_radius_median,stable_spectral_radius_max,cycle_periods,chao1_missing_mean,unstable_mean,seconds_per_task");
        foreach (CellSummary c in cells)
        {
            sb.AppendJoin(',', c.Cell.Width, c.Cell.Depth, Q(c.Cell.Weights), Q(c.Cell.Scaling), Q(c.Cell.Biases), Q(c.Cell.Activation), c.Cell.Tied ? "true" : "false",
                c.Realisations, F(c.QMean), F(c.QStd), F(c.QLo95), F(c.QHi95), c.QMin, c.QMax, F(c.FractionQIsOne), F(c.FractionQIsZero),
                F(c.ConvergedFraction), F(c.CycleFraction), F(c.DivergedFraction), F(c.MaxIterationsFraction),
                F(c.SpectralRadiusMedian), F(c.StableSpectralRadiusMax), Q(string.Join(" ", c.CyclePeriods)), F(c.Chao1MissingMean),
                c.UnstableMean is double u ? F(u) : "", F(c.SecondsPerTask));
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private static string F(double v) => double.IsFinite(v) ? v.ToString("0.######", CultureInfo.InvariantCulture) : "";

    private static string Q(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
