using ScottPlot;

namespace Fixpoint.Cli;

/// <summary>The census's pictures beside census.png: eigenvalues.png (the spectra of J at the fixed points) and basins.png (the attractors' basin shares).</summary>
internal static class CensusFigures
{
    public const string EigenvaluesFile = "eigenvalues.png", BasinsFile = "basins.png";

    /// <summary>Fixed points given their own colour (the ten of Category10, as in census.png) and legend entry; the others are drawn light grey under one entry.</summary>
    public const int MaxPointsNamed = 10;

    /// <summary>Basins drawn as bars: the largest; the title says how many were left out.</summary>
    public const int MaxBasinsDrawn = 30;

    public const int Width = 1000, Height = 850, BasinsWidth = 1000, BasinsHeight = 650;

    /// <summary>eigenvalues.png: every fixed point's eigenvalues of J on the complex plane with the unit circle, coloured by point (filled: stable point, hollow: not).</summary>
    public static void Eigenvalues(CensusResult r, string path) => Write(path, EigenvaluesPng(r));

    /// <summary>eigenvalues.png's bytes, at <paramref name="width"/> × <paramref name="height"/>.</summary>
    internal static byte[] EigenvaluesPng(CensusResult r, int width = Width, int height = Height)
    {
        var plt = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        double[] th = Enumerable.Range(0, 361).Select(i => i * Math.PI / 180).ToArray();
        var circle = plt.Add.ScatterLine(th.Select(Math.Cos).ToArray(), th.Select(Math.Sin).ToArray(), Colors.Gray);
        circle.LineWidth = 1.5f;
        circle.LinePattern = LinePattern.Dashed;
        circle.LegendText = "unit circle";
        double r0 = 1;
        // The unnamed points first, so the named ones are drawn over them (and listed in order).
        var order = Enumerable.Range(0, r.FixedPoints.Count).OrderBy(k => k < MaxPointsNamed ? 1 : 0).ThenBy(k => k).ToList();
        bool otherKey = false;
        foreach (int k in order)
        {
            FixedPointInfo f = r.FixedPoints[k];
            var ev = f.Eigenvalues.Where(z => double.IsFinite(z.Real) && double.IsFinite(z.Imaginary)).ToArray();
            if (ev.Length == 0) continue;
            r0 = Math.Max(r0, ev.Max(z => z.Magnitude));
            bool named = k < MaxPointsNamed;
            bool stable = f.Stability == Stability.Stable;
            Color c = named ? palette.GetColor(k % palette.Colors.Length) : Colors.Gray.WithAlpha(0.4);
            var m = plt.Add.Markers(ev.Select(z => z.Real).ToArray(), ev.Select(z => z.Imaginary).ToArray(), stable ? MarkerShape.FilledCircle : MarkerShape.OpenCircle, named ? 8 : 6, c);
            m.MarkerLineWidth = 1.5f;
            if (named) m.LegendText = $"fixed point {k}: {f.Stability.Key()}, ρ = {Format.Fixed(f.SpectralRadius, "0.###")}";
            else if (!otherKey) { m.LegendText = $"fixed points {MaxPointsNamed}–{r.FixedPoints.Count - 1}"; otherKey = true; }
        }
        double lim = 1.08 * Math.Max(1.05, r0);
        plt.Axes.SetLimits(-lim, lim, -lim, lim);
        plt.Axes.SquareUnits();
        bool krylov = r.FixedPoints.Any(f => f.EigenvalueMethod == EigenMethod.Krylov);
        plt.Title(r.FixedPoints.Count == 0 ? "No fixed points: no eigenvalues"
            : $"Eigenvalues of J at the {Count(r.FixedPoints.Count, "fixed point")} (filled: stable point, hollow: not)" +
              (krylov ? "\nKrylov: only the eigenvalues with |λ| ≥ 0.95 and the leading few" : ""));
        plt.XLabel("Re λ");
        plt.YLabel("Im λ");
        plt.ShowLegend(Alignment.UpperRight);
        return PlotImage.Png(plt, width, height);
    }

    /// <summary>basins.png: the share of the finished starts that reached each attractor, with its 95% Wilson interval as an error bar.</summary>
    public static void Basins(CensusResult r, string path) => Write(path, BasinsPng(r));

    /// <summary>basins.png's bytes, at <paramref name="width"/> × <paramref name="height"/>.</summary>
    internal static byte[] BasinsPng(CensusResult r, int width = BasinsWidth, int height = BasinsHeight)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var all = r.FixedPoints.Select((f, k) => (Name: $"fp {k}", f.Hits, f.BasinFraction, f.BasinCI95, Color: palette.GetColor(k % palette.Colors.Length)))
            .Concat(r.Cycles.Select((c, j) => (Name: $"cycle {j}", c.Hits, c.BasinFraction, c.BasinCI95, Color: palette.GetColor((r.FixedPoints.Count + j) % palette.Colors.Length))))
            .Where(b => b.Hits > 0)
            .ToList();
        var shown = all.OrderByDescending(b => b.Hits).Take(MaxBasinsDrawn).ToList();
        var plt = new Plot();
        var bars = shown.Select((b, i) => new Bar { Position = i, Value = b.BasinFraction, FillColor = b.Color, Size = 0.7 }).ToList();
        if (bars.Count > 0) plt.Add.Bars(bars);
        double[] xs = shown.Select((_, i) => (double)i).ToArray();
        var eb = new ScottPlot.Plottables.ErrorBar(xs, shown.Select(b => b.BasinFraction).ToArray(), null, null,
            shown.Select(b => Math.Max(0, b.BasinCI95.Hi - b.BasinFraction)).ToArray(), shown.Select(b => Math.Max(0, b.BasinFraction - b.BasinCI95.Lo)).ToArray())
        {
            LineWidth = 1.5f,
            LineColor = Colors.Black,
            CapSize = 6,
            LegendText = "95% Wilson interval",
        };
        if (shown.Count > 0) plt.Add.Plottable(eb);
        plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xs, shown.Select(b => b.Name).ToArray());
        if (shown.Count > 12) plt.Axes.Bottom.TickLabelStyle.Rotation = -45;
        plt.Axes.SetLimits(-0.6, Math.Max(shown.Count, 1) - 0.4, 0, Math.Min(1.0, shown.Select(b => b.BasinCI95.Hi).DefaultIfEmpty(1).Max()) * 1.08 + 0.02);
        double none = r.Starts > 0 ? 1 - all.Sum(b => b.BasinFraction) : 0;
        string left = all.Count > shown.Count ? $"; the {MaxBasinsDrawn} largest of {all.Count} shown" : "";
        plt.Title($"Basins: share of the {Count(r.Starts, "finished start")} reaching each attractor{left}\n{Format.Fixed(100 * none, "0.#")}% reached none (diverged, iteration limit, non-finite or stalled)");
        plt.XLabel("attractor (fp k: fixed point k of census.json; cycle j)");
        plt.YLabel("basin share");
        if (shown.Count > 0) plt.ShowLegend(Alignment.UpperRight);
        return PlotImage.Png(plt, width, height);
    }

    private static void Write(string path, byte[] png) => AtomicFile.Write(path, s => s.Write(png));

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
