namespace Fixpoint.Cli;

/// <summary>Tick marks chosen here where ScottPlot's automatic ones crowd an axis (colour bars as tall as the panel).</summary>
internal static class PlotTicks
{
    /// <summary>Ticks at the multiples of the smallest round step (1, 2, 2.5 or 5 × 10^k) that puts at most 7 in [lo, hi] (so at least 4), labelled invariantly.</summary>
    public static ScottPlot.TickGenerators.NumericManual Round(double lo, double hi)
    {
        double span = hi - lo;
        if (!(span > 0) || !double.IsFinite(span)) return new ScottPlot.TickGenerators.NumericManual([lo], [Format.Value(lo)]);
        double step = 0;
        for (double decade = Math.Pow(10, Math.Floor(Math.Log10(span)) - 1); step == 0; decade *= 10)
            foreach (double m in new[] { 1.0, 2.0, 2.5, 5.0 })
                if (Math.Floor(hi / (m * decade)) - Math.Ceiling(lo / (m * decade)) + 1 <= 7) { step = m * decade; break; }
        var ticks = new List<double>();
        for (double k = Math.Ceiling(lo / step); k * step <= hi; k++) ticks.Add(Math.Round(k * step, 12) + 0.0); // + 0.0 turns −0 into 0
        return new ScottPlot.TickGenerators.NumericManual([.. ticks], [.. ticks.Select(t => t.ToString("0.###", CultureInfo.InvariantCulture))]);
    }
}
