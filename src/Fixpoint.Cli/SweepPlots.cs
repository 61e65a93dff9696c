using Fixpoint.Experiments;
using ScottPlot;

namespace Fixpoint.Cli;

/// <summary>The sweep figures: one line per series (everything but the depth) against log₂ L.</summary>
internal static class SweepPlots
{
    public static void Draw(IReadOnlyList<CellSummary> cells, string dir)
    {
        var series = cells.GroupBy(c => c.SeriesKey).ToList();
        Figure(series, Path.Combine(dir, "q_vs_depth.png"), "Q: distinct stable fixed points (mean, 95% band over realisations)", "Q",
            c => c.QMean, c => (Math.Max(0, c.QLo95), c.QHi95));
        Figure(series, Path.Combine(dir, "outcomes_vs_depth.png"), "fraction of starts not ending at a fixed point (solid: all; dashed: cycles)", "fraction of starts",
            c => c.NotConvergedFraction, null, c => c.CycleFraction);
        Figure(series, Path.Combine(dir, "radius_vs_depth.png"), "spectral radius ρ(J) at the fixed points (median over all fixed points found)", "ρ",
            c => c.SpectralRadiusMedian, null);
    }

    private static void Figure(List<IGrouping<string, CellSummary>> series, string path, string title, string yLabel,
        Func<CellSummary, double> y, Func<CellSummary, (double Lo, double Hi)>? band, Func<CellSummary, double>? dashed = null)
    {
        var plt = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int k = 0;
        foreach (var s in series)
        {
            var pts = s.OrderBy(c => c.Cell.Depth).ToList();
            double[] xs = pts.Select(c => Math.Log2(c.Cell.Depth)).ToArray();
            Color color = palette.GetColor(k++ % palette.Colors.Length);
            if (band is not null && pts.Count > 1)
            {
                var fill = plt.Add.FillY(xs, pts.Select(c => band(c).Lo).ToArray(), pts.Select(c => band(c).Hi).ToArray());
                fill.FillStyle.Color = color.WithAlpha(0.2);
                fill.LineStyle.Width = 0;
            }
            var line = plt.Add.Scatter(xs, pts.Select(y).ToArray(), color);
            line.LegendText = s.Key;
            line.MarkerSize = 7;
            if (dashed is not null)
            {
                var d = plt.Add.Scatter(xs, pts.Select(dashed).ToArray(), color);
                d.LinePattern = LinePattern.Dashed;
                d.MarkerShape = MarkerShape.OpenCircle;
            }
        }
        var depths = series.SelectMany(s => s.Select(c => c.Cell.Depth)).Distinct().Order().ToArray();
        plt.Axes.Bottom.SetTicks(depths.Select(d => Math.Log2(d)).ToArray(), depths.Select(d => d.ToString()).ToArray());
        plt.XLabel("depth L (log scale)");
        plt.YLabel(yLabel);
        plt.Title(title);
        // Head room above the data so the legend does not hide the lines.
        double top = series.SelectMany(g => g.Select(c => band is null ? y(c) : band(c).Hi)).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        plt.Axes.SetLimitsY(0, Math.Max(top, 1e-3) * (1.25 + 0.07 * series.Count));
        plt.ShowLegend(Alignment.UpperLeft);
        byte[] png = PlotImage.Png(plt, 1100, 700);
        AtomicFile.Write(path, s => s.Write(png));
    }
}
